"""Who is practising: the name in the sidebar, kept across pages (a plain session key, not a widget's, so it
outlives the page that drew the widget)."""

from __future__ import annotations

import streamlit as st

from ui.resources import practice_store

NAME = "learner"


def learner_name() -> str:
    return str(st.session_state.get(NAME, "me"))


def learner_sidebar() -> int:
    """Draw the name box; returns the learner's id (also kept as ``learner_id``)."""
    name = st.text_input("Your name", value=learner_name(), help="Progress is kept per name on this machine.")
    st.session_state[NAME] = name.strip() or "me"
    learner_id = practice_store().learner(st.session_state[NAME])
    st.session_state.learner_id = learner_id
    return learner_id


def learner_id() -> int:
    return practice_store().learner(learner_name())
