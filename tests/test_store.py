"""The store on SQLite and on a real PostgreSQL server: migrations, answers saved before grading, failures,
re-grades kept, progress."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect

from grader.service import offline_grader
from practice.service import submit
from rubric.model import Bank
from store.db import Database, StoreError, database_url, describe
from store.practice_store import PracticeStore


class FailingGrader:
    kind = "llm"
    model = "broken"
    prompt_name = "p"
    prompt_hash = "h"

    def grade(self, question, answer, *, bank_version=""):
        from grader.base import GraderError

        raise GraderError("LLM grading failed (timeout): the model did not answer")


def test_migrations_create_the_schema(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {"learners", "attempts", "grades", "point_verdicts", "alembic_version"} <= tables
    Database(db.url).dispose()  # migrating again is a no-op


def test_answer_saved_graded_and_read_back(db: Database, shipped_bank: Bank) -> None:
    store = PracticeStore(db)
    me = store.learner("ana")
    assert store.learner("ana") == me
    question = shipped_bank.get("q09")
    outcome = submit(
        store, me, shipped_bank.id, question, "We cache embeddings so nothing is embedded twice.", offline_grader()
    )
    assert outcome.error is None and outcome.result is not None
    record = store.attempt(outcome.attempt_id)
    assert record.status == "graded" and record.grade == outcome.result
    assert record.answer == "We cache embeddings so nothing is embedded twice."


def test_a_grading_failure_never_loses_the_answer(db: Database, shipped_bank: Bank) -> None:
    store = PracticeStore(db)
    me = store.learner("ben")
    answer = "Cache model outputs for repeated prompts, and " + "x" * 50
    outcome = submit(store, me, shipped_bank.id, shipped_bank.get("q09"), answer, FailingGrader())
    assert outcome.result is None and "timeout" in (outcome.error or "")
    record = store.attempt(outcome.attempt_id)
    assert record.status == "failed" and record.answer == answer and record.grade is None
    # retrying later grades the same saved attempt
    from practice.service import grade_attempt

    again = grade_attempt(store, record.id, shipped_bank.get("q09"), record.answer, offline_grader())
    assert again.result is not None and store.attempt(record.id).status == "graded"


def test_regrading_keeps_earlier_grades(db: Database, shipped_bank: Bank) -> None:
    from store.tables import Grade

    store = PracticeStore(db)
    me = store.learner("cy")
    question = shipped_bank.get("q06")
    outcome = submit(
        store, me, shipped_bank.id, question, "Stream events through Kafka into the scorer.", offline_grader()
    )
    assert outcome.result is not None
    store.record_grade(outcome.attempt_id, outcome.result)
    with db.session() as s:
        assert s.query(Grade).filter_by(attempt_id=outcome.attempt_id).count() == 2


def test_progress_counts_missed_points_and_untried_questions(db: Database, shipped_bank: Bank) -> None:
    store = PracticeStore(db)
    me = store.learner(f"dee-{uuid.uuid4().hex[:6]}")
    grader = offline_grader()
    q09, q06 = shipped_bank.get("q09"), shipped_bank.get("q06")
    submit(store, me, shipped_bank.id, q09, "We cache embeddings to avoid recomputing them.", grader)
    submit(store, me, shipped_bank.id, q06, "Kafka streams the events into the scorer.", grader)
    progress = store.progress(me, shipped_bank)
    assert len(progress.timeline) == 2
    assert "q09" not in progress.never_tried and len(progress.never_tried) == 48
    missed = dict(progress.most_missed)
    assert missed.get("q09.2") == 1 and missed.get("q06.3") == 1
    assert next(qid for qid, _ in progress.weakest) in ("q06", "q09")


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open the database at postgresql"):
        Database("postgresql+psycopg://nobody:secret@127.0.0.1:1/nowhere?connect_timeout=2")
    assert "secret" not in describe("postgresql+psycopg://nobody:secret@127.0.0.1:1/x")


def test_database_url_normalises_postgres_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@localhost/db")
    assert database_url() == "postgresql+psycopg://u:p@localhost/db"
    monkeypatch.delenv("DATABASE_URL")
    assert database_url().startswith("sqlite:///")


def test_migrations_and_models_agree(db: Database) -> None:
    """The schema the migrations build is exactly what the ORM models describe (no drift either way)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from store.tables import Base

    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
