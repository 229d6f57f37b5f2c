"""The recruiter area's door: a sign-in form, and the signed-in recruiter for the pages behind it."""

from __future__ import annotations

import streamlit as st

from screening.accounts import AuthError, RecruiterInfo, current_recruiter, sign_in, sign_out
from ui import client
from ui.resources import database

TOKEN = "_recruiter_session"


def require_recruiter() -> RecruiterInfo:
    """The signed-in recruiter; otherwise draws the sign-in form and stops the page."""
    db = database()
    recruiter = current_recruiter(db, st.session_state.get(TOKEN))
    if recruiter is not None:
        with st.sidebar:
            st.caption(f"Signed in as {recruiter.name} ({recruiter.email})")
            if st.button("Sign out"):
                sign_out(db, st.session_state.pop(TOKEN, None))
                st.rerun()
        return recruiter
    st.session_state.pop(TOKEN, None)
    st.title("Recruiter sign-in")
    st.caption("Accounts are created by an administrator with `interview-grader user add`.")
    with st.form("signin"):
        email = st.text_input("E-mail")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            st.session_state[TOKEN] = sign_in(db, email, password, client.address())
        except AuthError as err:
            st.error(str(err).capitalize() + ".")
        else:
            st.rerun()
    st.stop()
    raise AssertionError("unreachable")
