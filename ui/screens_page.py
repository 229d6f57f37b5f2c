"""Recruiters build screens (bank questions by section or search, custom questions with their own points),
invite candidates with private links, and revoke links."""

from __future__ import annotations

import streamlit as st

from rubric.model import Question
from screening import screens
from screening.secrets_util import pseudonym
from ui.recruiter_auth import require_recruiter
from ui.resources import database, rubric_index
from ui.text import md


def app_base_url() -> str:
    import os

    configured = os.environ.get("INTERVIEW_GRADER_BASE_URL")
    if configured:
        return configured.rstrip("/")
    try:
        host = st.context.headers.get("host")
    except AttributeError:
        host = None
    return f"http://{host}" if host else "http://127.0.0.1:8501"


def _custom_questions(text: str) -> list[Question]:
    """Blocks separated by a blank line: the first line is the question, each further line a point
    ("label: what a good answer says")."""
    questions = []
    blocks = [b for b in text.strip().split("\n\n") if b.strip()]
    for n, block in enumerate(blocks, start=1):
        lines = [ln.strip() for ln in block.strip().splitlines() if ln.strip()]
        if len(lines) < 2:
            raise ValueError(f"custom question {n} needs the question and at least one key point line")
        points = [tuple(p.split(":", 1)) if ":" in p else (p[:40], p) for p in lines[1:]]
        questions.append(screens.custom_question(n, lines[0], [(a.strip(), b.strip()) for a, b in points]))
    return questions


def _builder(recruiter_id: int) -> None:
    bank = rubric_index().bank
    with st.expander("Build a new screen", expanded=not screens.screens_of(database(), recruiter_id)):
        title = st.text_input("Title", key="new_title")
        instructions = st.text_area(
            "Instructions for candidates",
            key="new_instructions",
            value="Answer each question in a few sentences, as you would in an interview.",
        )
        sections = bank.sections()
        chosen_sections = st.multiselect(
            "Add every question of these sections",
            list(sections),
            format_func=lambda n: f"{n}. {sections[n]}",
            key="new_sections",
        )
        labels = {q.id: f"{q.id}: {q.text}" for q in bank.questions}
        chosen = st.multiselect(
            "…and/or pick questions (type to search)", list(labels), format_func=labels.__getitem__, key="new_questions"
        )
        custom = st.text_area(
            "Custom questions (optional)",
            key="new_custom",
            height=120,
            placeholder="How do you version a dataset?\nsnapshots: keep immutable snapshots of "
            "each training set\nlineage: record which data trained which model",
        )
        cols = st.columns(2)
        minutes = cols[0].number_input(
            "Minutes per question (0 = no limit)", min_value=0, max_value=120, value=0, key="new_minutes"
        )
        grader = cols[1].selectbox(
            "Grader",
            ["offline", "llm"],
            key="new_grader",
            format_func=lambda g: (
                "Offline grader (default)" if g == "offline" else "LLM grader (configured on the server)"
            ),
        )
        if st.button("Create screen", type="primary"):
            picked = [q for q in bank.questions if q.section in chosen_sections or q.id in chosen]
            try:
                questions = picked + _custom_questions(custom)
                screen_id = screens.create_screen(
                    database(), recruiter_id, title, instructions, questions, grader, int(minutes) * 60 or None
                )
            except ValueError as err:
                st.error(str(err).capitalize() + ".")
            else:
                st.success(f"Screen {screen_id} created with {len(questions)} questions.")


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
                st.session_state[f"new-link-{screen.id}"] = (info.candidate_name, f"{app_base_url()}/?invite={token}")
    shown = st.session_state.pop(f"new-link-{screen.id}", None)
    if shown:
        st.success(md(f"Private link for {shown[0]} (shown once; send it to the candidate):"))
        st.code(shown[1], language=None)
    for inv in screens.invites_of(db, screen.id, recruiter_id):
        cols = st.columns([3, 3, 2, 1])
        cols[0].write(md(inv.candidate_name))
        cols[1].write(md(inv.candidate_email))
        cols[2].write(f"{inv.status} · expires {inv.expires_at:%Y-%m-%d}")
        if inv.status not in ("revoked", "finished") and cols[3].button("Revoke", key=f"revoke-{inv.id}"):
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
