"""Recruiters build screens (bank questions by section or search, custom questions with their own points),
invite candidates with private links, and revoke links."""

from __future__ import annotations

import streamlit as st

from screening import review, screens
from screening.markdown_escape import md
from screening.secrets_util import pseudonym
from ui.recruiter_auth import require_recruiter
from ui.resources import bank, database


def _host() -> str | None:
    try:
        return st.context.headers.get("host")
    except AttributeError:
        return None


def _builder(recruiter_id: int) -> None:
    offered = bank()
    with st.expander("Build a new screen", expanded=not screens.screens_of(database(), recruiter_id)):
        st.text_input("Title", key="new_title")
        st.text_area(
            "Instructions for candidates",
            key="new_instructions",
            value="Answer each question in a few sentences, as you would in an interview.",
        )
        sections = offered.sections()
        st.multiselect(
            "Add every question of these sections",
            list(sections),
            format_func=lambda n: f"{n}. {sections[n]}",
            key="new_sections",
        )
        labels = {q.id: f"{q.id}: {q.text}" for q in offered.questions}
        st.multiselect(
            "…and/or pick questions (type to search)", list(labels), format_func=labels.__getitem__, key="new_questions"
        )
        st.text_area(
            "Custom questions (optional)",
            key="new_custom",
            height=120,
            placeholder="How do you version a dataset?\nsnapshots: keep immutable snapshots of "
            "each training set\nlineage: record which data trained which model",
        )
        cols = st.columns(2)
        cols[0].number_input(
            "Minutes per question (0 = no limit)", min_value=0, max_value=120, value=0, key="new_minutes"
        )
        cols[1].selectbox(
            "Grader",
            ["offline", "llm"],
            key="new_grader",
            format_func=lambda g: (
                "Offline grader (default)" if g == "offline" else "LLM grader (configured on the server)"
            ),
        )
        st.button("Create screen", type="primary", on_click=_create, args=(recruiter_id,))
    created = st.session_state.pop("screen_created", None)
    if created:
        st.success(created)
    failed = st.session_state.pop("screen_refused", None)
    if failed:
        st.error(failed)


_BUILDER_KEYS = ("new_title", "new_sections", "new_questions", "new_custom", "new_minutes")


def _create(recruiter_id: int) -> None:
    """Create the screen from the builder's fields; on success the builder starts empty again (so a second
    click cannot make a duplicate), on a refusal every field keeps what was typed."""
    s = st.session_state
    draft = screens.ScreenDraft(
        title=s.get("new_title", ""),
        instructions=s.get("new_instructions", ""),
        sections=s.get("new_sections", []),
        question_ids=s.get("new_questions", []),
        custom=s.get("new_custom", ""),
        grader=s.get("new_grader", "offline"),
        minutes_per_question=int(s.get("new_minutes", 0)),
    )
    try:
        screen_id, count = screens.build_screen(database(), recruiter_id, bank(), draft)
    except ValueError as err:
        s["screen_refused"] = str(err).capitalize() + "."
        return
    title = s.get("new_title", "")
    for key in _BUILDER_KEYS:
        s.pop(key, None)
    s["screen_created"] = md(f"Screen {screen_id} ({title}) created with {count} questions.")


def _invites(screen: screens.ScreenInfo, recruiter_id: int) -> None:
    db = database()
    with st.form(f"invite-{screen.id}", clear_on_submit=True):
        cols = st.columns([2, 2, 1])
        name = cols[0].text_input("Candidate name")
        email = cols[1].text_input("Candidate e-mail")
        days = cols[2].number_input("Valid (days)", min_value=1, max_value=90, value=14)
        if st.form_submit_button("Create private link"):
            try:
                info, token = screens.invite(
                    db,
                    screen.id,
                    name,
                    email,
                    int(days),
                    actor=pseudonym("recruiter", recruiter_id),
                    recruiter_id=recruiter_id,
                )
            except ValueError as err:
                st.error(str(err).capitalize() + ".")
            else:
                st.session_state[f"new-link-{screen.id}"] = (info.candidate_name, screens.invite_link(token, _host()))
    shown = st.session_state.pop(f"new-link-{screen.id}", None)
    if shown:
        st.success(md(f"Private link for {shown[0]} (shown once; send it to the candidate):"))
        st.code(shown[1], language=None)
    statuses = {v.invite.id: v.status for v in review.candidates(db, screen.id, recruiter_id)}
    for inv in screens.invites_of(db, screen.id, recruiter_id):
        cols = st.columns([3, 3, 3, 2])
        cols[0].write(md(inv.candidate_name))
        cols[1].write(md(inv.candidate_email))
        status = statuses.get(inv.id, inv.status)
        cols[2].markdown(f"{status} · expires {inv.expires_at:%Y-%m-%d}", help=review.STATUSES.get(status))
        if inv.status not in ("revoked", "finished"):
            with cols[3].popover("Revoke link", width="stretch"):
                st.write(md(f"Withdraw {inv.candidate_name}'s link? Answers given so far are kept."))
                if st.button("Revoke now", key=f"revoke-{inv.id}"):
                    screens.revoke(db, inv.id, actor=pseudonym("recruiter", recruiter_id), recruiter_id=recruiter_id)
                    st.rerun()


def render() -> None:
    recruiter = require_recruiter()
    st.title("Screens")
    _builder(recruiter.id)
    for screen in screens.screens_of(database(), recruiter.id):
        with st.expander(f"{screen.title} · {len(screen.questions)} questions · {screen.grader} grader", expanded=True):
            st.caption(md(screen.instructions))
            st.markdown("\n".join(f"{i}. {md(q.text)}" for i, (_, q) in enumerate(screen.questions, start=1)))
            _invites(screen, recruiter.id)
