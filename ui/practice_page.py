"""The practice chat: the interviewer asks, the candidate answers, the answer is saved and graded, then a probe
on a missed point, another try, or the next question."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from grader.answer_checks import AnswerError
from grader.base import Grader
from practice.probes import merged_verdicts, probe_point, probe_text, single_point_question
from practice.questions import pick_question
from practice.service import Submission, bank_version, grade_attempt, submit
from rubric.index import NoMatchingRubric
from rubric.model import Question
from store.db import StoreError
from store.practice_store import AttemptRecord
from ui.grader_settings import grader_sidebar
from ui.resources import practice_store, rubric_index
from ui.result_card import VERDICT_STYLE, render_outline, render_result
from ui.text import md

ASSETS = Path(__file__).resolve().parents[1] / "assets"
INTERVIEWER = str(ASSETS / "interviewer.svg")
CANDIDATE = str(ASSETS / "candidate.svg")


def _state() -> Any:
    s = st.session_state
    s.setdefault("events", [])
    s.setdefault("phase", "idle")
    return s


def start_question(question: Question) -> None:
    s = _state()
    s.previous_score = None
    s.question_id = question.id
    s.events = [{"kind": "question"}]
    s.phase = "answer"
    s.main_attempt = None
    s.no_match = None


def _sidebar_choose(grader_message: str | None) -> None:
    index = rubric_index()
    bank = index.bank
    sections = bank.sections()
    labels = {0: "Random question", **{n: f"{n}. {title}" for n, title in sections.items()}}
    st.selectbox("Section", list(labels), format_func=labels.__getitem__, key="section_choice")
    if st.button("Ask me a question", type="primary", width="stretch"):
        s = _state()
        section = s.section_choice or None
        tried = {e.question_id for e in practice_store().history(s.learner_id)} if s.get("learner_id") else set()
        start_question(pick_question(bank, section, avoid=tried))
    own = st.text_input("…or type your own question", key="own_question")
    if st.button("Find its rubric", width="stretch"):
        s = _state()
        if not own.strip():
            s.no_match = "Type a question first."
        else:
            try:
                start_question(index.resolve(own).question)
            except NoMatchingRubric as miss:
                s.no_match = miss


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
        title = bank.sections()[section]
        if st.button(f"Practise section {section}: {title}", key=f"closest-{section}"):
            start_question(pick_question(bank, section))
            st.rerun()


_STEPS = {
    "saving": "Saving your answer",
    "grading": "Grading it against the key points",
}


def _grade_now(question: Question, answer: str, grader: Grader, submission: Submission) -> int | None:
    """Submit through the practice service, showing its steps; returns the saved attempt's id, or None when the
    answer could not be saved (the text is shown back so nothing is lost)."""
    s = _state()
    bank = rubric_index().bank
    with st.status("Grading your answer…", expanded=True) as status:
        try:
            outcome = submit(
                practice_store(),
                s.learner_id,
                bank.id,
                question,
                answer,
                grader,
                kind=submission.kind,
                parent_id=submission.parent_id,
                probe_point_id=submission.probe_point_id,
                graded_question=submission.graded_question,
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


def _render_events(question: Question, grader: Grader | None) -> None:
    s = _state()
    store = practice_store()
    original = None
    for event in s.events:
        if event["kind"] == "question":
            with st.chat_message("assistant", avatar=INTERVIEWER):
                st.caption(md(f"Section {question.section}: {question.section_title} · {question.id}"))
                st.markdown(f"**{md(question.text)}**")
        elif event["kind"] in ("answer", "probe_answer"):
            record = store.attempt(event["attempt_id"])
            with st.chat_message("user", avatar=CANDIDATE):
                st.markdown(md(record.answer) if record.answer.strip() else "_(empty answer)_")
            with st.chat_message("assistant", avatar=INTERVIEWER):
                if record.status == "failed":
                    _render_failed(record, question, grader)
                elif record.grade is None:
                    st.warning("This answer is saved but not graded yet.")
                elif event["kind"] == "answer":
                    original = record.grade
                    render_result(record.grade, record.answer, question)
                else:
                    _render_probe_result(question, record, original)
        elif event["kind"] == "probe":
            with st.chat_message("assistant", avatar=INTERVIEWER):
                st.markdown(md(probe_text(question, question.point(event["point_id"]))))


def _render_probe_result(question: Question, record: AttemptRecord, original: object) -> None:
    assert record.grade is not None
    verdict = record.grade.points[0]
    st.markdown(f"Follow-up on **{md(verdict.label)}**: {VERDICT_STYLE[verdict.verdict]}")
    if verdict.evidence:
        st.markdown(f"“{md(verdict.evidence[0].text)}”")
    if original is not None:
        merged = merged_verdicts(original, [record.grade])  # type: ignore[arg-type]
        rows = [
            {
                "key point": question.point(p.point_id).label,
                "first answer": p.verdict,
                "with the follow-up": merged[p.point_id][0],
            }
            for p in original.points  # type: ignore[attr-defined]
        ]
        st.caption("Verdicts for the question, both attempts together:")
        st.dataframe(rows, hide_index=True, width="stretch")


def _actions(question: Question) -> None:
    s = _state()
    store = practice_store()
    last = store.attempt(s.main_attempt) if s.get("main_attempt") else None
    render_outline(question)
    cols = st.columns(3)
    missing = probe_point(question, last.grade) if last and last.grade else None
    if s.phase == "graded" and missing is not None and cols[0].button("Probe me on a missed point"):
        s.events.append({"kind": "probe", "point_id": missing.id})
        s.probe_point = missing.id
        s.phase = "probe"
        st.rerun()
    if cols[1].button("Try again"):
        s.previous_score = last.grade.score if last and last.grade and not last.grade.abstained else None
        s.events = [{"kind": "question"}]
        s.phase = "answer"
        st.rerun()
    if cols[2].button("Next question", type="primary"):
        bank = rubric_index().bank
        section = s.get("section_choice") or None
        start_question(pick_question(bank, section, avoid={question.id}))
        st.rerun()


def _on_answer(question: Question, answer: str, grader: Grader) -> None:
    s = _state()
    if s.phase == "probe":
        point = question.point(s.probe_point)
        probe = Submission("probe", s.main_attempt, point.id, single_point_question(question, point))
        attempt_id = _grade_now(question, answer, grader, probe)
        if attempt_id:
            s.events.append({"kind": "probe_answer", "attempt_id": attempt_id})
            s.phase = "probed"
        return
    retry = s.get("main_attempt") is not None
    attempt_id = _grade_now(
        question, answer, grader, Submission("retry" if retry else "answer", s.main_attempt if retry else None)
    )
    if attempt_id:
        s.events.append({"kind": "answer", "attempt_id": attempt_id})
        s.main_attempt = attempt_id
        s.phase = "graded"


def render() -> None:
    s = _state()
    with st.sidebar:
        st.header("Practice")
        name = st.text_input(
            "Your name",
            value=s.get("learner_name", "me"),
            key="learner_name",
            help="Progress is kept per name on this machine.",
        )
        s.learner_id = practice_store().learner(name)
        grader, grader_message = grader_sidebar()
        st.divider()
        _sidebar_choose(grader_message)
    st.title("Mock interview practice")
    st.info("A practice tool: grades are a recommendation from an automated grader, not a hiring decision.")
    if grader_message:
        st.warning(grader_message)
    _show_no_match()
    question_id = s.get("question_id")
    if not question_id:
        st.write(
            "Pick a section (or a random question) in the sidebar and press **Ask me a question**, "
            "or type a question of your own."
        )
        return
    question = rubric_index().bank.get(question_id)
    if s.get("previous_score") is not None and s.phase == "answer":
        st.caption(f"Your previous attempt scored {s.previous_score}/100. Try to beat it.")
    _render_events(question, grader)
    if s.phase in ("graded", "probed"):
        _actions(question)
    if s.phase in ("answer", "probe") and grader is not None:
        prompt = "Your answer to the follow-up" if s.phase == "probe" else "Your answer"
        answer = st.chat_input(prompt, key="answer_box", max_chars=20_000)
        if answer is not None:
            _on_answer(question, answer, grader)
            st.rerun()
