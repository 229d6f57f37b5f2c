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
