"""Background grading of submitted screen answers: never blocks the candidate, retries failures with backoff,
grades several answers at once when asked (``concurrency``), and picks up work left behind by a crash (a claim
is a lease that expires; see ``store.claims``).

Claiming is one conditional UPDATE (``... WHERE id = ? AND status = ?``), so two workers never hold the same
answer at once, on SQLite or PostgreSQL; storing the grade is conditional on still holding the claim, so each
answer is graded exactly once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from grader.base import Grader, GraderError
from grader.result import GradeResult
from rubric.model import Question
from screening.secrets_util import pseudonym
from store.claims import lease, new_claim_token
from store.db import Database
from store.tables import Screen, ScreenAnswer, ScreenGrade, ScreenQuestion, utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Claim:
    answer_id: int
    token: str


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(600, 5 * 2 ** max(attempts - 1, 0)))


def claim(db: Database) -> Claim | None:
    """Take one answer to grade: pending, failed and due for a retry, or grading with an expired lease."""
    now = utcnow()
    with db.session() as s:
        candidates = s.execute(
            select(ScreenAnswer.id, ScreenAnswer.status)
            .where(
                or_(
                    ScreenAnswer.status == "pending",
                    (ScreenAnswer.status == "failed")
                    & (ScreenAnswer.attempts < MAX_ATTEMPTS)
                    & (ScreenAnswer.next_try_at <= now),
                    (ScreenAnswer.status == "grading") & (ScreenAnswer.lease_until <= now),
                )
            )
            .order_by(ScreenAnswer.id)
            .limit(20)
        ).all()
        for answer_id, status in candidates:
            token = new_claim_token()
            taken = s.execute(
                update(ScreenAnswer)
                .where(ScreenAnswer.id == answer_id, ScreenAnswer.status == status)
                .values(status="grading", lease_until=now + lease(), claim_token=token)
            )
            if taken.rowcount == 1:
                s.commit()
                return Claim(answer_id, token)
    return None


def grade_claimed(db: Database, held: Claim, grader_for: Callable[[str], Grader]) -> GradeResult | None:
    """Grade a claimed answer and store the grade, or record the failure for a later retry."""
    with db.session() as s:
        row = s.get(ScreenAnswer, held.answer_id)
        if row is None or row.answer is None:
            return None
        sq = s.get(ScreenQuestion, row.screen_question_id)
        assert sq is not None
        question = Question.model_validate(sq.question)
        screen = s.get(Screen, sq.screen_id)
        grader_kind = screen.grader if screen else "offline"
        answer = row.answer
    try:
        result = grader_for(grader_kind).grade(question, answer)
    except Exception as err:  # any failure is retried later; the answer is never lost
        message = str(err) if isinstance(err, GraderError) else f"unexpected error: {type(err).__name__}"
        _record_failure(db, held, message)
        log.warning("grading %s failed: %s", pseudonym("answer", held.answer_id), message)
        return None
    return result if store_grade(db, held, result) else None


def _held(held: Claim):  # the WHERE clause of "I still hold this claim"
    return (
        (ScreenAnswer.id == held.answer_id)
        & (ScreenAnswer.status == "grading")
        & (ScreenAnswer.claim_token == held.token)
    )


def _record_failure(db: Database, held: Claim, message: str) -> None:
    with db.session() as s:
        row = s.get(ScreenAnswer, held.answer_id)
        if row is None or row.status != "grading" or row.claim_token != held.token:
            return  # the claim was lost (lease expired, someone else took over): theirs to record
        row.attempts += 1
        row.status = "failed"
        row.error = message[:2000]
        row.next_try_at = utcnow() + backoff(row.attempts)
        row.lease_until = None
        row.claim_token = None


def store_grade(db: Database, held: Claim, result: GradeResult) -> bool:
    """Store the grade if the claim is still ours; False (and nothing written) when it is not."""
    with db.session() as s:
        done = s.execute(
            update(ScreenAnswer)
            .where(_held(held))
            .values(
                status="graded",
                attempts=ScreenAnswer.attempts + 1,
                error=None,
                lease_until=None,
                claim_token=None,
            )
        )
        if done.rowcount != 1:
            log.warning("grade of %s dropped: the claim had expired", pseudonym("answer", held.answer_id))
            return False
        add_grade(s, held.answer_id, result)
    return True


def add_grade(s: Session, answer_id: int, result: GradeResult) -> None:
    s.add(
        ScreenGrade(
            screen_answer_id=answer_id,
            grader=result.meta.grader,
            model=result.meta.model,
            prompt_hash=result.meta.prompt_hash,
            score=result.score,
            result=result.model_dump(mode="json"),
        )
    )


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
                held = claim(db)
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
    """INTERVIEW_GRADER_CONCURRENCY (default 4): answers graded at once by the background grader."""
    try:
        return max(1, int(os.environ.get("INTERVIEW_GRADER_CONCURRENCY", "4")))
    except ValueError:
        return 4


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
                if os.environ.get("INTERVIEW_GRADER_RETENTION_DAYS") and time.monotonic() - last_purge > 3600:
                    from screening.data_protection import purge_old_screens

                    purge_old_screens(self.db)  # the retention setting, applied hourly while the app runs
                    last_purge = time.monotonic()
            except Exception:  # the database may be briefly unavailable; try again on the next tick
                log.exception("background grading pass failed")
            self._wake.wait(self.interval_s)
            self._wake.clear()
            time.sleep(0)
