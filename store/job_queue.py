"""The grading job queue for bulk re-grades, on the database every replica and worker shares.

A request (re-grade a screen, or every answer to a question) becomes one job per submitted answer. The
request's id is a digest of what it asks: the grader and, for each answer in scope, the answer and the exact
rubric it is graded against. Running the same request again therefore finds the same request and adds only
the answers submitted since; after a rubric change the digest differs and the answers are graded again.

Workers claim jobs in batches. On PostgreSQL a claim is ``SELECT ... FOR UPDATE SKIP LOCKED`` and then an
UPDATE of those rows in the same transaction, so any number of workers on any number of machines take
disjoint batches without waiting on each other; on SQLite, whose writes are serial anyway, the SELECT has no
locking clause and the UPDATE checks again that each job is still due. A claim is
a token and a lease: a job whose worker died is claimed again once its lease runs out, and a grade is stored
only by the holder of the current token, in the same transaction that marks the job done, so each job adds
exactly one grade.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select, update

from grader.result import GradeResult
from rubric.model import Question
from store import claims
from store.bank_versions import StoredBank
from store.db import Database
from store.screen_queue import add_grade, backoff
from store.tables import GradingJob, RegradeRequest, ScreenAnswer, ScreenQuestion, utcnow

MAX_ATTEMPTS = 5


class QueueError(ValueError):
    """A request that names nothing to re-grade (an unknown screen or question, no submitted answers)."""


@dataclass(frozen=True)
class Enqueued:
    request_id: str
    scope: str
    total: int  # jobs of the request, old and new
    added: int  # jobs this call added (0 when the same request ran before)


@dataclass(frozen=True)
class Job:
    id: int
    screen_answer_id: int
    grader: str
    token: str


@dataclass(frozen=True)
class JobWork:
    question: Question
    answer: str
    bank_version: str = ""  # the stamp of the bank version the question came from, when re-graded against one


@dataclass(frozen=True)
class RequestInfo:
    id: str
    scope: str
    grader: str
    created_at: datetime


@dataclass(frozen=True)
class RequestProgress:
    total: int
    done: int
    failed: int  # given up after MAX_ATTEMPTS
    waiting: int  # pending, grading, or failed and due for a retry

    @property
    def finished(self) -> bool:
        return self.waiting == 0


def enqueue_regrade(
    db: Database,
    grader: str,
    *,
    screen_id: int | None = None,
    question_id: str | None = None,
    bank: StoredBank | None = None,
) -> Enqueued:
    """Enqueue a re-grade of every submitted answer of a screen, to a question (a question id, across screens),
    or, with only ``bank``, to any question picked from that bank; returns the request and how many jobs this
    call added. With ``bank`` (a stored version), answers to questions picked from that bank are graded against
    the question as that version has it; others (a recruiter's own questions, a question the version no longer
    has) against the screen's copy."""
    if screen_id is not None and question_id is not None:
        raise QueueError("name a screen or a question to re-grade, not both")
    if screen_id is None and question_id is None and bank is None:
        raise QueueError("name a screen, a question or a bank version to re-grade")
    with db.session() as s:
        query = (
            select(ScreenAnswer.id, ScreenAnswer.answer, ScreenQuestion.question, ScreenQuestion.bank_id)
            .join(ScreenQuestion, ScreenQuestion.id == ScreenAnswer.screen_question_id)
            .where(ScreenAnswer.submitted_at.is_not(None), ScreenAnswer.answer.is_not(None))
        )
        if screen_id is not None:
            query = query.where(ScreenQuestion.screen_id == screen_id)
            scope = f"screen {screen_id}"
        elif question_id is not None:
            scope = f"question {question_id}"
        else:
            assert bank is not None
            query = query.where(ScreenQuestion.bank_id == bank.info.bank_id)
            scope = f"bank {bank.info.bank_id}"
        subject = scope
        if bank is not None:
            scope += f" against version {bank.info.version}"
        rows = [
            (answer_id, answer, _target(question, origin, bank))
            for answer_id, answer, question, origin in s.execute(query.order_by(ScreenAnswer.id)).all()
            if question_id is None or question.get("id") == question_id  # the question as the screen holds it
        ]
        if not rows:
            raise QueueError(f"{subject} has no submitted answers to re-grade")
        request_id = _request_digest(scope, grader, [(r[0], r[1], r[2][0] or {}) for r in rows])
        if s.get(RegradeRequest, request_id) is None:
            s.add(RegradeRequest(id=request_id, scope=scope[:200], grader=grader, screen_id=screen_id))
            s.flush()
        have = set(s.scalars(select(GradingJob.screen_answer_id).where(GradingJob.request_id == request_id)))
        new = [
            GradingJob(
                request_id=request_id,
                screen_answer_id=answer_id,
                grader=grader,
                question=target if stamp else None,
                bank_version=stamp,
            )
            for answer_id, _, (target, stamp) in rows
            if answer_id not in have
        ]
        s.add_all(new)
        return Enqueued(request_id, scope, total=len(have) + len(new), added=len(new))


