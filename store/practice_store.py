"""Practice sessions in the database: learners, their answers (saved before grading), grades and progress."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from grader.result import GradeResult
from rubric.model import Bank, Question
from store import claims
from store.db import Database
from store.tables import Attempt, Grade, Learner, PointVerdictRow, utcnow


@dataclass(frozen=True)
class AttemptRecord:
    id: int
    bank_id: str
    question_id: str
    section: int
    kind: str
    parent_id: int | None
    probe_point_id: str | None
    answer: str
    status: str
    error: str | None
    created_at: datetime
    grade: GradeResult | None  # the newest grade, if any


@dataclass(frozen=True)
class Progress:
    timeline: list[tuple[datetime, int, str, float]]  # (when, section, question id, coverage) per graded answer,
    # not counting answers the grader abstained on
    most_missed: list[tuple[str, int]]  # (point id, times missed), most first
    never_tried: list[str]  # question ids
    weakest: list[tuple[str, float]]  # (question id, best coverage so far), weakest first


def _record(row: Attempt) -> AttemptRecord:
    newest = row.grades[-1] if row.grades else None
    return AttemptRecord(
        id=row.id,
        bank_id=row.bank_id,
        question_id=row.question_id,
        section=row.section,
        kind=row.kind,
        parent_id=row.parent_id,
        probe_point_id=row.probe_point_id,
        answer=row.answer,
        status=row.status,
        error=row.error,
        created_at=row.created_at,
        grade=GradeResult.model_validate(newest.result) if newest else None,
    )


class PracticeStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def learner(self, name: str) -> int:
        name = " ".join(name.split())[:120] or "me"
        with self.db.session() as s:
            found = s.scalar(select(Learner).where(Learner.name == name))
            if found:
                return found.id
            learner = Learner(name=name)
            s.add(learner)
            s.flush()
            return learner.id

    def save_answer(
        self,
        learner_id: int,
        bank_id: str,
        question: Question,
        answer: str,
        *,
        kind: str = "answer",
        parent_id: int | None = None,
        probe_point_id: str | None = None,
    ) -> int:
        """Store the answer as pending, before any grading; returns its id. A locked file or a restarted server
        is retried a few times before the error reaches the caller (who still holds the text)."""

        def work(s: Session) -> int:
            row = Attempt(
                learner_id=learner_id,
                bank_id=bank_id,
                question_id=question.id,
                question_text=question.text,
                section=question.section,
                rubric_hash=question.content_hash(),
                kind=kind,
                parent_id=parent_id,
                probe_point_id=probe_point_id,
                answer=answer,
                status="pending",
            )
            s.add(row)
            s.flush()
            return row.id

        return self.db.retrying(work)

    def claim(self, attempt_id: int) -> str | None:
        """Take an attempt for grading (new, failed, or left behind by a crash); returns the claim token, or None
        while someone else holds an unexpired claim on it."""
        now = utcnow()
        claimable = or_(Attempt.status.in_(("pending", "failed")), claims.lease_expired(Attempt, now))
        with self.db.session() as s:
            return claims.take(s, Attempt, attempt_id, claimable, now, updated_at=now)

    def stranded(self, limit: int = 20) -> list[int]:
        """Attempts whose grading was cut off (the process died): grading with an expired lease, or saved but
        never claimed for longer than a lease."""
        now = utcnow()
        with self.db.session() as s:
            return list(
                s.scalars(
                    select(Attempt.id)
                    .where(
                        or_(
                            claims.lease_expired(Attempt, now),
                            (Attempt.status == "pending") & (Attempt.created_at <= now - claims.lease()),
                        )
                    )
                    .order_by(Attempt.id)
                    .limit(limit)
                )
            )

    def record_grade(self, attempt_id: int, result: GradeResult, claim_token: str | None = None) -> bool:
        """The grade, its per-point verdicts and the attempt's status, in one transaction. With a claim token,
        only if that claim still holds (False, nothing written, when it does not)."""

        def work(s: Session) -> bool:
            if not self._settle(s, attempt_id, claim_token, status="graded", error=None):
                return False
            s.add(
                Grade(
                    attempt_id=attempt_id,
                    grader=result.meta.grader,
                    model=result.meta.model,
                    prompt_name=result.meta.prompt_name,
                    prompt_hash=result.meta.prompt_hash,
                    score=result.score,
                    coverage=result.coverage,
                    abstained=result.abstained,
                    result=result.model_dump(mode="json"),
                    verdicts=[PointVerdictRow(point_id=p.point_id, verdict=p.verdict) for p in result.points],
                )
            )
            return True

        return self.db.retrying(work)

    def record_failure(self, attempt_id: int, error: str, claim_token: str | None = None) -> bool:
        return self.db.retrying(lambda s: self._settle(s, attempt_id, claim_token, status="failed", error=error[:2000]))

    @staticmethod
    def _settle(s: Session, attempt_id: int, claim_token: str | None, *, status: str, error: str | None) -> bool:
        """Move the attempt out of grading with one conditional UPDATE (the claim must still be ours)."""
        if claims.settle(s, Attempt, attempt_id, claim_token, status=status, error=error, updated_at=utcnow()):
            return True
        if claim_token is None:
            raise KeyError(f"no attempt {attempt_id}")
        return False

    def attempt(self, attempt_id: int) -> AttemptRecord:
        with self.db.session() as s:
            row = s.get(Attempt, attempt_id)
            if row is None:
                raise KeyError(f"no attempt {attempt_id}")
            return _record(row)

    def history(self, learner_id: int, question_id: str | None = None) -> list[AttemptRecord]:
        with self.db.session() as s:
            query = select(Attempt).where(Attempt.learner_id == learner_id)
            if question_id:
                query = query.where(Attempt.question_id == question_id)
            return [_record(r) for r in s.scalars(query.order_by(Attempt.id))]

    def progress(self, learner_id: int, bank: Bank) -> Progress:
        records = [r for r in self.history(learner_id) if r.grade is not None and r.kind != "probe"]
        # An answer that was not graded is not a 0: it is left out of the timeline, like everywhere else.
        timeline = [
            (r.created_at, r.section, r.question_id, r.grade.coverage)
            for r in records
            if r.grade and not r.grade.abstained
        ]
        missed: Counter[str] = Counter()
        best: dict[str, float] = {}
        for r in records:
            assert r.grade is not None
            if r.grade.abstained:
                continue
            missed.update(p.point_id for p in r.grade.points if p.verdict == "missed")
            best[r.question_id] = max(best.get(r.question_id, 0.0), r.grade.coverage)
        tried = {r.question_id for r in self.history(learner_id)}
        return Progress(
            timeline=timeline,
            most_missed=missed.most_common(10),
            never_tried=[q.id for q in bank.questions if q.id not in tried],
            weakest=sorted(best.items(), key=lambda item: (item[1], item[0])),
        )
