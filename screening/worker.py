"""Background grading of submitted screen answers: never blocks the candidate, retries failures with backoff,
grades several answers at once when asked (``concurrency``), and picks up work left behind by a crash.

The queue and its claims live in :mod:`store.screen_queue`; each answer is graded by the grading pipeline
(:mod:`grader.pipeline`), the same path practice answers take.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from config.settings import get_settings
from grader.answer_checks import AnswerError
from grader.base import Grader, GraderError
from grader.result import GradeResult
from screening.secrets_util import pseudonym
from store.db import Database
from store.screen_queue import Claim, claim_next, record_failure, store_grade, work_for

log = logging.getLogger(__name__)


def grade_claimed(db: Database, held: Claim, grader_for: Callable[[str], Grader]) -> GradeResult | None:
    """Grade a claimed answer through the grading pipeline and store the grade, or record the failure for a later
    retry (the answer is never lost)."""
    work = work_for(db, held)
    if work is None:
        return None
    try:
        result = grader_for(work.grader_kind).grade(work.question, work.answer, bank_version=work.bank_version)
    except Exception as err:  # any failure is retried later
        message = str(err) if isinstance(err, GraderError | AnswerError) else f"unexpected error: {type(err).__name__}"
        record_failure(db, held, message)
        log.warning("grading %s failed: %s", pseudonym("answer", held.answer_id), message)
        return None
    if not store_grade(db, held, result):
        log.warning("grade of %s dropped: the claim had expired", pseudonym("answer", held.answer_id))
        return None
    return result


def run_pending(
    db: Database, grader_for: Callable[[str], Grader], limit: int | None = None, concurrency: int = 1
) -> int:
    """Grade everything that is due now, ``concurrency`` answers at a time; returns how many were taken."""
    taken = 0
    lock = threading.Lock()

    def drain() -> None:
        nonlocal taken
        while True:
            with lock:
                if limit is not None and taken >= limit:
                    return
                held = claim_next(db)
                if held is None:
                    return
                taken += 1
            grade_claimed(db, held, grader_for)

    if concurrency <= 1:
        drain()
    else:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="grader") as pool:
            for future in [pool.submit(drain) for _ in range(concurrency)]:
                future.result()
    return taken


def default_concurrency() -> int:
    """The ``concurrency`` setting (INTERVIEW_GRADER_CONCURRENCY, default 4): answers graded at once."""
    return get_settings().concurrency


class BackgroundGrader:
    """A daemon thread that grades due answers every few seconds (one per app process)."""

    def __init__(
        self,
        db: Database,
        grader_for: Callable[[str], Grader],
        interval_s: float = 2.0,
        concurrency: int | None = None,
        also: Callable[[], object] | None = None,
    ) -> None:
        self.db, self.grader_for, self.interval_s = db, grader_for, interval_s
        self.concurrency = concurrency or default_concurrency()
        self.also = also  # further work on each pass (the app recovers practice grades left by a restart)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="background-grader", daemon=True)

    def start(self) -> BackgroundGrader:
        self.thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self.thread.join(timeout=30)

    def _loop(self) -> None:
        last_purge = 0.0
        while not self._stop.is_set():
            try:
                run_pending(self.db, self.grader_for, concurrency=self.concurrency)
                if self.also is not None:
                    self.also()
                if get_settings().retention_days and time.monotonic() - last_purge > 3600:
                    from screening.data_protection import purge_old_screens

                    purge_old_screens(self.db)  # the retention setting, applied hourly while the app runs
                    last_purge = time.monotonic()
            except Exception:  # the database may be briefly unavailable; try again on the next tick
                log.exception("background grading pass failed")
            self._wake.wait(self.interval_s)
            self._wake.clear()
            time.sleep(0)
