"""The bank the product uses: the shipped one, or the file named by ``INTERVIEW_GRADER_BANK``."""

from __future__ import annotations

from pathlib import Path

from config.once import once
from config.settings import get_settings
from rubric.model import Bank
from rubric.yaml_bank import load_bank

SHIPPED_BANK = Path(__file__).with_name("data") / "interview-guide.yaml"


def default_bank_path() -> Path:
    return get_settings().bank or SHIPPED_BANK


@once
def _load(path: Path, mtime_ns: int) -> Bank:
    return load_bank(path)


def load_default_bank() -> Bank:
    """Loaded once per file version: editing the file is picked up on the next call."""
    path = default_bank_path()
    return _load(path, path.stat().st_mtime_ns if path.exists() else 0)
