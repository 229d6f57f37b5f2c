"""Batch grading of 200 screen answers keeps memory flat: peak RSS after the first 50 and after all 200, measured
in a process of its own (the screening worker with the offline grader, two at a time, as the app runs it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app_server import REPO
from tests.reliability_figures import record

pytestmark = pytest.mark.slow  # grades hundreds of answers to watch memory

BATCH = """
import json, sys
from evals.datasets import load_dataset
from grader.pipeline import Pipeline
from grader.service import offline_grader
from rubric.bank import SHIPPED_BANK
from rubric.yaml_bank import load_bank
from screening import accounts, candidate, screens, worker
from store.db import Database

def rss_mb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1024
bank = load_bank(SHIPPED_BANK)
records = [r for r in load_dataset("golden", bank).records if r.kind != "injection"]
db = Database(sys.argv[1])
me = accounts.add_user(db, "rita@example.com", "Rita", "correct horse battery staple")
by_question = {}
for r in records:
    by_question.setdefault(r.question_id, []).append(r.answer)
ids = sorted(by_question, key=lambda q: -len(by_question[q]))[:4]
screen_id = screens.create_screen(db, me.id, "Batch", "Answer.", [bank.get(q) for q in ids])
for i in range(50):
    inv, _ = screens.invite(db, screen_id, f"C{i}", f"c{i}@example.com")
    candidate.consent(db, inv.id)
    for k, q in enumerate(ids):
        cq = candidate.current_question(db, inv.id)
        pool = by_question[q]
        candidate.submit(db, inv.id, cq.screen_question_id, pool[i % len(pool)] + f" (candidate {i})")
grader = offline_grader()
figures = {"rss_before_mb": rss_mb("VmRSS")}
figures["graded_first"] = worker.run_pending(db, lambda kind: grader, limit=50, concurrency=2)
figures["peak_after_50_mb"] = rss_mb("VmHWM")
figures["graded_rest"] = worker.run_pending(db, lambda kind: grader, concurrency=2)
figures["peak_after_200_mb"] = rss_mb("VmHWM")
print(json.dumps(figures))
"""


def test_batch_of_200_answers_keeps_memory_flat(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", BATCH, f"sqlite:///{tmp_path / 'batch.db'}"],
        cwd=REPO,
        env={**os.environ, "INTERVIEW_GRADER_HOME": str(tmp_path / "home")},
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["graded_first"] == 50 and figures["graded_rest"] == 150
    growth = figures["peak_after_200_mb"] - figures["peak_after_50_mb"]
    assert growth < 25, figures  # flat: the last 150 answers add (almost) nothing to the peak
    record(
        "batch grading of 200 answers (offline grader, worker, 2 at a time)",
        peak_rss_after_50_mb=round(figures["peak_after_50_mb"]),
        peak_rss_after_200_mb=round(figures["peak_after_200_mb"]),
        growth_mb=round(growth, 1),
    )
