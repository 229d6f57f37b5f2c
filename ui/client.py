"""Who is asking, for rate limits: the browser's address as Streamlit sees it, or one fixed key when it is not
known (a local connection, a test run). Never shown and never stored as such: limits key on a pseudonym."""

from __future__ import annotations

import streamlit as st

UNKNOWN = "unknown"


def address() -> str:
    try:
        ip = st.context.ip_address
    except Exception:  # no script context (bare mode) or an older Streamlit
        return UNKNOWN
    return ip if isinstance(ip, str) and ip else UNKNOWN
