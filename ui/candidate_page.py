"""The candidate's page, reached only through a private link (``?invite=<token>``): consent, then one question
at a time. Drafts are saved as the candidate writes; nothing about grades or rubrics is ever shown here."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from grader.answer_checks import AnswerError
from grader.base import MAX_ANSWER_CHARS
from screening import candidate
from screening.limits import RateLimited
from screening.markdown_escape import md
from screening.screens import InviteError, open_invite
from ui import client
from ui.autosave import autosave, hide_input_hints
from ui.resources import background_grader, database

CONSENT = """\
**Before you start.** This screen stores your name and e-mail, your answers (including drafts while you
write), and when you answered. An automated grader scores each answer against the key points of the question
to help a human reviewer; it does not decide anything on its own. To see or delete everything stored about
you, ask the recruiter who sent this link: deletion removes your answers and grades completely.
"""


def _save_draft(invite_id: int, screen_question_id: int, key: str) -> None:
    """Save the text box as a draft. A refused save (rate limit, link withdrawn) keeps the text in the box and
    says why on the next run."""
    try:
        candidate.save_draft(database(), invite_id, screen_question_id, st.session_state.get(key, ""))
    except (RateLimited, InviteError) as err:
        st.session_state["draft_refused"] = str(err)
    else:
        st.session_state["draft_saved_at"] = datetime.now(UTC)


def _refused(err: Exception) -> None:
    """The link opens nothing (now): say why, and hand back any text this page still holds."""
    st.title("Interview screen")
    st.error(str(err).capitalize() + ".")
    unsaved = [str(v) for k, v in st.session_state.items() if str(k).startswith("answer-") and str(v).strip()]
    if unsaved:
        st.caption("What you wrote on this page, so you can copy it:")
        for text in unsaved:
            st.code(text, language=None, wrap_lines=True)
    st.stop()


def _draft_status() -> None:
    """When the draft was last saved, refreshed every few seconds."""
    saved = st.session_state.get("draft_saved_at")
    if saved is not None:
        seconds = max(0, int((datetime.now(UTC) - saved).total_seconds()))
        st.caption(f"Draft saved {seconds} s ago. Drafts save by themselves every few seconds as you type.")


def _over_limit(text: str) -> None:
    if len(text) > MAX_ANSWER_CHARS:
        st.warning(
            f"Your answer is {len(text):,} characters, {len(text) - MAX_ANSWER_CHARS:,} over the "
            f"{MAX_ANSWER_CHARS:,}-character limit. It is kept as a draft; shorten it before you submit."
        )


def _review(invite_id: int, question: candidate.CandidateQuestion, key: str) -> None:
    """The last step: every answer once more, then submit and finish (or go back and edit)."""
    st.subheader("Review your answers")
    for n, (text_, answer) in enumerate(candidate.submitted_answers(database(), invite_id), start=1):
        st.markdown(f"**{n}. {md(text_)}**")
        st.markdown(md(answer))
    text = str(st.session_state.get("review_text", ""))
    st.markdown(f"**{question.position}. {md(question.text)}**")
    st.markdown(md(text) or "_(no answer yet)_")
    left, right = st.columns([1, 1])
    if left.button("Back to edit"):
        st.session_state.reviewing = False
        st.session_state[key] = text  # the text box was not drawn while reviewing: give it its text back
        st.rerun()
    if right.button("Submit and finish", type="primary"):
        _submit(invite_id, question.screen_question_id, text)


def render() -> None:
    st.set_page_config(page_title="Interview screen")  # the candidate's tab says what it is
    token = st.query_params.get("invite")
    db = database()
    try:
        invite = open_invite(db, token, client.address())
    except (InviteError, RateLimited) as err:
        _refused(err)
        return
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
    answered = question.position - 1
    st.progress(
        answered / question.total, text=f"Question {question.position} of {question.total} · {answered} answered"
    )
    st.markdown(f"### {md(question.text)}")
    if question.deadline:
        st.caption(f"Suggested to finish by {question.deadline:%H:%M} (UTC).")
    key = f"answer-{question.screen_question_id}"
    if key not in st.session_state:
        st.session_state[key] = question.draft
    last = question.position == question.total
    if last and st.session_state.get("reviewing"):
        _review(invite.id, question, key)
        return
    st.text_area(
        "Your answer",
        key=key,
        height=240,
        on_change=_save_draft,
        args=(invite.id, question.screen_question_id, key),
    )
    hide_input_hints()
    autosave("Your answer")
    _over_limit(st.session_state.get(key, ""))
    refused = st.session_state.pop("draft_refused", None)
    if refused:
        st.warning(f"Draft not saved: {refused}. Your text is still here; keep this page open.")
    else:
        st.fragment(run_every=5)(_draft_status)()
    left, right = st.columns([1, 1])
    if left.button("Save draft"):
        _save_draft(invite.id, question.screen_question_id, key)
        st.rerun()
    if last:
        if right.button("Review and finish", type="primary") and _ready(st.session_state.get(key, "")):
            # A plain copy: the text box's own state goes when the box is not drawn.
            st.session_state.review_text = st.session_state.get(key, "")
            _save_draft(invite.id, question.screen_question_id, key)
            st.session_state.reviewing = True
            st.rerun()
    elif right.button("Submit and continue", type="primary"):
        _submit(invite.id, question.screen_question_id, st.session_state.get(key, ""))


def _ready(text: str) -> bool:
    if not text.strip():
        st.warning("Write an answer first (or a sentence saying you don't know).")
        return False
    return True


def _submit(invite_id: int, screen_question_id: int, text: str) -> None:
    """Submit the answer and go on; a refused submit leaves the text in the box and says why."""
    if not _ready(text):
        return
    try:
        candidate.submit(database(), invite_id, screen_question_id, text)
    except AnswerError as err:
        st.error(f"{err}. Your draft is kept; shorten it and submit again.")
        return
    except (RateLimited, InviteError) as err:
        st.error(f"Not submitted: {err}. Your answer is still here.")
        return
    background_grader().wake()
    st.session_state.reviewing = False
    st.rerun()
