"""One candidate's transcript on the Review page: each answer with its evidence marked, the verdicts (with
overrides applied), the override trail, an override form that asks for a reason, and re-grading."""

from __future__ import annotations

import streamlit as st

from screening import review
from screening.accounts import RecruiterInfo
from screening.markdown_escape import md
from screening.review import ReviewError
from ui.resources import database, offline_grader
from ui.result_card import VERDICT_STYLE, grader_badge
from ui.text import highlighted_answer


def _override_form(a: review.AnswerView, recruiter: RecruiterInfo) -> None:
    """What to change, its new value (a verdict from a list, or a score) and a reason. The choices stay when
    the reason is refused; after a saved override the form starts afresh."""
    assert a.grade is not None and a.answer_id is not None
    round_key = f"override-round-{a.answer_id}"
    key = f"override-{a.answer_id}-{st.session_state.get(round_key, 0)}"
    with st.container(border=True):
        st.caption("Override (kept in the audit trail with your name and reason)")
        cols = st.columns([3, 2])
        targets = {p.point_id: p.label for p in a.grade.points} | {"score": "the score (0-100)"}
        target = cols[0].selectbox("What", list(targets), format_func=targets.__getitem__, key=f"{key}-what")
        if target == "score":
            current = a.effective_score()
            value = str(
                cols[1].number_input(
                    "New score", 0, 100, value=current if current is not None else 0, step=1, key=f"{key}-score"
                )
            )
        else:
            now = a.effective_verdicts().get(target, "missed")
            value = cols[1].selectbox(
                "New verdict", review.VERDICTS, index=review.VERDICTS.index(now), key=f"{key}-verdict"
            )
        reason = st.text_input("Reason", key=f"{key}-reason")
        if st.button("Save override", key=f"{key}-save"):
            try:
                review.override(database(), a.answer_id, target, value, reason, recruiter.id, recruiter.name)
            except ReviewError as err:
                st.error(str(err).capitalize() + ".")
            else:
                st.session_state[round_key] = st.session_state.get(round_key, 0) + 1
                st.rerun()


def _regrade(a: review.AnswerView, recruiter: RecruiterInfo) -> None:
    assert a.answer_id is not None
    with st.popover("Re-grade with the offline grader"):
        kept = len(a.overrides)
        st.write(
            "Grades this answer again and keeps the current grade beside the new one."
            + (
                f" Your {kept} override(s) stay and apply on top of the new grade."
                if kept
                else " There are no overrides on it."
            )
        )
        if st.button("Re-grade now", key=f"regrade-{a.answer_id}"):
            review.regrade_answer(database(), a.answer_id, offline_grader(), recruiter.id)
            st.rerun()


def transcript(view: review.CandidateView, recruiter: RecruiterInfo) -> None:
    for n, a in enumerate(view.answers, start=1):
        st.markdown(f"#### {n}. {md(a.question.text)}")
        if a.answer is None:
            st.caption(a.status)
            continue
        if a.grade is None:
            st.markdown(md(a.answer))
            (st.error if a.status == "failed" else st.info)(md(review.grade_line(a).capitalize()))
            continue
        st.caption(
            md(grader_badge(a.grade))
            + f" · **{md(review.grade_line(a))}**"
            + (f" · {a.seconds / 60:.1f} min" if a.seconds is not None else "")
        )
        st.markdown(highlighted_answer(a.answer, a.grade), unsafe_allow_html=True)
        if a.not_graded:
            st.info(md(f"Not graded: {a.grade.abstain_reason}. It is left out of the candidate's average."))
        else:
            verdicts = a.effective_verdicts()
            for p in a.grade.points:
                changed = " _(overridden)_" if verdicts[p.point_id] != p.verdict else ""
                quote = f" — “{md(p.evidence[0].text)}”" if p.evidence else ""
                st.markdown(f"{VERDICT_STYLE[verdicts[p.point_id]]}{changed} {md(p.label)}{quote}")
        labels = {p.id: p.label for p in a.question.points}
        for o in a.overrides:
            st.caption(md(review.override_line(o, labels)))
        m = a.grade.meta
        with st.expander("Details"):
            st.caption(
                md(
                    f"{m.grader} · {m.model} · {m.prompt_name}@{m.prompt_hash} · {m.latency_ms:.0f} ms"
                    f" · {len(a.grades)} grade(s) kept"
                )
            )
        _override_form(a, recruiter)
        _regrade(a, recruiter)
