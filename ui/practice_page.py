"""The practice chat: the interviewer asks, the candidate answers, the answer is saved and graded, then a probe
on a missed point, another try, or the next question. The conversation is a :class:`practice.chat.PracticeChat`;
this page draws it and hands answers to the practice service."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from grader.answer_checks import AnswerError
from grader.base import MAX_ANSWER_CHARS, Grader
from grader.result import GradeResult
from practice.chat import PracticeChat, compare
from practice.probes import merged_verdicts, probe_text, single_point_question
from practice.questions import pick_question
from practice.service import bank_version, grade_attempt, submit
from rubric.index import NoMatchingRubric
from rubric.model import Question
from store.db import StoreError
from store.practice_store import AttemptRecord
from ui.grader_settings import grader_sidebar
from ui.learner import learner_sidebar
from ui.resources import practice_store, rubric_index
from ui.result_card import VERDICT_STYLE, render_outline, render_result, user_answer
from ui.text import md

ASSETS = Path(__file__).resolve().parents[1] / "assets"
INTERVIEWER = str(ASSETS / "interviewer.svg")
CANDIDATE = str(ASSETS / "candidate.svg")
LIMIT = MAX_ANSWER_CHARS
GREETING = (
    "Hi, I'm your practice interviewer. Answer in the box below as you would in an interview; you'll see which "
    "key points you covered. Pick a section or type a question of your own in the sidebar at any time."
)


def chat() -> PracticeChat:
    state = st.session_state.get("practice_chat")
    if not isinstance(state, PracticeChat):
        state = st.session_state["practice_chat"] = PracticeChat()
    return state


def start_question(question: Question, matched_from: str | None = None) -> None:
    chat().start(question, matched_from)


def _new_question(avoid: set[str] | None = None) -> None:
    section = st.session_state.get("section") or None
    learner = st.session_state.get("learner_id")
    tried = {e.question_id for e in practice_store().history(learner)} if learner else set()
    start_question(pick_question(rubric_index().bank, section, avoid=(avoid or set()) | tried))


def _sidebar_choose() -> None:
    index = rubric_index()
    sections = index.bank.sections()
    labels = {0: "Random question", **{n: f"{n}. {title}" for n, title in sections.items()}}
    chosen = st.session_state.get("section", 0)
    section = st.selectbox("Section", list(labels), index=list(labels).index(chosen), format_func=labels.__getitem__)
    st.session_state["section"] = section  # a plain key: it outlives this page's widgets
    if st.button("Ask me a question", type="primary", width="stretch"):
        _new_question()
    own = st.text_input("…or type your own question", key="own_question")
    if st.button("Find its rubric", width="stretch"):
        st.session_state.no_match = None
        if not own.strip():
            st.session_state.no_match = "Type a question first."
        else:
            try:
                start_question(index.resolve(own).question, matched_from=own.strip())
            except NoMatchingRubric as miss:
                st.session_state.no_match = miss


def _show_no_match() -> None:
    miss = st.session_state.get("no_match")
    if not miss:
        return
    if isinstance(miss, str):
        st.warning(miss)
        return
    st.warning("No matching rubric for that question, so it cannot be graded. The closest questions are in:")
    bank = rubric_index().bank
    seen: list[int] = []
    for m in miss.suggestions:
        if m.question.section not in seen:
            seen.append(m.question.section)
    for section in seen:
        if st.button(f"Practise section {section}: {bank.sections()[section]}", key=f"closest-{section}"):
            st.session_state.no_match = None
            start_question(pick_question(bank, section))
            st.rerun()


_STEPS = {"saving": "Saving your answer", "grading": "Grading it against the key points"}


def _grade_now(question: Question, answer: str, grader: Grader) -> int | None:
    """Echo the answer in the candidate's bubble at once, grade it with the status in the interviewer's bubble;
    returns the saved attempt's id, or None when the answer could not be saved (the text is shown back)."""
    conversation = chat()
    bank = rubric_index().bank
    with st.chat_message("user", avatar=CANDIDATE):
        st.markdown(md(answer))
    with st.chat_message("assistant", avatar=INTERVIEWER), st.status("Grading your answer…", expanded=True) as status:
        s = conversation.submission(question)
        try:
            outcome = submit(
                practice_store(),
                st.session_state.learner_id,
                bank.id,
                question,
                answer,
                grader,
                kind=s.kind,
                parent_id=s.parent_id,
                probe_point_id=s.probe_point_id,
                graded_question=s.graded_question,
                bank_version=bank_version(bank),
                progress=lambda step: st.write(_STEPS.get(step, step)),
            )
        except AnswerError as err:
            status.update(label="Not saved", state="error")
            st.error(f"{err}. Nothing was saved; change the answer and send it again.")
            return None
        except Exception as err:  # the database is down or locked: say so and give the text back
            status.update(label="Could not save your answer", state="error")
            reason = str(err) if isinstance(err, StoreError) else type(err).__name__
            st.error(f"Your answer could not be saved: {reason}. Nothing was graded; copy it and try again.")
            st.code(answer, language=None, wrap_lines=True)
            return None
        if outcome.error:
            status.update(label="Grading failed; your answer is saved", state="error")
        else:
            status.update(label="Graded", state="complete", expanded=False)
    return outcome.attempt_id


