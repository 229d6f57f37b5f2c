"""Bulk re-grading with real worker processes on a real PostgreSQL against a fake OpenAI-compatible server: two
``interview-grader worker`` processes, one SIGKILLed mid-run and started again; every answer is graded exactly
once (counted in the database). ``make bench`` runs the same with 10,000 answers and a 1 s model."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.regrade_run import regrade_run
from tests.fake_openai import Reply, everything_covered, fake_openai

pytestmark = pytest.mark.slow  # worker processes, PostgreSQL


def test_two_workers_one_killed_grade_every_answer_exactly_once(pg_url: str, tmp_path: Path) -> None:
    with fake_openai() as server:
        server.default = Reply(everything_covered(), delay_s=0.3)
        figures = regrade_run(
            pg_url,
            300,
            workers=2,
            concurrency=16,
            grader="llm",
            kill_one=True,
            lease_s=8,
            timeout_s=600,
            home=tmp_path / "home",
            env={"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-fake", "INTERVIEW_GRADER_MODEL": "fake"},
        )
    assert figures.killed_and_restarted
    assert (figures.jobs_done, figures.lost, figures.duplicated) == (300, 0, 0)
    assert figures.grades_added == 300
    assert figures.by_new_version == 300  # graded by the rubric change saved before the re-grade
    # the model was asked at least once per answer; answers in flight when the worker died were asked again
    assert 300 <= len(server.requests) <= 300 + 16
