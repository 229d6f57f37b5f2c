"""The suite refuses, and fails, any connection beyond loopback, in-process and in child processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest


def _log_size() -> int:
    path = Path(os.environ["NETGUARD_LOG"])
    return path.stat().st_size if path.exists() else 0


def _truncate_log_to(size: int) -> None:
    with open(os.environ["NETGUARD_LOG"], "r+", encoding="utf-8") as handle:
        handle.truncate(size)


def test_in_process_connection_to_the_internet_is_refused_and_recorded() -> None:
    before = _log_size()
    with pytest.raises(OSError, match="network guard"):
        socket.create_connection(("93.184.215.14", 80), timeout=1)
    assert _log_size() > before
    _truncate_log_to(before)  # this test caused the entry on purpose


def test_name_lookup_is_refused() -> None:
    before = _log_size()
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("api.openai.com", 443)
    _truncate_log_to(before)


def test_loopback_is_allowed() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=1)
    client.close()
    server.close()


def test_child_python_processes_are_guarded_too() -> None:
    before = _log_size()
    code = (
        "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 443), timeout=1)\nexcept OSError as e:\n"
        "    print(type(e).__name__, e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "network guard" in out.stdout
    assert _log_size() > before
    _truncate_log_to(before)


def test_a_test_that_swallows_the_refusal_still_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import socket
        def test_sneaky():
            try:
                socket.create_connection(("8.8.8.8", 53), timeout=1)
            except OSError:
                pass
        """
    )
    before = _log_size()
    result = pytester.runpytest_inprocess("-p", "pytest_netguard", "-p", "no:cacheprovider")
    _truncate_log_to(before)
    result.assert_outcomes(passed=1, errors=1)
    assert "non-loopback network access" in result.stdout.str()
