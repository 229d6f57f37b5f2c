"""The grading job queue on a real PostgreSQL server: how fast jobs are claimed and stored (a no-op judge), a
10,000-answer re-grade with 2 worker processes against a fake OpenAI-compatible server answering after 1 s
(one worker SIGKILLed mid-run and restarted; lost and duplicated grades counted in the database), and the
offline grader with 2 workers against 1 on this machine."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.report import Figure, Section

BULK = 10_000
OFFLINE_ANSWERS = 400


class NoopGrader:
    """Hands back one fixed grade at once: what is left is the queue's own cost."""

    kind = "offline"
    model = "noop"
    prompt_name = "noop"
    prompt_hash = "noop"

    def __init__(self) -> None:
        from grader.service import offline_grader
        from rubric.bank import load_default_bank

        self.result = offline_grader().grade(load_default_bank().get("q06"), "Kafka into a scoring service.")

    def grade(self, question: object, answer: str, *, bank_version: str = "") -> object:
        return self.result


def _queue_throughput(url: str, n: int = 3_000, concurrency: int = 8) -> Figure:
    from benchmarks.regrade_run import seed_answers
    from screening.grading_worker import run_jobs
    from store.db import Database
    from store.job_queue import enqueue_regrade

    screen_id = seed_answers(url, n)
    db = Database(url)
    enqueue_regrade(db, "offline", screen_id=screen_id)
    grader = NoopGrader()
    started = time.perf_counter()
    tally = run_jobs(db, lambda kind: grader, concurrency=concurrency)  # type: ignore[arg-type,return-value]
    seconds = time.perf_counter() - started
    db.dispose()
    assert tally.graded == n, tally
    return Figure(
        f"queue: jobs claimed and stored per second (no-op judge, {n:,} jobs, {concurrency} threads)",
        n / seconds,
        "jobs/s",
        note="one process; each job is a claim in a batch, a grade row and the job settled in one transaction",
    )


def run() -> Section:
    from config.offline import enforce_offline

    enforce_offline()
    from benchmarks.regrade_run import LLM_JUDGE_REPLY_S, regrade_run
    from cluster.postgres import PostgresServer
    from tests.fake_openai import FakeOpenAI, Reply, everything_covered

    section = Section("Grading job queue (PostgreSQL, worker processes)")
    work = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    pg = PostgresServer(database="bench")  # its own temporary folder, which the postgres user can enter
    server = FakeOpenAI()
    server.default = Reply(everything_covered(), delay_s=LLM_JUDGE_REPLY_S)
    server.start()
    try:
        section.figures.append(_queue_throughput(pg.url))
        llm_env = {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-fake", "INTERVIEW_GRADER_MODEL": "fake"}
        bulk = regrade_run(
            pg.url, BULK, workers=2, concurrency=32, grader="llm", env=llm_env, kill_one=True, home=work / "bulk"
        )
        exact = bulk.lost == 0 and bulk.duplicated == 0 and bulk.jobs_done == BULK
        section.figures += [
            Figure(
                f"re-grade {BULK:,} answers after a rubric change (a key point added to q06, saved as the bank's "
                f"next version), 2 workers × 32, model answers after {LLM_JUDGE_REPLY_S:g} s, "
                "one worker SIGKILLed and restarted: wall time",
                bulk.seconds,
                "s",
            ),
            Figure("the same: throughput", bulk.answers_per_s, "answers/s"),
            Figure(
                "the same: answers lost + graded twice (counted in the database)",
                bulk.lost + bulk.duplicated,
                "answers",
                "0",
                exact,
                note=f"{bulk.jobs_done:,} jobs done, {bulk.grades_added:,} grades added, "
                f"{bulk.by_new_version:,} stamped with the new bank version; {len(server.requests):,} model requests",
                digits=0,
            ),
            Figure(
                "the same: peak memory per worker process",
                max(bulk.peak_rss_mb),
                "MB",
                note="each worker: " + ", ".join(f"{m:.0f} MB" for m in bulk.peak_rss_mb),
                digits=0,
            ),
        ]
        one = regrade_run(pg.url, OFFLINE_ANSWERS, workers=1, concurrency=1, grader="offline", home=work / "one")
        two = regrade_run(pg.url, OFFLINE_ANSWERS, workers=2, concurrency=1, grader="offline", home=work / "two")
        section.figures += [
            Figure(f"offline grader, {OFFLINE_ANSWERS} answers, 1 worker: throughput", one.answers_per_s, "answers/s"),
            Figure(f"offline grader, {OFFLINE_ANSWERS} answers, 2 workers: throughput", two.answers_per_s, "answers/s"),
            Figure(
                "offline grader: speed-up of 2 workers over 1 (2 cores)",
                two.answers_per_s / one.answers_per_s,
                "×",
                digits=2,
                note=f"exactly once in both: lost {one.lost + two.lost}, duplicated {one.duplicated + two.duplicated}",
            ),
        ]
    finally:
        server.stop()
        pg.remove()
    return section
