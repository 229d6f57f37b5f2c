"""The Streamlit app. It only draws: pages live in ``ui/``, the work in rubric/, grader/, practice/ and store/.

``streamlit run app.py`` finds the ``st.App`` below and serves the app with its extra HTTP routes (the
recruiter's session cookie, :mod:`ui.web_routes`); the server then runs this file as the page script, where
``__name__`` is ``"__main__"``.
"""

from __future__ import annotations

from pathlib import Path

from config.offline import enforce_offline

enforce_offline()

import streamlit as st  # noqa: E402

if __name__ == "__main__":
    # Local images only: Streamlit's ":material/...:" icons load a font from Google.
    st.set_page_config(
        page_title="Mock interview practice", page_icon=str(Path(__file__).with_name("assets") / "interviewer.svg")
    )

    from ui.pages import navigation

    navigation().run()
else:
    from ui.web_routes import middleware, routes

    app = st.App(__file__, routes=routes(), middleware=middleware())
