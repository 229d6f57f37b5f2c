"""Start the real Streamlit app on a free loopback port (optionally under strace) and open it in Chromium.

Browser tests need Debian's chromium and strace. On a developer machine without them the tests skip with
the reason; CI sets ``REQUIRE_ALL_TESTS=1`` so that a missing browser fails instead of skipping.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = REPO / "screenshots"


def require(tool: str) -> str:
    path = shutil.which(tool) or (tool if Path(tool).exists() else None)
    if path:
        return path
    message = f"{tool} is not installed (CI installs it; see .ci/run)"
    if os.environ.get("REQUIRE_ALL_TESTS") == "1":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningApp:
    url: str
    process: subprocess.Popen[bytes]
    strace_log: Path | None
    output: Path

    def traced(self, call: str) -> list[str]:
        """Every ``call`` (connect, bind) the app's process tree made, as strace printed it."""
        if self.strace_log is None:
            return []
        logs = [self.strace_log, *self.strace_log.parent.glob(self.strace_log.name + ".*")]
        lines: list[str] = []
        for log in logs:
            if log.exists():
                lines += [ln for ln in log.read_text(errors="replace").splitlines() if f"{call}(" in ln]
        return lines


_LOOPBACK = re.compile(r'inet_addr\("127\.|inet_pton\(AF_INET6, "::1"|inet_pton\(AF_INET6, "::ffff:127\.')


def non_loopback(connect_lines: list[str]) -> list[str]:
    bad = []
    for line in connect_lines:
        if "AF_UNIX" in line or "AF_NETLINK" in line or "AF_UNSPEC" in line:
            continue
        if _LOOPBACK.search(line):
            continue
        bad.append(line)
    return bad


@contextmanager
def running_app(tmp_path: Path, *, trace: bool = True, env: dict[str, str] | None = None) -> Iterator[RunningApp]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(REPO / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    strace_log = None
    if trace:
        strace = require("strace")
        strace_log = tmp_path / "strace.log"
        command = [strace, "-f", "-qq", "-e", "trace=connect,bind", "-o", str(strace_log), *command]
    output = tmp_path / "app-output.log"
    # Each served app gets its own data home (database, index, caches): no state shared with other tests.
    process_env = {**os.environ, "INTERVIEW_GRADER_HOME": str(tmp_path / "app-home"), **(env or {})}
    with open(output, "wb") as sink:
        process = subprocess.Popen(
            command, cwd=REPO, env=process_env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start:\n{output.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield RunningApp(url, process, strace_log, output)
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the whole process group (strace and the app under it), SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=15)
            break
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def browser_page(viewport: tuple[int, int] = (1280, 1800)) -> Iterator[object]:
    require(CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
            yield context.new_page()
        finally:
            browser.close()


README_SHOTS = REPO / "docs" / "screenshots"


def screenshot(page: object, name: str, readme: str | None = None) -> Path:
    """Save a full-page screenshot to screenshots/ for a person to look at. With ``readme`` and
    ``README_SCREENSHOTS=1`` (``make screenshots``), also refresh the README's copy docs/screenshots/<readme>.png."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    if readme and os.environ.get("README_SCREENSHOTS") == "1":
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(README_SHOTS / f"{readme}.png"), full_page=True)  # type: ignore[attr-defined]
    return path


def wait_for_value(page: object, label: str, expected: str, timeout_ms: int = 30_000) -> None:
    """Wait until the text box labelled ``label`` holds ``expected`` (a box's value can land a moment after its
    label shows); fails with a timeout if it never does."""
    page.wait_for_function(  # type: ignore[attr-defined]
        "([label, expected]) => Array.from(document.querySelectorAll('textarea, input'))"
        ".some(box => box.getAttribute('aria-label') === label && box.value === expected)",
        arg=[label, expected],
        timeout=timeout_ms,
    )
