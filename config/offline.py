"""Keep every library we use from reaching the internet.

Call :func:`enforce_offline` before importing chromadb, onnxruntime, tiktoken or streamlit. It only sets
environment defaults (an explicit user setting wins) and is safe to call more than once. tiktoken's cache folder
is one of them; ``grader.tokens`` fills that folder from packaged files before tiktoken first reads it.
"""

from __future__ import annotations

import os

from config.settings import Settings, get_settings

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


def enforce_offline(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    for name, value in OFFLINE_ENV.items():
        os.environ.setdefault(name, value)
    # tiktoken reads this variable itself; without it, it would download its files into a temp folder.
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(settings.tiktoken_cache_dir or settings.data_home() / "tiktoken"))
