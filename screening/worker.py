"""Background grading of submitted screen answers: never blocks the candidate, retries failures with backoff,
and picks up work left behind by a crash (a claim is a lease that expires).

Claiming is one conditional UPDATE (``... WHERE id = ? AND status = ?``), so two workers never grade the same
answer at the same time, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import or_, select, update

from grader.base import Grader, GraderError
from grader.result import GradeResult
from rubric.model import Question
from screening.secrets_util import pseudonym
from store.db import Database
from store.tables import Screen, ScreenAnswer, ScreenGrade, ScreenQuestion, utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(600, 5 * 2 ** max(attempts - 1, 0)))


def claim(db: Database) -> int | None:
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
            taken = s.execute(
                update(ScreenAnswer)
                .where(ScreenAnswer.id == answer_id, ScreenAnswer.status == status)
                .values(status="grading", lease_until=now + LEASE)
            )
            if taken.rowcount == 1:
                s.commit()
                return answer_id
    return None


def grade_claimed(db: Database, answer_id: int, grader_for: Callable[[str], Grader]) -> GradeResult | None:
    """Grade a claimed answer and store the grade, or record the failure for a later retry."""
    with db.session() as s:
        row = s.get(ScreenAnswer, answer_id)
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
        with db.session() as s:
            row = s.get(ScreenAnswer, answer_id)
            if row is not None:
                row.attempts += 1
                row.status = "failed"
                row.error = message[:2000]
                row.next_try_at = utcnow() + backoff(row.attempts)
                row.lease_until = None
        log.warning("grading %s failed: %s", pseudonym("answer", answer_id), message)
        return None
    store_grade(db, answer_id, result)
    return result


def store_grade(db: Database, answer_id: int, result: GradeResult) -> None:
    with db.session() as s:
        row = s.get(ScreenAnswer, answer_id)
        if row is None:
            return
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
        row.status = "graded"
        row.attempts += 1
        row.error = None
        row.lease_until = None


def run_pending(db: Database, grader_for: Callable[[str], Grader], limit: int | None = None) -> int:
    """Grade everything that is due now; returns how many answers were taken."""
    done = 0
    while limit is None or done < limit:
        answer_id = claim(db)
        if answer_id is None:
            break
        grade_claimed(db, answer_id, grader_for)
        done += 1
    return done


class BackgroundGrader:
    """A daemon thread that grades due answers every few seconds (one per app process)."""

    def __init__(self, db: Database, grader_for: Callable[[str], Grader], interval_s: float = 2.0) -> None:
        self.db, self.grader_for, self.interval_s = db, grader_for, interval_s
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
                run_pending(self.db, self.grader_for)
                if os.environ.get("INTERVIEW_GRADER_RETENTION_DAYS") and time.monotonic() - last_purge > 3600:
                    from screening.data_protection import purge_old_screens

                    purge_old_screens(self.db)  # the retention setting, applied hourly while the app runs
                    last_purge = time.monotonic()
            except Exception:  # the database may be briefly unavailable; try again on the next tick
                log.exception("background grading pass failed")
            self._wake.wait(self.interval_s)
            self._wake.clear()
            time.sleep(0)
