"""pytest plugin: fail any test during which this or a child process tried to go beyond loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


def _log_size() -> int:
    path = Path(os.environ["NETGUARD_LOG"])
    return path.stat().st_size if path.exists() else 0


@pytest.fixture(autouse=True)
def no_network_beyond_loopback() -> Iterator[None]:
    before = _log_size()
    yield
    after = _log_size()
    if after > before:
        with open(os.environ["NETGUARD_LOG"], encoding="utf-8") as handle:
            handle.seek(before)
            attempts = handle.read()
        pytest.fail(f"non-loopback network access during this test:\n{attempts}", pytrace=False)
