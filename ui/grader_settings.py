"""The grader chooser in the sidebar. An API key typed here lives only in this browser session's memory: it
is never shown back, never logged, never written to disk and never part of a cache key."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from pydantic import SecretStr

from config.settings import get_settings
from grader.base import Grader, GraderError
from grader.local_server import LocalModelError
from ui.resources import grade_cache, offline_grader

CHOICES = {
    "offline": "Offline grader (embedded default)",
    "openai": "OpenAI",
    "compatible": "OpenAI-compatible server (vLLM, Ollama, llama.cpp)",
    "gguf": "Local GGUF model file",
}
_KEY = "_api_key"  # session-only secret; never rendered


def _store_key() -> None:
    value = st.session_state.get("api_key_input", "")
    if value.strip():
        st.session_state[_KEY] = value.strip()
        st.session_state["_api_key_version"] = st.session_state.get("_api_key_version", 0) + 1
    st.session_state["api_key_input"] = ""


def _forget_key() -> None:
    st.session_state.pop(_KEY, None)
    st.session_state["_api_key_version"] = st.session_state.get("_api_key_version", 0) + 1


def grader_sidebar() -> tuple[Grader | None, str | None]:
    """The chosen grader, or None with a message saying what is missing."""
    st.subheader("Grader")
    choice = st.radio(
        "Grade with", list(CHOICES), format_func=CHOICES.__getitem__, key="grader_choice", label_visibility="collapsed"
    )
    if choice == "offline":
        st.caption("Runs on this machine with packaged embeddings; no API key, nothing leaves the machine.")
        return offline_grader(), None
    model = st.text_input("Model", value="gpt-4o-mini" if choice == "openai" else "", key="grader_model")
    base_url = None
    gguf = None
    if choice == "compatible":
        base_url = st.text_input("Server URL", placeholder="http://127.0.0.1:8000/v1", key="grader_base_url")
    if choice == "gguf":
        gguf = st.text_input(
            "GGUF file path", placeholder="/models/qwen2.5-1.5b-instruct-q4_k_m.gguf", key="grader_gguf"
        )
    if choice in ("openai", "compatible"):
        st.text_input(
            "API key",
            type="password",
            key="api_key_input",
            on_change=_store_key,
            help="Kept in this browser session's memory only; never shown again or stored.",
        )
        if st.session_state.get(_KEY):
            st.caption("An API key is set for this session.")
            st.button("Forget the key", on_click=_forget_key)
    if choice == "openai" and not st.session_state.get(_KEY):
        return None, "Enter an OpenAI API key to use OpenAI."
    if choice == "compatible" and not (base_url or "").strip():
        return None, "Enter the server URL (for example http://127.0.0.1:8000/v1)."
    if choice == "gguf" and not (gguf or "").strip():
        return None, "Enter the path of a GGUF model file on this machine."
    signature = (choice, model, base_url, gguf, st.session_state.get("_api_key_version", 0))
    cached = st.session_state.get("_llm_grader")
    if cached and cached[0] == signature:
        return cached[1], None
    try:
        grader = _build(choice, model, base_url, gguf)
    except (GraderError, LocalModelError) as err:
        return None, str(err)
    st.session_state["_llm_grader"] = (signature, grader)
    return grader, None


def _build(choice: str, model: str, base_url: str | None, gguf: str | None) -> Grader:
    from grader.service import make_grader

    key = st.session_state.get(_KEY)
    # The server's settings (timeouts, retries, prompt) with this browser session's choices on top; the
    # environment's key and server are not used for a choice made here.
    settings = get_settings().model_copy(
        update={
            "grader": "llm",
            "openai_api_key": SecretStr(key) if key and choice in ("openai", "compatible") else None,
            "openai_base_url": base_url if choice == "compatible" else None,
            "model": model or "gpt-4o-mini",
            "gguf_path": Path(gguf).expanduser() if choice == "gguf" and gguf else None,
        }
    )
    return make_grader(settings, grade_cache=grade_cache())
