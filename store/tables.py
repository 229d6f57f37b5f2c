"""The database tables (SQLAlchemy 2). Schema changes go through Alembic migrations in ``store/migrations``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Learner(Base):
    """Someone practising alone; progress is kept per learner."""

    __tablename__ = "learners"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Attempt(Base):
    """One answer to one question, saved before it is graded so that a grading failure never loses it."""

    __tablename__ = "attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    bank_id: Mapped[str] = mapped_column(String(120))
    question_id: Mapped[str] = mapped_column(String(120))
    question_text: Mapped[str] = mapped_column(Text)
    section: Mapped[int] = mapped_column(Integer)
    rubric_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # answer, retry, probe
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), nullable=True)
    probe_point_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    answer: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, graded, failed
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    grades: Mapped[list[Grade]] = relationship(back_populates="attempt", order_by="Grade.id")

    __table_args__ = (Index("ix_attempts_learner_question", "learner_id", "question_id"),)


class Grade(Base):
    """A grade of an attempt, with everything that produced it. Re-grading adds a row; earlier ones stay."""

    __tablename__ = "grades"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    grader: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(200))
    prompt_name: Mapped[str] = mapped_column(String(120))
    prompt_hash: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer)
    coverage: Mapped[float] = mapped_column(Float)
    abstained: Mapped[bool] = mapped_column(Boolean)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempt: Mapped[Attempt] = relationship(back_populates="grades")
    verdicts: Mapped[list[PointVerdictRow]] = relationship(back_populates="grade", cascade="all, delete-orphan")


class PointVerdictRow(Base):
    __tablename__ = "point_verdicts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id", ondelete="CASCADE"), index=True)
    point_id: Mapped[str] = mapped_column(String(120), index=True)
    verdict: Mapped[str] = mapped_column(String(16))
    grade: Mapped[Grade] = relationship(back_populates="verdicts")


class Recruiter(Base):
    """A recruiter or reviewer account (created with ``interview-grader user add``)."""

    __tablename__ = "recruiters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecruiterSession(Base):
    """A signed-in recruiter. Only the sha256 of the session token is stored; sessions expire."""

    __tablename__ = "recruiter_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    recruiter_id: Mapped[int] = mapped_column(ForeignKey("recruiters.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class LoginAttempt(Base):
    """Every sign-in attempt, for rate limiting (keyed by the hash of the e-mail, never the password)."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_hash: Mapped[str] = mapped_column(String(64), index=True)
    client_hash: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class Screen(Base):
    """An asynchronous screen: instructions, questions (with their rubrics frozen at build time), a grader."""

    __tablename__ = "screens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recruiter_id: Mapped[int] = mapped_column(ForeignKey("recruiters.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text)
    grader: Mapped[str] = mapped_column(String(16), default="offline")
    seconds_per_question: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    questions: Mapped[list[ScreenQuestion]] = relationship(
        order_by="ScreenQuestion.position", cascade="all, delete-orphan"
    )


class ScreenQuestion(Base):
    __tablename__ = "screen_questions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screens.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    question: Mapped[dict[str, Any]] = mapped_column(JSON)  # the full Question, rubric included, as built
    # The stored bank the question was picked from (None for a recruiter's own question): a re-grade against a
    # newer version of that bank finds the question there.
    bank_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    bank_version: Mapped[str | None] = mapped_column(String(200), nullable=True)  # the version it was copied from


class Invite(Base):
    """A candidate's private link. Only the sha256 of the token is stored; the link is shown once."""

    __tablename__ = "invites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screens.id", ondelete="CASCADE"), index=True)
    candidate_name: Mapped[str] = mapped_column(String(200))
    candidate_email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    answers: Mapped[list[ScreenAnswer]] = relationship(cascade="all, delete-orphan")


class ScreenAnswer(Base):
    """A candidate's answer to one screen question: a draft until submitted, then graded in the background."""

    __tablename__ = "screen_answers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id", ondelete="CASCADE"), index=True)
    screen_question_id: Mapped[int] = mapped_column(ForeignKey("screen_questions.id", ondelete="CASCADE"))
    draft: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    shown_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft, pending, grading, graded, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    grades: Mapped[list[ScreenGrade]] = relationship(order_by="ScreenGrade.id", cascade="all, delete-orphan")
    overrides: Mapped[list[Override]] = relationship(order_by="Override.id", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_screen_answers_status", "status"),
        Index("ux_screen_answer", "invite_id", "screen_question_id", unique=True),
    )


class ScreenGrade(Base):
    """A grade of a screen answer; re-grading with another grader or prompt adds one and keeps the earlier."""

    __tablename__ = "screen_grades"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screen_answer_id: Mapped[int] = mapped_column(ForeignKey("screen_answers.id", ondelete="CASCADE"), index=True)
    grader: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(200))
    prompt_hash: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Override(Base):
    """A reviewer's change to a verdict or a score, with a reason. Append-only: rows are never updated."""

    __tablename__ = "overrides"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screen_answer_id: Mapped[int] = mapped_column(ForeignKey("screen_answers.id", ondelete="CASCADE"), index=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("screen_grades.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("recruiters.id", ondelete="SET NULL"), nullable=True)
    reviewer_name: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    target: Mapped[str] = mapped_column(String(120))  # a point id, or "score"
    old_value: Mapped[str] = mapped_column(String(32))
    new_value: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)


class AuditEvent(Base):
    """What happened, by whom, to what: identifiers are hashed and no answer text is ever written here."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")


class RateEvent(Base):
    """One counted request for a rate limit (a draft save or a submit through an invite, a wrong invite token
    from a client), keyed by a pseudonym of the invite or client. Rows older than a day are pruned."""

    __tablename__ = "rate_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(32))
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    __table_args__ = (Index("ix_rate_events_bucket_key_at", "bucket", "key_hash", "at"),)


class RegradeRequest(Base):
    """A bulk re-grade (of a screen or a question, with a grader). Its id is a digest of what it asks, so running
    the same request again finds this row and its jobs instead of grading anything twice."""

    __tablename__ = "regrade_requests"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(200))  # "screen 3", "question q06", ...
    grader: Mapped[str] = mapped_column(String(16))
    screen_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)  # a screen's re-grade
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GradingJob(Base):
    """One answer to grade for a request: claimed by a worker with a lease, settled once with its grade."""

    __tablename__ = "grading_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("regrade_requests.id", ondelete="CASCADE"))
    screen_answer_id: Mapped[int] = mapped_column(ForeignKey("screen_answers.id", ondelete="CASCADE"), index=True)
    grader: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, grading, done, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    grade_id: Mapped[int | None] = mapped_column(
        ForeignKey("screen_grades.id", ondelete="SET NULL"), nullable=True, unique=True
    )
    # The question (rubric included) to grade against when it is not the screen's own copy: a re-grade against a
    # newer bank version; and that version's stamp.
    question: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    bank_version: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        Index("ux_grading_job", "request_id", "screen_answer_id", unique=True),
        Index("ix_grading_jobs_status", "status", "id"),
    )


class BankVersion(Base):
    """One version of a question bank, whole. Versions are append-only and numbered per bank from 1; a new
    version names the one it was edited from, so two editors working from the same version cannot both win
    (the unique (bank, version) pair settles it in the database)."""

    __tablename__ = "bank_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_id: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer)
    based_on: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # the Bank, as rubric.model.Bank dumps it
    source_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the file it was imported from
    author: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ux_bank_version", "bank_id", "version", unique=True),)
