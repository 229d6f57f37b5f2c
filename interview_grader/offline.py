"""Keep every library we use from reaching the internet.

Call :func:`enforce_offline` before importing chromadb, onnxruntime, tiktoken or streamlit. It only sets
environment defaults (an explicit user setting wins) and is safe to call more than once.
"""

from __future__ import annotations

import os

OFFLINE_ENV: dict[str, str] = {
    # onnxruntime writes ~/.cache/Microsoft and looks up a Microsoft events host otherwise.
    "ORT_DISABLE_TELEMETRY": "1",
    # chromadb product telemetry (a no-op in 1.5, kept off in case that changes).
    "ANONYMIZED_TELEMETRY": "False",
    # Anything built on huggingface_hub must not try the hub.
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    # The Streamlit page would fetch usage-stats metrics from the browser.
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
}


def enforce_offline() -> None:
    for name, value in OFFLINE_ENV.items():
        os.environ.setdefault(name, value)
    from grader.tokens import install_tiktoken_cache

    install_tiktoken_cache()
