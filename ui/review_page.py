"""Review a screen: candidates table, candidates x key points heatmap, transcripts with evidence, overrides
with a written reason (an append-only trail), re-grading, exports, and deleting a candidate on request."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from screening import exports, review, screens
from screening.accounts import RecruiterInfo
from screening.data_protection import delete_candidate
from screening.review import ReviewError
from screening.secrets_util import pseudonym
from ui.recruiter_auth import require_recruiter
from ui.resources import background_grader, database, offline_grader
from ui.result_card import VERDICT_STYLE, grader_badge
from ui.text import highlighted_answer, md

COLOURS = {"covered": "#2e8b57", "partial": "#f0ad4e", "missed": "#d9534f", "contradicted": "#8e44ad", "": "#e6e6e6"}


def _table(views: list[review.CandidateView]) -> None:
    """The candidates; a click on a row opens that candidate's transcript below."""
    rows = [
        {
            "id": v.invite.id,
            "candidate": v.invite.candidate_name,
            "status": v.status,
            "score": v.score,
            "minutes": v.minutes,
            "answered": sum(a.answer is not None for a in v.answers),
            "questions": len(v.answers),
        }
        for v in views
    ]
    statuses = sorted({str(r["status"]) for r in rows})
    keep = st.multiselect("Show status", statuses, default=statuses, key="status_filter")
    shown = [r for r in rows if r["status"] in keep]
    event = st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="candidate_table",
        column_config={
            "score": st.column_config.ProgressColumn("score", min_value=0, max_value=100, format="%.0f"),
            "status": st.column_config.TextColumn(
                "status", help="; ".join(f"{k}: {v}" for k, v in review.STATUSES.items())
            ),
        },
    )
    picked = event.selection.rows if event else []
    if picked and st.session_state.get("table_pick") != shown[picked[0]]["id"]:
        st.session_state.table_pick = shown[picked[0]]["id"]
        st.session_state.review_candidate = shown[picked[0]]["id"]  # before the transcript's selectbox is drawn
    st.caption("Click a row to open that candidate's transcript below.")


@st.fragment(run_every=3)
def _watch_grading(screen_id: int, recruiter_id: int, pending: int) -> None:
    """While answers are grading, look every few seconds and redraw the page when something finished."""
    now = sum(v.status == "pending" for v in review.candidates(database(), screen_id, recruiter_id))
    if now != pending:
        st.rerun(scope="app")
    st.caption(f"{pending} answer(s) grading in the background; this page updates by itself.")


def _heatmap(views: list[review.CandidateView]) -> None:
    names, columns, matrix = review.heatmap(views)
    if not names:
        return
    frame = pd.DataFrame(
        [
            {"candidate": n, "key point": c, "verdict": v or "not graded"}
            for n, row in zip(names, matrix, strict=True)
            for c, v in zip(columns, row, strict=True)
        ]
    )
    chart = (
        alt.Chart(frame)
        .mark_rect(stroke="white")
        .encode(
            x=alt.X(
                "key point:N",
                sort=columns,
                title=None,
                axis=alt.Axis(labelAngle=-40, labelLimit=180, labelOverlap=False),
            ),
            y=alt.Y("candidate:N", title=None),
            color=alt.Color(
                "verdict:N",
                scale=alt.Scale(
                    domain=["covered", "partial", "missed", "contradicted", "not graded"],
                    range=[
                        COLOURS["covered"],
                        COLOURS["partial"],
                        COLOURS["missed"],
                        COLOURS["contradicted"],
                        COLOURS[""],
                    ],
                ),
            ),
            tooltip=["candidate", "key point", "verdict"],
        )
        # No explicit height: with one, Streamlit squashes a rect chart's plot area to nothing.
    )
    st.altair_chart(chart, width="stretch")


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


def _transcript(view: review.CandidateView, recruiter: RecruiterInfo) -> None:
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


def render() -> None:
    recruiter = require_recruiter()
    background_grader()
    st.title("Review")
    db = database()
    mine = screens.screens_of(db, recruiter.id)
    if not mine:
        st.write("No screens yet: build one on the Screens page.")
        return
    titles = {s.id: f"{s.title} ({s.created_at:%Y-%m-%d})" for s in mine}
    screen_id = st.selectbox("Screen", list(titles), format_func=titles.__getitem__, key="review_screen")
    views = review.candidates(db, screen_id, recruiter.id)
    if not views:
        st.write("No candidates invited yet.")
        return
    pending = sum(v.status == "pending" for v in views)
    if pending:
        _watch_grading(screen_id, recruiter.id, pending)
    if st.button(f"Refresh ({pending} grading in the background)" if pending else "Refresh"):
        background_grader().wake()
        st.rerun()
    cols = st.columns(2)
    cols[0].download_button(
        "Export screen (CSV)",
        exports.screen_csv(db, screen_id, recruiter.id),
        file_name=f"screen-{screen_id}.csv",
        mime="text/csv",
    )
    cols[1].download_button(
        "Export screen (JSON)",
        exports.screen_json(db, screen_id, recruiter.id),
        file_name=f"screen-{screen_id}.json",
        mime="application/json",
    )
    _table(views)
    st.subheader("Key points by candidate")
    _heatmap(views)
    st.subheader("Transcript")
    names = {v.invite.id: f"{v.invite.candidate_name} · {v.status}" for v in views}
    invite_id = st.selectbox("Candidate", list(names), format_func=names.__getitem__, key="review_candidate")
    view = next(v for v in views if v.invite.id == invite_id)
    actions = st.columns(3)
    actions[0].download_button(
        "Report (Markdown)",
        exports.candidate_report(db, invite_id, "md", recruiter.id),
        file_name=f"candidate-{invite_id}.md",
        mime="text/markdown",
    )
    actions[1].download_button(
        "Report (PDF)",
        exports.candidate_report(db, invite_id, "pdf", recruiter.id),
        file_name=f"candidate-{invite_id}.pdf",
        mime="application/pdf",
    )
    with actions[2].popover("Delete candidate"):
        st.write(
            "Deletes this candidate's answers, grades and overrides for good. The deletion is logged "
            "without their data."
        )
        if st.checkbox("Yes, delete on the candidate's request", key=f"confirm-delete-{invite_id}") and st.button(
            "Delete now", key=f"delete-{invite_id}"
        ):
            delete_candidate(db, invite_id, actor=pseudonym("recruiter", recruiter.id), recruiter_id=recruiter.id)
            st.rerun()
    _transcript(view, recruiter)
