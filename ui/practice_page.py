"""The practice chat: the interviewer asks, the candidate answers, the answer is saved and graded, then a probe
on a missed point, another try, or the next question. The flow is :class:`practice.session.PracticeSession`; this
page draws its turns and hands it what the learner types and clicks."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from grader.base import Grader
from practice.chat import PracticeChat
from practice.session import AnswerTurn, PracticeSession, ProbeTurn, QuestionTurn, over_limit
from screening.markdown_escape import md
from ui.grader_settings import grader_sidebar
from ui.learner import learner_sidebar
from ui.resources import bank, practice_session
from ui.result_card import VERDICT_STYLE, render_outline, render_result, user_answer

ASSETS = Path(__file__).resolve().parents[1] / "assets"
INTERVIEWER = str(ASSETS / "interviewer.svg")
CANDIDATE = str(ASSETS / "candidate.svg")
GREETING = (
    "Hi, I'm your practice interviewer. Answer in the box below as you would in an interview; you'll see which "
    "key points you covered. Pick a section or type a question of your own in the sidebar at any time."
)
_STEPS = {"saving": "Saving your answer", "grading": "Grading it against the key points"}


def session() -> PracticeSession:
    chat = st.session_state.get("practice_chat")
    if not isinstance(chat, PracticeChat):
        chat = st.session_state["practice_chat"] = PracticeChat()
    return practice_session(chat, st.session_state.get("learner_id"))


def _section() -> int | None:
    return st.session_state.get("section") or None


def _sidebar_choose() -> None:
    sections = bank().sections()
    labels = {0: "Random question", **{n: f"{n}. {title}" for n, title in sections.items()}}
    chosen = st.session_state.get("section", 0)
    section = st.selectbox("Section", list(labels), index=list(labels).index(chosen), format_func=labels.__getitem__)
    st.session_state["section"] = section  # a plain key: it outlives this page's widgets
    if st.button("Ask me a question", type="primary", width="stretch"):
        session().ask(_section())
    own = st.text_input("…or type your own question", key="own_question")
    if st.button("Find its rubric", width="stretch"):
        st.session_state.no_match = session().find(own)


def _show_no_match() -> None:
    miss = st.session_state.get("no_match")
    if not miss:
        return
    st.warning(miss.message)
    titles = bank().sections()
    for section in miss.sections:
        if st.button(f"Practise section {section}: {titles[section]}", key=f"closest-{section}"):
            st.session_state.no_match = None
            session().ask(section)
            st.rerun()


def _send(answer: str, grader: Grader) -> None:
    """Echo the answer in the candidate's bubble at once, grade it with the status in the interviewer's bubble."""
    with st.chat_message("user", avatar=CANDIDATE):
        st.markdown(md(answer))
    with st.chat_message("assistant", avatar=INTERVIEWER), st.status("Grading your answer…", expanded=True) as status:
        sent = session().send(answer, grader, progress=lambda step: st.write(_STEPS.get(step, step)))
        if sent.error:
            status.update(label="Not saved" if sent.kept is None else "Could not save your answer", state="error")
            st.error(sent.error)
            if sent.kept is not None:
                st.code(sent.kept, language=None, wrap_lines=True)
            return
        if sent.grading_error:
            status.update(label="Grading failed; your answer is saved", state="error")
        else:
            status.update(label="Graded", state="complete", expanded=False)
    st.rerun()


def _question_turn(turn: QuestionTurn) -> None:
    question = session().question
    assert question is not None
    with st.chat_message("assistant", avatar=INTERVIEWER):
        if turn.first and st.session_state.get("greeted") == question.id:
            st.markdown(GREETING)
        if turn.matched_from:
            st.caption(md(f"Matched to: {question.text} ({question.id})"))
        st.caption(md(f"Section {question.section}: {question.section_title} · {question.id}"))
        st.markdown(f"**{md(question.text)}**" if turn.first else "Try again: answer the same question once more.")


def _answer_turn(turn: AnswerTurn, grader: Grader | None) -> None:
    record = turn.record
    with st.chat_message("user", avatar=CANDIDATE):
        user_answer(record.answer, record.grade)
    with st.chat_message("assistant", avatar=INTERVIEWER):
        if record.status == "failed":
            st.error(f"Grading failed, your answer is saved. ({record.error})")
            if grader is not None and st.button("Retry grading", key=f"retry-{record.id}"):
                session().retry_grading(record.id, grader)
                st.rerun()
        elif record.grade is None:
            st.warning("This answer is saved but not graded yet.")
        elif turn.kind == "answer":
            question = session().question
            assert question is not None
            render_result(record.grade, question, turn.change, key=f"result-{record.id}")
        else:
            _probe_result(turn)


def _probe_result(turn: AnswerTurn) -> None:
    assert turn.record.grade is not None
    verdict = turn.record.grade.points[0]
    if turn.record.grade.abstained:
        st.warning(md(f"Follow-up on {verdict.label}: not graded ({turn.record.grade.abstain_reason})."))
        return
    st.markdown(f"Follow-up on **{md(verdict.label)}**: {VERDICT_STYLE[verdict.verdict]}")
    if verdict.evidence:
        st.markdown(f"“{md(verdict.evidence[0].text)}”")
    if turn.merged:
        st.caption("Verdicts for the question, both attempts together:")
        st.dataframe(turn.merged, hide_index=True, width="stretch")


def _actions() -> None:
    practice = session()
    assert practice.question is not None
    render_outline(practice.question)
    cols = st.columns(3)
    missing = practice.probe_candidate()
    if missing is not None and cols[0].button("Probe me on a missed point"):
        practice.probe(missing)
        st.rerun()
    if cols[1].button("Try again"):
        practice.try_again()
        st.rerun()
    if cols[2].button("Next question", type="primary"):
        practice.ask_next(_section())
        st.rerun()


def _answer_box(grader: Grader) -> None:
    prompt = "Your answer to the follow-up" if session().chat.phase == "probe" else "Your answer"
    answer = st.chat_input(prompt, key="answer_box")
    if answer is None:
        return
    if over_limit(answer):
        st.session_state.too_long = answer  # kept, not cut: the learner shortens it and sends it again
        st.rerun()
    st.session_state.pop("too_long", None)
    _send(answer, grader)


def _show_too_long() -> None:
    text = st.session_state.get("too_long")
    if text and (message := over_limit(text)):
        st.error(message)
        st.text_area("Your answer (not sent)", text, height=200, key="too_long_text")


def render() -> None:
    with st.sidebar:
        st.header("Practice")
        learner_sidebar()
        grader, grader_message = grader_sidebar()
        st.divider()
        _sidebar_choose()
    st.title("Mock interview practice")
    st.caption("A practice tool: grades are a recommendation from an automated grader, not a hiring decision.")
    if grader_message:
        st.warning(grader_message)
    _show_no_match()
    practice = session()
    if practice.question is None:
        st.session_state.greeted = practice.ask(_section()).id  # the first screen asks at once
    for turn in practice.turns():
        if isinstance(turn, QuestionTurn):
            _question_turn(turn)
        elif isinstance(turn, ProbeTurn):
            with st.chat_message("assistant", avatar=INTERVIEWER):
                st.markdown(md(turn.text))
        else:
            _answer_turn(turn, grader)
    if practice.chat.phase in ("graded", "probed"):
        _actions()
    _show_too_long()
    if practice.chat.phase in ("answer", "probe") and grader is not None:
        _answer_box(grader)
