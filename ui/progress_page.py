"""Progress: coverage over time per section, the points most often missed, questions never tried, and a
button to practise the weakest one."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from practice.chat import PracticeChat
from screening.markdown_escape import md
from ui import resources
from ui.learner import learner_id as current_learner
from ui.learner import learner_name


def render() -> None:
    bank = resources.bank()
    name = learner_name()
    practice = resources.practice_session(PracticeChat(), current_learner())
    st.title("Your progress")
    st.caption(md(f"Practising as {name!r}; change the name on the Practice page."))
    progress = practice.progress()
    sections = bank.sections()
    if not progress.timeline:
        st.write("No graded answers yet. Answer a question on the Practice page and come back.")
    else:
        frame = pd.DataFrame(
            [
                {
                    "when": when,
                    "section": f"{section}. {sections.get(section, '')}",
                    "question": question_id,
                    "coverage": round(coverage, 3),
                }
                for when, section, question_id, coverage in progress.timeline
            ]
        )
        st.subheader("Coverage over time, by question")
        st.caption("Each line joins your attempts at one question; answers that were not graded are left out.")
        chart = (
            alt.Chart(frame)
            .mark_line(point=alt.OverlayMarkDef(size=70))
            .encode(
                x=alt.X("when:T", title=None, axis=alt.Axis(format="%d %b %H:%M")),
                y=alt.Y("coverage:Q", title="coverage", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
                color=alt.Color(
                    "section:N", title="section", legend=alt.Legend(orient="bottom", labelLimit=0, columns=2)
                ),
                detail="question:N",  # a line joins the attempts at one question, never two questions
                tooltip=["section", "question", alt.Tooltip("coverage:Q", format=".0%"), "when:T"],
            )
            .properties(height=320)
        )
        st.altair_chart(chart, width="stretch")
    left, right = st.columns(2)
    with left:
        st.subheader("Points you miss most")
        if progress.most_missed:
            rows = []
            for point_id, times in progress.most_missed:
                question_id = point_id.rsplit(".", 1)[0]
                point = bank.get(question_id).point(point_id)
                rows.append({"key point": point.label, "question": question_id, "missed": times})
            st.dataframe(rows, hide_index=True, width="stretch")
        else:
            st.write("Nothing missed yet.")
    with right:
        st.subheader(f"Never tried ({len(progress.never_tried)} of {len(bank.questions)})")
        for question_id in progress.never_tried[:8]:
            st.markdown("- " + md(f"{question_id}: {bank.get(question_id).text}"))
        if len(progress.never_tried) > 8:
            st.caption(f"and {len(progress.never_tried) - 8} more")
    if st.button("Practise my weakest question", type="primary"):
        from ui.pages import PRACTICE
        from ui.practice_page import session

        session().ask_weakest(progress)
        st.switch_page(PRACTICE)
