"""The candidate's page, reached only through a private link (``?invite=<token>``): consent, then one question
at a time. Drafts are saved as the candidate writes; nothing about grades or rubrics is ever shown here."""

from __future__ import annotations

import streamlit as st

from grader.service import AnswerError
from screening import candidate
from screening.screens import InviteError, open_invite
from ui.resources import background_grader, database
from ui.text import md

CONSENT = """\
**Before you start.** This screen stores your name and e-mail, your answers (including drafts while you
write), and when you answered. An automated grader scores each answer against the key points of the question
to help a human reviewer; it does not decide anything on its own. To see or delete everything stored about
you, ask the recruiter who sent this link: deletion removes your answers and grades completely.
"""


def _save_draft(invite_id: int, screen_question_id: int, key: str) -> None:
    candidate.save_draft(database(), invite_id, screen_question_id, st.session_state.get(key, ""))
    st.session_state["draft_saved"] = True


def render() -> None:
    token = st.query_params.get("invite")
    db = database()
    try:
        invite = open_invite(db, token)
    except InviteError as err:
        st.title("Interview screen")
        st.error(str(err).capitalize() + ".")
        st.stop()
    intro = candidate.intro(db, invite.id)
    st.title(intro.title)
    if intro.finished:
        st.success("Thank you: all your answers are submitted. The recruiter will be in touch.")
        return
    if not intro.consented:
        st.markdown(md(intro.instructions))
        minutes = (
            f" Suggested time: {intro.seconds_per_question // 60} minutes per question."
            if (intro.seconds_per_question)
            else ""
        )
        st.caption(
            f"{intro.questions} questions, one at a time.{minutes} You can close the page and come back "
            "to this link; your answers are kept."
        )
        st.info(CONSENT)
        if st.button("I agree, start", type="primary"):
            candidate.consent(db, invite.id)
            st.rerun()
        return
    question = candidate.current_question(db, invite.id)
    if question is None:
        st.rerun()  # the last answer finished the screen
        return
    st.progress(question.position / question.total, text=f"Question {question.position} of {question.total}")
    st.markdown(f"### {md(question.text)}")
    if question.deadline:
        st.caption(f"Suggested to finish by {question.deadline:%H:%M} (UTC).")
    key = f"answer-{question.screen_question_id}"
    if key not in st.session_state:
        st.session_state[key] = question.draft
    st.text_area(
        "Your answer",
        key=key,
        height=240,
        max_chars=20_000,
        on_change=_save_draft,
        args=(invite.id, question.screen_question_id, key),
    )
    if st.session_state.pop("draft_saved", False):
        st.caption("Draft saved.")
    left, right = st.columns([1, 1])
    if left.button("Save draft"):
        _save_draft(invite.id, question.screen_question_id, key)
        st.rerun()
    last = question.position == question.total
    if right.button("Submit and finish" if last else "Submit and continue", type="primary"):
        text = st.session_state.get(key, "")
        if not text.strip():
            st.warning("Write an answer first (or a sentence saying you don't know).")
            return
        try:
            candidate.submit(db, invite.id, question.screen_question_id, text)
        except AnswerError as err:
            st.error(f"{err}. Your draft is kept; shorten it and submit again.")
            return
        background_grader().wake()
        st.rerun()
