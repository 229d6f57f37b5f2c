"""The app's pages, defined once so pages can switch to each other. Pages are small scripts (so AppTest can
switch between them) that call the page modules."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

_SCRIPTS = Path(__file__).resolve().parent / "page_scripts"
PRACTICE = st.Page(_SCRIPTS / "practice.py", title="Practice", url_path="practice", default=True)
PROGRESS = st.Page(_SCRIPTS / "progress.py", title="Progress", url_path="progress")
PAGES = [PRACTICE, PROGRESS]
