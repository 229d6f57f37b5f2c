"""A grading worker: the loop ``interview-grader worker`` runs, any number of them on any number of machines over
one database. Each pass takes a batch of re-grade jobs (:mod:`store.job_queue`) and the submitted screen answers
that are due (:mod:`store.screen_queue`), grades several at once through the grading pipeline, and stores each
grade only while its claim holds. A failure is recorded for a later retry; nothing is lost."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from grader.answer_checks import AnswerError
from grader.base import Grader, GraderError
from screening.secrets_util import pseudonym
from screening.worker import run_pending
from store.db import Database
from store.job_queue import Job, claim_jobs, close_missing, record_job_failure, store_result, work_for

log = logging.getLogger(__name__)


@dataclass
class Tally:
    graded: int = 0
    failed: int = 0
    dropped: int = 0  # graded, but the lease had run out and another worker held the job
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, what: str) -> None:
        with self.lock:
            setattr(self, what, getattr(self, what) + 1)


def grade_job(db: Database, job: Job, grader_for: Callable[[str], Grader], tally: Tally) -> None:
    work = work_for(db, job)
    if work is None:
        close_missing(db, job)
        return
    try:
        result = grader_for(job.grader).grade(work.question, work.answer, bank_version=work.bank_version)
    except Exception as err:  # any failure is retried later; the answer stays where it is
        message = str(err) if isinstance(err, GraderError | AnswerError) else f"unexpected error: {type(err).__name__}"
        record_job_failure(db, job, message)
        log.warning("re-grading %s failed: %s", pseudonym("answer", job.screen_answer_id), message)
        tally.add("failed")
        return
    if store_result(db, job, result):
        tally.add("graded")
    else:
        log.warning("re-grade of %s dropped: the claim had expired", pseudonym("answer", job.screen_answer_id))
        tally.add("dropped")


def run_jobs(db: Database, grader_for: Callable[[str], Grader], concurrency: int = 1) -> Tally:
    """Grade due jobs until none is left, ``concurrency`` at a time (a batch is claimed as threads free up)."""
    tally = Tally()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="regrade") as pool:
        while batch := claim_jobs(db, concurrency):
            for future in [pool.submit(grade_job, db, job, grader_for, tally) for job in batch]:
                future.result()
    return tally


def work_once(db: Database, grader_for: Callable[[str], Grader], concurrency: int) -> int:
    """One pass: due re-grade jobs, then due screen answers; how many were graded or tried."""
    tally = run_jobs(db, grader_for, concurrency)
    answers = run_pending(db, grader_for, concurrency=concurrency)
    return tally.graded + tally.failed + tally.dropped + answers


def warm_up(grader_for: Callable[[str], Grader], kinds: tuple[str, ...]) -> None:
    """Build the graders and load the embedding model before taking any job, so a worker's first claims are not
    spent loading models (a claim's lease runs while it holds jobs)."""
    from embeddings.minilm import get_encoder

    get_encoder().encode(["warm up"])
    for kind in kinds:
        try:
            grader_for(kind)
        except GraderError as err:  # e.g. no LLM configured: its jobs fail with this message and are retried
            log.warning("the %s grader is not available: %s", kind, err)


def work_forever(
    db: Database,
    grader_for: Callable[[str], Grader],
    concurrency: int,
    stop: threading.Event,
    poll_s: float = 1.0,
) -> None:
    """Passes until ``stop`` is set, pausing ``poll_s`` when there was nothing to do."""
    while not stop.is_set():
        try:
            busy = work_once(db, grader_for, concurrency)
        except Exception:  # the database may be briefly unavailable; try again on the next pass
            log.exception("grading pass failed")
            busy = 0
        if not busy:
            stop.wait(poll_s)
