"""App: start to first question on screen (index already built), and the app process's memory."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from benchmarks.report import Figure, Section

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int) -> float:
    total = 0
    for child in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout
    except OSError:
        return []
    kids = [int(x) for x in out.split()]
    return kids + [g for k in kids for g in _children(k)]


def one_start(page_factory) -> tuple[float, float]:
    port = _port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(REPO / "app.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        page = page_factory()
        page.goto(f"http://127.0.0.1:{port}")
        page.get_by_role("button", name="Ask me a question").click(timeout=60_000)
        page.get_by_test_id("stChatMessage").first.wait_for(timeout=60_000)
        seconds = time.perf_counter() - started
        page.close()
        return seconds, _rss_mb(process.pid)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def run() -> Section:
    from playwright.sync_api import sync_playwright

    from config.offline import enforce_offline

    enforce_offline()
    from rubric.index import open_index

    open_index()  # the index is built before timing, as the target says
    section = Section("App (Streamlit on loopback, headless Chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            runs = [one_start(browser.new_page) for _ in range(3)]
        finally:
            browser.close()
    times = [t for t, _ in runs]
    section.figures.append(
        Figure(
            "start to first question on screen (server start, page load, one click)",
            statistics.median(times),
            "s",
            "< 5 s",
            statistics.median(times) < 5,
            None,
            len(times),
            note=f"slowest of {len(times)}: {max(times):.1f} s",
        )
    )
    section.figures.append(
        Figure(
            "app process memory (RSS) after the first question",
            statistics.median([m for _, m in runs]),
            "MB",
            "",
            None,
            None,
            len(runs),
        )
    )
    return section
