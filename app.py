"""The Streamlit app. It only draws: pages live in ``ui/``, the work in rubric/, grader/, practice/ and store/."""

from __future__ import annotations

from pathlib import Path

from interview_grader.offline import enforce_offline

enforce_offline()

import streamlit as st  # noqa: E402

# Local images only: Streamlit's ":material/...:" icons load a font from Google.
st.set_page_config(
    page_title="Mock interview practice", page_icon=str(Path(__file__).with_name("assets") / "interviewer.svg")
)

from ui.pages import navigation  # noqa: E402

navigation().run()
