"""The scaled-out deployment, as ``make cluster`` starts it: PostgreSQL, a real Chroma server, 2 app replicas and
2 workers, each with a data home of its own. Candidates answer through both replicas in browser contexts of their
own, the workers grade, a recruiter signed in on replica A sees the answer given on replica B, and the
recruiter's session survives a restart of replica A."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from cluster.chroma import free_port
from cluster.local import Cluster, _healthy, down, start_replica, up
from tests.app_server import CHROMIUM, CHROMIUM_ARGS, require, screenshot

pytestmark = pytest.mark.slow  # PostgreSQL, Chroma, four app processes and a browser

PASSWORD = "correct horse battery staple"
ANSWER = "I would stream card transactions through Kafka into the scoring service behind an API gateway."


def _screen_with_two_invites(cluster: Cluster) -> tuple[int, list[str]]:
    from rubric.bank import load_default_bank
    from screening import accounts, screens
    from store.db import Database

    db = Database(cluster.database_url)
    me = accounts.add_user(db, "rita@example.com", "Rita", PASSWORD)
    screen_id = screens.create_screen(db, me.id, "Cluster screen", "", [load_default_bank().get("q06")])
    tokens = [screens.invite(db, screen_id, name, f"{name.lower()}@example.com")[1] for name in ("Ada", "Ben")]
    db.dispose()
    return screen_id, tokens


def _answer(page: object, link: str) -> None:
    page.goto(link)  # type: ignore[attr-defined]
    page.get_by_role("button", name="I agree, start").click(timeout=120_000)  # type: ignore[attr-defined]
    page.get_by_text("Question 1 of 1").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    box = page.get_by_label("Your answer")  # type: ignore[attr-defined]
    box.fill(ANSWER)
    box.press("Control+Enter")
    page.get_by_role("button", name="Review and finish").click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Submit and finish").click()  # type: ignore[attr-defined]
    page.get_by_text("all your answers are submitted").wait_for(timeout=60_000)  # type: ignore[attr-defined]


def _wait_graded(cluster: Cluster, n: int, timeout_s: float = 180) -> None:
    from store.db import Database
    from store.tables import ScreenAnswer

    db = Database(cluster.database_url)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            with db.session() as s:
                states = list(s.scalars(select(ScreenAnswer.status).where(ScreenAnswer.submitted_at.is_not(None))))
            if len(states) == n and set(states) == {"graded"}:
                return
            assert time.monotonic() < deadline, f"the workers did not grade the answers: {states}"
            time.sleep(0.5)
    finally:
        db.dispose()


def test_replicas_and_workers_share_state_and_a_session_survives_a_restart(tmp_path: Path) -> None:
    require(CHROMIUM)
    from playwright.sync_api import sync_playwright

    root = tmp_path / "cluster"
    ports = [free_port(), free_port()]
    cluster = up(root, replicas=2, workers=2, first_port=0, concurrency=2, ports=ports)
    a, b = (m for m in cluster.members if m.role == "replica")
    try:
        _, (ada, ben) = _screen_with_two_invites(cluster)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                _answer(browser.new_context().new_page(), f"{a.url}/?invite={ada}")  # Ada on replica A
                _answer(browser.new_context().new_page(), f"{b.url}/?invite={ben}")  # Ben on replica B
                _wait_graded(cluster, 2)  # by the workers: replicas and workers share one queue

                recruiter = browser.new_context(viewport={"width": 1280, "height": 1600}).new_page()
                recruiter.goto(f"{a.url}/screens")
                recruiter.get_by_text("Recruiter sign-in").first.wait_for(timeout=120_000)
                recruiter.get_by_label("E-mail").fill("rita@example.com")
                recruiter.get_by_role("textbox", name="Password").fill(PASSWORD)
                recruiter.get_by_role("button", name="Sign in").click()
                recruiter.get_by_role("heading", name="Screens").wait_for(timeout=60_000)
                recruiter.get_by_role("link", name="Review").click()
                recruiter.get_by_role("heading", name="Review").wait_for(timeout=60_000)
                # the names are in the candidates table (grid cells the canvas may draw over) and the picker
                recruiter.get_by_text("Ben").first.wait_for(state="attached", timeout=60_000)  # answered on B
                recruiter.get_by_text("Ada").first.wait_for(state="attached", timeout=30_000)
                recruiter.get_by_text("Covered").first.wait_for(timeout=60_000)

                # Replica A restarts; the recruiter's next page load there is still signed in.
                os.kill(a.pid, signal.SIGTERM)
                deadline = time.monotonic() + 60
                while _healthy(a.url):
                    assert time.monotonic() < deadline, "replica A did not stop"
                    time.sleep(0.2)
                restarted = start_replica(cluster, root, 0, ports[0])
                cluster.members = [restarted if m.pid == a.pid else m for m in cluster.members]
                cluster.save(root)
                while not _healthy(a.url):
                    assert time.monotonic() < deadline + 120, "replica A did not come back"
                    time.sleep(0.5)
                recruiter.goto(f"{a.url}/review")
                recruiter.get_by_role("heading", name="Review").wait_for(timeout=120_000)
                recruiter.get_by_text("Ben").first.wait_for(state="attached", timeout=60_000)
                assert "Recruiter sign-in" not in recruiter.locator("body").inner_text()
                screenshot(recruiter, "cluster-review-after-restart")
            finally:
                browser.close()

        # The replicas used the Chroma server and kept no rubric index of their own.
        collections = f"{cluster.chroma_url}/api/v2/tenants/default_tenant/databases/default_database/collections"
        with urllib.request.urlopen(collections, timeout=10) as reply:
            names = [c["name"] for c in json.load(reply)]
        assert any(n.startswith("rubric-") for n in names)
        assert not (root / "replica-0" / "index").exists() and not (root / "replica-1" / "index").exists()
    finally:
        down(root, wipe=True)
