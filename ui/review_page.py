"""Review a screen: candidates table, candidates x key points heatmap, transcripts with evidence, overrides
with a written reason (an append-only trail), re-grading, exports, and deleting a candidate on request."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from screening import exports, review, screens
from screening.data_protection import delete_candidate
from screening.secrets_util import pseudonym
from ui.recruiter_auth import require_recruiter
from ui.regrade_panel import regrade_panel
from ui.resources import background_grader, database
from ui.review_transcript import transcript

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
    regrade_panel(screen_id, recruiter.id)
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
    transcript(view, recruiter)
