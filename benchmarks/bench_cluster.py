"""The memory of each process of the scaled-out deployment, as ``make cluster`` starts it (PostgreSQL, a Chroma
server, 2 app replicas, 2 workers): measured after a learner has practised one question on each replica in a
browser (so each replica has opened the rubric index and graded) and the workers have warmed up. Figures are
proportional set sizes (PSS, shared pages split between the processes that share them) from
``/proc/PID/smaps_rollup``, and each process's peak resident size (VmHWM)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.report import Figure, Section

ANSWER = "I would stream card events through Kafka into a model server behind an API gateway, with Redis caching."


def _kb(pid: int, path: str, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
            if line.startswith(key):
                return float(line.split()[1])
    except OSError:
        pass
    return 0.0


def _pss_mb(pids: list[int]) -> float:
    return sum(_kb(p, "smaps_rollup", "Pss:") for p in pids) / 1024


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _practise(url: str) -> None:
    from playwright.sync_api import sync_playwright

    from tests.app_server import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(url)
            page.get_by_text("Mock interview practice").first.wait_for(timeout=180_000)
            page.get_by_label("…or type your own question").fill("q06")
            page.get_by_role("button", name="Find its rubric").click()
            page.get_by_text("Design a fraud detection API").first.wait_for(timeout=60_000)
            box = page.get_by_test_id("stChatInputTextArea")
            box.fill(ANSWER)
            box.press("Enter")
            page.get_by_text("Score ").first.wait_for(timeout=120_000)
        finally:
            browser.close()


def run() -> Section:
    from cluster.chroma import free_port
    from cluster.local import down, up
    from cluster.postgres import kept_home

    section = Section("Memory of each process in the scaled-out deployment (make cluster)")
    root = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    cluster = up(root, replicas=2, workers=2, first_port=0, concurrency=4, ports=[free_port(), free_port()])
    try:
        replicas = [m for m in cluster.members if m.role == "replica"]
        for r in replicas:
            _practise(r.url)
        time.sleep(5)  # the workers' warm-up (models loaded before their first claim)
        seen: dict[str, int] = {}
        for m in cluster.members:
            seen[m.role] = seen.get(m.role, 0) + 1
            name = {"replica": "app replica", "worker": "worker", "chroma": "Chroma server"}[m.role]
            section.figures.append(
                Figure(
                    f"{name} {seen[m.role]}: PSS" if m.role != "chroma" else f"{name}: PSS",
                    _pss_mb([m.pid]),
                    "MB",
                    note=f"peak resident {_kb(m.pid, 'status', 'VmHWM:') / 1024:.0f} MB",
                    digits=0,
                )
            )
        postmaster = int((kept_home(root / "postgres") / "data" / "postmaster.pid").read_text().split()[0])
        backends = [postmaster, *_children(postmaster)]
        section.figures.append(
            Figure(
                f"PostgreSQL: PSS of the server and its {len(backends) - 1} backends together",
                _pss_mb(backends),
                "MB",
                digits=0,
            )
        )
    finally:
        down(root, wipe=True)
    return section
