"""The app's pages, defined once so pages can switch to each other. Pages are small scripts (so AppTest can
switch between them) that call the page modules."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

_SCRIPTS = Path(__file__).resolve().parent / "page_scripts"
PRACTICE = st.Page(_SCRIPTS / "practice.py", title="Practice", url_path="practice", default=True)
PROGRESS = st.Page(_SCRIPTS / "progress.py", title="Progress", url_path="progress")
SCREENS = st.Page(_SCRIPTS / "screens.py", title="Screens", url_path="screens")
REVIEW = st.Page(_SCRIPTS / "review.py", title="Review", url_path="review")
RUBRICS = st.Page(_SCRIPTS / "rubrics.py", title="Rubrics", url_path="rubrics")
CANDIDATE = st.Page(_SCRIPTS / "candidate.py", title="Interview screen", url_path="screen", default=True)


def navigation() -> StreamlitPage:
    """A candidate's link shows the candidate page and nothing else; everyone else sees practice and the
    recruiter area (which asks for a sign-in). The first page drawn starts the background grader, which also
    picks up grading that a restart cut off."""
    from ui.resources import background_grader

    background_grader()
    if st.query_params.get("invite"):
        return st.navigation([CANDIDATE], position="hidden")
    return st.navigation({"Practice": [PRACTICE, PROGRESS], "Recruiters": [SCREENS, REVIEW, RUBRICS]})
