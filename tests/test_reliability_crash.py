"""Kill the app (SIGKILL) while grades are in flight: on restart every saved answer is still there and the grades
that were cut off are picked up again, exactly once.

The real app runs its background grader against an LLM server (the fake on loopback) that takes 30 s per reply,
so grades are mid-request when the app is killed; a practice answer is mid-grade in a second process killed
the same way. The restarted app, with a server that answers at once, grades each answer one time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rubric.model import Bank
from screening import accounts, candidate, screens
from store.db import Database
from store.tables import Attempt, Grade, ScreenAnswer, ScreenGrade
from tests.app_server import REPO, browser_page, running_app
from tests.fake_openai import Reply, everything_covered, fake_openai
from tests.reliability_figures import record

pytestmark = pytest.mark.slow  # kills and restarts real app processes

CANDIDATES = 5
PRACTICE_SCRIPT = """
import os, sys
from grader.llm import llm_grader
from grader.pipeline import Pipeline
from grader.llm_client import LLMClient
from practice.service import submit
from rubric.bank import SHIPPED_BANK
from rubric.yaml_bank import load_bank
from store.db import Database
from store.practice_store import PracticeStore

bank = load_bank(SHIPPED_BANK)
store = PracticeStore(Database())
grader = llm_grader(LLMClient(base_url=sys.argv[1], api_key="k", model="fake-model", timeout_s=120, max_retries=0))
submit(store, store.learner("ann"), bank.id, bank.get("q09"), sys.argv[2], grader)
"""


def _wait(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def test_sigkill_mid_grade_then_restart_grades_each_answer_once(tmp_path: Path, shipped_bank: Bank) -> None:
    home = tmp_path / "home"
    for folder in (home, tmp_path / "first", tmp_path / "second"):
        folder.mkdir()
    db = Database(f"sqlite:///{home / 'interview-grader.db'}")
    me = accounts.add_user(db, "rita@example.com", "Rita", "correct horse battery staple")
    screen_id = screens.create_screen(db, me.id, "LLM screen", "Answer.", [shipped_bank.get("q09")], grader="llm")
    texts = {}
    for i in range(CANDIDATES):
        inv, _ = screens.invite(db, screen_id, f"C{i}", f"c{i}@example.com")
        candidate.consent(db, inv.id)
        q = candidate.current_question(db, inv.id)
        assert q is not None
        texts[inv.id] = f"We cache embeddings so nothing is embedded twice, said candidate {i}."
        candidate.submit(db, inv.id, q.screen_question_id, texts[inv.id])
    practice_text = "We cache embeddings and deduplicate identical prompts into one model call."

    with fake_openai() as server:
        server.default = Reply(everything_covered(), delay_s=30)  # every grade is in flight for 30 s
        env = {
            "INTERVIEW_GRADER_HOME": str(home),
            "INTERVIEW_GRADER_GRADER": "llm",
            "OPENAI_BASE_URL": server.base_url,
            "OPENAI_API_KEY": "test-key",
            "INTERVIEW_GRADER_LEASE_SECONDS": "3",
            "INTERVIEW_GRADER_CONCURRENCY": "4",
        }
        practice = subprocess.Popen(
            [sys.executable, "-c", PRACTICE_SCRIPT, server.base_url, practice_text],
            cwd=REPO,
            env={**os.environ, **env},
            start_new_session=True,
        )
        try:
            with running_app(tmp_path / "first", trace=False, env=env) as app, browser_page() as page:
                page.goto(app.url)  # the first page drawn starts the background grader
                _wait(lambda: len(server.requests) >= 5, 90, "4 screen grades and 1 practice grade in flight")
                _kill(app.process)
        finally:
            _kill(practice)
        in_flight = len(server.requests)

        with db.session() as s:
            answers = {a.invite_id: (a.answer, a.status) for a in s.scalars(select(ScreenAnswer))}
            attempts = s.scalars(select(Attempt)).all()
            assert s.scalar(select(func.count()).select_from(ScreenGrade)) == 0
            assert s.scalar(select(func.count()).select_from(Grade)) == 0
            assert {k: v[0] for k, v in answers.items()} == texts  # every answer still there
            assert sorted(v[1] for v in answers.values()).count("grading") == 4  # cut off mid-grade
            assert len(attempts) == 1 and attempts[0].answer == practice_text and attempts[0].status == "grading"

        server.default = Reply(everything_covered())  # the model server answers at once now
        time.sleep(3)  # the dead process's leases run out
        with running_app(tmp_path / "second", trace=False, env=env) as app, browser_page() as page:
            page.goto(app.url)

            def all_graded() -> bool:
                with db.session() as s:
                    statuses = set(s.scalars(select(ScreenAnswer.status))) | set(s.scalars(select(Attempt.status)))
                return statuses == {"graded"}

            _wait(all_graded, 90, "the restarted app to grade what was cut off")
            time.sleep(2)  # one more background pass: nothing may be graded twice

    with db.session() as s:
        per_answer = dict(
            s.execute(select(ScreenGrade.screen_answer_id, func.count()).group_by(ScreenGrade.screen_answer_id)).all()
        )
        per_attempt = dict(s.execute(select(Grade.attempt_id, func.count()).group_by(Grade.attempt_id)).all())
        stored = {a.invite_id: a.answer for a in s.scalars(select(ScreenAnswer))}
    assert stored == texts
    assert sorted(per_answer.values()) == [1] * CANDIDATES
    assert list(per_attempt.values()) == [1]
    db.dispose()
    record(
        "app killed (SIGKILL) mid-grade, then restarted",
        answers_saved=CANDIDATES + 1,
        grades_in_flight_when_killed=in_flight,
        answers_lost=0,
        graded_exactly_once_after_restart=sum(v == 1 for v in per_answer.values())
        + sum(v == 1 for v in per_attempt.values()),
    )
