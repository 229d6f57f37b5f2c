"""The recruiter area's door: a sign-in form, and the signed-in recruiter for the pages behind it.

A session survives reloads and new tabs: after sign-in the browser is sent once to ``/auth/session`` with a
one-time code, which sets an HttpOnly, SameSite=Strict cookie holding the session token (see
:mod:`ui.web_routes`); every page reads it from the request. The store keeps only the token's hash.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlparse

import streamlit as st

from screening.accounts import AuthError, RecruiterInfo, current_recruiter, handoff_code, sign_in, sign_out
from ui import client
from ui.resources import database
from ui.web_routes import COOKIE

TOKEN = "_recruiter_session"


def _cookie_token() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no request (bare mode, AppTest)
        return None
    return value if isinstance(value, str) and value else None


def _here() -> str:
    try:
        return urlparse(st.context.url or "").path or "/"
    except Exception:
        return "/"


def _go(path: str) -> None:
    """Send the browser to one of our own routes (a page script cannot set an HttpOnly cookie itself)."""
    st.html(f"<script>window.location.assign({json.dumps(path)});</script>", unsafe_allow_javascript=True)


def require_recruiter() -> RecruiterInfo:
    """The signed-in recruiter; otherwise draws the sign-in form and stops the page."""
    db = database()
    token = st.session_state.get(TOKEN) or _cookie_token()
    recruiter = current_recruiter(db, token)
    if recruiter is not None:
        st.session_state[TOKEN] = token
        if st.session_state.pop("_set_cookie", False):
            _go(f"/auth/session?code={quote(handoff_code(db, str(token)))}&next={quote(_here())}")
        with st.sidebar:
            st.caption(f"Signed in as {recruiter.name} ({recruiter.email})")
            if st.button("Sign out"):
                sign_out(db, st.session_state.pop(TOKEN, None))
                if _cookie_token():  # the route deletes the cookie; its session is revoked already
                    _go(f"/auth/signout?next={quote(_here())}")
                    st.stop()
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
            st.session_state["_set_cookie"] = True  # the next run sends the browser for its cookie
            st.rerun()
    st.stop()
    raise AssertionError("unreachable")