def _render_failed(record: AttemptRecord, question: Question, grader: Grader | None) -> None:
    st.error(f"Grading failed, your answer is saved. ({record.error})")
    if grader is not None and st.button("Retry grading", key=f"retry-{record.id}"):
        graded = question
        if record.probe_point_id:
            graded = single_point_question(question, question.point(record.probe_point_id))
        grade_attempt(practice_store(), record.id, graded, record.answer, grader)
        st.rerun()


def _render_question(question: Question, first: bool) -> None:
    conversation = chat()
    with st.chat_message("assistant", avatar=INTERVIEWER):
        if first and st.session_state.get("greeted") == question.id:
            st.markdown(GREETING)
        if first and conversation.matched_from:
            st.caption(md(f"Matched to: {question.text} ({question.id})"))
        st.caption(md(f"Section {question.section}: {question.section_title} · {question.id}"))
        st.markdown(f"**{md(question.text)}**" if first else "Try again: answer the same question once more.")


def _render_turns(question: Question, grader: Grader | None) -> None:
    conversation = chat()
    store = practice_store()
    original: GradeResult | None = None
    earlier: GradeResult | None = None
    for n, turn in enumerate(conversation.turns):
        if turn.kind == "question":
            _render_question(question, first=n == 0)
        elif turn.kind == "probe" and turn.point_id:
            with st.chat_message("assistant", avatar=INTERVIEWER):
                st.markdown(md(probe_text(question, question.point(turn.point_id))))
        elif turn.attempt_id is not None:
            record = store.attempt(turn.attempt_id)
            with st.chat_message("user", avatar=CANDIDATE):
                user_answer(record.answer, record.grade)
            with st.chat_message("assistant", avatar=INTERVIEWER):
                if record.status == "failed":
                    _render_failed(record, question, grader)
                elif record.grade is None:
                    st.warning("This answer is saved but not graded yet.")
                elif turn.kind == "answer":
                    change = compare(earlier, record.grade) if earlier is not None else None
                    render_result(
                        record.grade, question, change.summary() if change else None, key=f"result-{record.id}"
                    )
                    earlier = original = record.grade
                else:
                    _render_probe_result(question, record, original)


def _render_probe_result(question: Question, record: AttemptRecord, original: GradeResult | None) -> None:
    assert record.grade is not None
    verdict = record.grade.points[0]
    if record.grade.abstained:
        st.warning(md(f"Follow-up on {verdict.label}: not graded ({record.grade.abstain_reason})."))
        return
    st.markdown(f"Follow-up on **{md(verdict.label)}**: {VERDICT_STYLE[verdict.verdict]}")
    if verdict.evidence:
        st.markdown(f"“{md(verdict.evidence[0].text)}”")
    if original is not None:
        merged = merged_verdicts(original, [record.grade])
        rows = [
            {
                "key point": question.point(p.point_id).label,
                "first answer": p.verdict,
                "with the follow-up": merged[p.point_id][0],
            }
            for p in original.points
        ]
        st.caption("Verdicts for the question, both attempts together:")
        st.dataframe(rows, hide_index=True, width="stretch")


def _actions(question: Question) -> None:
    conversation = chat()
    last = practice_store().attempt(conversation.main_attempt) if conversation.main_attempt else None
    render_outline(question)
    cols = st.columns(3)
    missing = conversation.probe_candidate(question, last.grade if last else None)
    if missing is not None and cols[0].button("Probe me on a missed point"):
        conversation.probe(missing)
        st.rerun()
    if cols[1].button("Try again"):
        conversation.try_again()
        st.rerun()
    if cols[2].button("Next question", type="primary"):
        _new_question(avoid={question.id})
        st.rerun()


def _answer_box(question: Question, grader: Grader) -> None:
    conversation = chat()
    prompt = "Your answer to the follow-up" if conversation.phase == "probe" else "Your answer"
    answer = st.chat_input(prompt, key="answer_box")
    if answer is None:
        return
    if len(answer) > LIMIT:
        # Kept, not cut: the learner shortens it and sends it again.
        st.session_state.too_long = answer
        st.rerun()
    st.session_state.pop("too_long", None)
    attempt_id = _grade_now(question, answer, grader)
    if attempt_id:
        conversation.answered(attempt_id)
        st.rerun()


def _show_too_long() -> None:
    text = st.session_state.get("too_long")
    if not text:
        return
    st.error(
        f"Your answer is {len(text):,} characters, {len(text) - LIMIT:,} over the {LIMIT:,}-character limit, "
        "so it was not sent. It is kept below: shorten it and send it again."
    )
    st.text_area("Your answer (not sent)", text, height=200, key="too_long_text")


def render() -> None:
    conversation = chat()
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
    if conversation.question_id is None:
        _new_question()  # the first screen asks at once
        st.session_state.greeted = conversation.question_id
    assert conversation.question_id is not None
    question = rubric_index().bank.get(conversation.question_id)
    _render_turns(question, grader)
    if conversation.phase in ("graded", "probed"):
        _actions(question)
    _show_too_long()
    if conversation.phase in ("answer", "probe") and grader is not None:
        _answer_box(question, grader)
