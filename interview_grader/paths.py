"""Where the product keeps its files: one data home, overridable with ``INTERVIEW_GRADER_HOME``."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_home() -> Path:
    """The folder for the index, caches and the database (created on first use)."""
    explicit = os.environ.get("INTERVIEW_GRADER_HOME")
    if explicit:
        home = Path(explicit).expanduser()
    else:
        xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        home = Path(xdg) / "interview-grader"
    home.mkdir(parents=True, exist_ok=True)
    return home


def index_dir() -> Path:
    return data_home() / "index"


def tiktoken_cache_dir() -> Path:
    return data_home() / "tiktoken"
