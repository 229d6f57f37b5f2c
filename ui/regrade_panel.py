"""The Review page's re-grade of a whole screen: a button, and the request's progress with its rate and time
left, updated every couple of seconds while the graders work."""

from __future__ import annotations

import streamlit as st

from screening import regrades
from ui.resources import background_grader, bank, database


def regrade_panel(screen_id: int, recruiter_id: int) -> None:
    latest = regrades.latest_for_screen(database(), screen_id)
    running = latest is not None and not latest[1].finished
    with st.expander("Re-grade this screen", expanded=running):
        st.caption(
            "Grades every submitted answer again with the screen's grader; questions from the bank by its latest "
            "version (edit them on the Rubrics page). Earlier grades and overrides are kept; asking again grades "
            "only what changed."
        )
        if st.button("Re-grade all answers", key=f"regrade-screen-{screen_id}"):
            try:
                queued = regrades.regrade_screen(database(), bank(), screen_id, recruiter_id)
            except (regrades.QueueError, KeyError) as err:
                st.error(str(err).strip("'").capitalize() + ".")
            else:
                background_grader().wake()
                st.success(
                    f"{queued.added} answers queued for re-grading"
                    + (f" ({queued.total - queued.added} were asked before)" if queued.added < queued.total else "")
                    + "."
                )
                running = True
        if latest is not None or running:
            st.fragment(run_every=2 if running else None)(_progress)(screen_id)


def _progress(screen_id: int) -> None:
    latest = regrades.latest_for_screen(database(), screen_id)
    if latest is None:
        return
    request, p = latest
    st.progress(p.done / p.total if p.total else 1.0, text=regrades.progress_text(p, request.created_at))
    was_running = st.session_state.setdefault("regrade-running", {})
    if p.finished and was_running.get(request.id):
        was_running[request.id] = False
        st.rerun(scope="app")  # the new grades show in the table and transcripts
    was_running[request.id] = not p.finished
