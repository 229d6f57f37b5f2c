"""Submitted screen answers as a queue of grading work, on the shared claim mechanism (:mod:`store.claims`).

An answer is due when it is pending, failed and due for a retry (with backoff, at most ``MAX_ATTEMPTS``), or
grading with an expired lease. Claiming is one conditional UPDATE, so two workers never hold the same answer
at once, on SQLite or PostgreSQL; storing the grade is conditional on still holding the claim, so each answer
is graded exactly once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from grader.result import GradeResult
from rubric.model import Question
from store import claims
from store.db import Database
from store.tables import Screen, ScreenAnswer, ScreenGrade, ScreenQuestion, utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Claim:
    answer_id: int
    token: str


@dataclass(frozen=True)
class Work:
    """What a claimed answer needs to be graded."""

    question: Question
    answer: str
    grader_kind: str
    bank_version: str = ""  # the bank version the screen's question was copied from ("" for a custom question)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(600, 5 * 2 ** max(attempts - 1, 0)))


def claim_next(db: Database) -> Claim | None:
    """Take one due answer to grade, or None when nothing is due."""
    now = utcnow()
    due = or_(
        ScreenAnswer.status == "pending",
        (ScreenAnswer.status == "failed") & (ScreenAnswer.attempts < MAX_ATTEMPTS) & (ScreenAnswer.next_try_at <= now),
        claims.lease_expired(ScreenAnswer, now),
    )
    with db.session() as s:
        candidates = s.execute(
            select(ScreenAnswer.id, ScreenAnswer.status).where(due).order_by(ScreenAnswer.id).limit(20)
        )
        for answer_id, status in candidates.all():
            token = claims.take(s, ScreenAnswer, answer_id, (ScreenAnswer.status == status) & due, now)
            if token is not None:
                s.commit()
                return Claim(answer_id, token)
    return None


def work_for(db: Database, held: Claim) -> Work | None:
    with db.session() as s:
        row = s.get(ScreenAnswer, held.answer_id)
        if row is None or row.answer is None:
            return None
        sq = s.get(ScreenQuestion, row.screen_question_id)
        assert sq is not None
        screen = s.get(Screen, sq.screen_id)
        grader = screen.grader if screen else "offline"
        return Work(Question.model_validate(sq.question), row.answer, grader, sq.bank_version or "")


def record_failure(db: Database, held: Claim, message: str) -> bool:
    """Count a failed attempt and schedule the retry, if the claim is still ours."""
    with db.session() as s:
        row = s.get(ScreenAnswer, held.answer_id)
        if row is None:
            return False
        attempts = row.attempts + 1
        return claims.settle(
            s,
            ScreenAnswer,
            held.answer_id,
            held.token,
            status="failed",
            attempts=attempts,
            error=message[:2000],
            next_try_at=utcnow() + backoff(attempts),
        )


def store_grade(db: Database, held: Claim, result: GradeResult) -> bool:
    """Store the grade if the claim is still ours; False (and nothing written) when it is not."""
    with db.session() as s:
        done = claims.settle(
            s, ScreenAnswer, held.answer_id, held.token, status="graded", attempts=ScreenAnswer.attempts + 1, error=None
        )
        if not done:
            return False
        add_grade(s, held.answer_id, result)
    return True


def add_grade(s: Session, answer_id: int, result: GradeResult) -> ScreenGrade:
    grade = ScreenGrade(
        screen_answer_id=answer_id,
        grader=result.meta.grader,
        model=result.meta.model,
        prompt_hash=result.meta.prompt_hash,
        score=result.score,
        result=result.model_dump(mode="json"),
    )
    s.add(grade)
    return grade
