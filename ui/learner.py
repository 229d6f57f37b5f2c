"""Who is practising: a practice identity per browser profile (an HttpOnly cookie set on the first page load,
see :mod:`ui.web_routes`) and the name typed in the sidebar. Progress is kept per (browser, name): someone who
types another person's name in their own browser starts afresh and sees nothing of theirs. Without the cookie
(cookies off, a test run) the identity lasts for the browser tab. The name is a plain session key, not a
widget's, so it outlives the page that drew the widget."""

from __future__ import annotations

import uuid

import streamlit as st

from ui.resources import practice_store
from ui.web_routes import LEARNER_COOKIE

NAME = "learner"


def _browser() -> str:
    try:
        value = st.context.cookies.get(LEARNER_COOKIE)
    except Exception:  # no request (bare mode, AppTest)
        value = None
    if isinstance(value, str) and value:
        return value[:32]
    return str(st.session_state.setdefault("_tab_identity", "tab-" + uuid.uuid4().hex[:16]))


def learner_name() -> str:
    return str(st.session_state.get(NAME, "me"))


def learner_id() -> int:
    """The learner's id: this browser's identity and the name together."""
    return practice_store().learner(f"{_browser()}/{learner_name()}")


def learner_sidebar() -> int:
    """Draw the name box; returns the learner's id (also kept as ``learner_id``)."""
    name = st.text_input(
        "Your name", value=learner_name(), help="Progress is kept per name in this browser, on this machine."
    )
    st.session_state[NAME] = name.strip() or "me"
    st.session_state.learner_id = learner_id()
    return int(st.session_state.learner_id)