def _target(
    question: dict[str, object], origin: str | None, bank: StoredBank | None
) -> tuple[dict[str, object], str | None]:
    """The question to grade against, and the bank version stamp when it is a stored version's."""
    if bank is None or origin != bank.info.bank_id:
        return question, None
    try:
        newer = bank.bank.get(str(question.get("id")))
    except KeyError:
        return question, None  # the version no longer has the question: the screen's copy stands
    return newer.model_dump(mode="json"), bank.info.stamp


def _request_digest(scope: str, grader: str, rows: list[tuple[int, str, dict[str, object]]]) -> str:
    h = hashlib.sha256(f"{scope}\0{grader}".encode())
    for answer_id, answer, question in rows:
        rubric = Question.model_validate(question).content_hash()
        h.update(f"\0{answer_id}:{hashlib.sha256(answer.encode()).hexdigest()}:{rubric}".encode())
    return h.hexdigest()[:40]


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        GradingJob.status == "pending",
        (GradingJob.status == "failed") & (GradingJob.attempts < MAX_ATTEMPTS) & (GradingJob.next_try_at <= now),
        claims.lease_expired(GradingJob, now),
    )


def claim_jobs(db: Database, limit: int) -> list[Job]:
    """Take up to ``limit`` due jobs; another worker claiming at the same moment takes other jobs."""
    now = utcnow()
    token = claims.new_claim_token()
    with db.session() as s:
        due = select(GradingJob.id).where(_due(now)).order_by(GradingJob.id).limit(limit)
        if s.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)  # the rows stay locked to us until this commits
        ids = list(s.scalars(due))
        if not ids:
            return []
        # The UPDATE checks again that each job is due: on SQLite another process may have taken it between
        # the two statements, and RETURNING names only the rows this claim got.
        taken = s.execute(
            update(GradingJob)
            .where(GradingJob.id.in_(ids), _due(now))
            .values(status="grading", lease_until=now + claims.lease(), claim_token=token)
            .returning(GradingJob.id, GradingJob.screen_answer_id, GradingJob.grader)
            .execution_options(synchronize_session=False)
        ).all()
    return sorted((Job(i, a, g, token) for i, a, g in taken), key=lambda j: j.id)


def work_for(db: Database, job: Job) -> JobWork | None:
    with db.session() as s:
        row = s.get(ScreenAnswer, job.screen_answer_id)
        if row is None or row.answer is None:
            return None
        target, stamp = s.execute(
            select(GradingJob.question, GradingJob.bank_version).where(GradingJob.id == job.id)
        ).one()
        if target is None:
            sq = s.get(ScreenQuestion, row.screen_question_id)
            assert sq is not None
            target = sq.question
        return JobWork(Question.model_validate(target), row.answer, stamp or "")


def store_result(db: Database, job: Job, result: GradeResult) -> bool:
    """Add the grade and mark the job done, if the claim is still ours; False (nothing written) otherwise."""
    with db.session() as s:
        if not claims.settle(s, GradingJob, job.id, job.token, status="done", done_at=utcnow(), error=None):
            return False
        grade = add_grade(s, job.screen_answer_id, result)
        s.flush()  # gives the grade its id
        s.execute(update(GradingJob).where(GradingJob.id == job.id).values(grade_id=grade.id))
    return True


def record_job_failure(db: Database, job: Job, message: str) -> bool:
    """Count a failed attempt and schedule the retry, if the claim is still ours."""
    with db.session() as s:
        attempts = (s.scalar(select(GradingJob.attempts).where(GradingJob.id == job.id)) or 0) + 1
        return claims.settle(
            s,
            GradingJob,
            job.id,
            job.token,
            status="failed",
            attempts=attempts,
            error=message[:2000],
            next_try_at=utcnow() + backoff(attempts),
        )


def close_missing(db: Database, job: Job) -> None:
    """A job whose answer was deleted (a candidate's data removed) ends without a grade."""
    with db.session() as s:
        claims.settle(s, GradingJob, job.id, job.token, status="done", done_at=utcnow(), error="answer deleted")


def progress(db: Database, request_id: str) -> RequestProgress:
    with db.session() as s:
        counts = dict(
            s.execute(
                select(GradingJob.status, func.count())
                .where(GradingJob.request_id == request_id)
                .group_by(GradingJob.status)
            ).all()
        )
        given_up = s.scalar(
            select(func.count()).where(
                GradingJob.request_id == request_id,
                GradingJob.status == "failed",
                GradingJob.attempts >= MAX_ATTEMPTS,
            )
        )
    total = sum(counts.values())
    done = counts.get("done", 0)
    failed = int(given_up or 0)
    return RequestProgress(total=total, done=done, failed=failed, waiting=total - done - failed)


def latest_request_for_screen(db: Database, screen_id: int) -> RequestInfo | None:
    """The most recent re-grade asked for the screen (not those of a question or bank across screens)."""
    with db.session() as s:
        row = s.scalar(
            select(RegradeRequest)
            .where(RegradeRequest.screen_id == screen_id)
            .order_by(RegradeRequest.created_at.desc(), RegradeRequest.id)
            .limit(1)
        )
        return RequestInfo(row.id, row.scope, row.grader, row.created_at) if row else None
