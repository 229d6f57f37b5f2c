"""The store under faults: a SQLite file locked by another program, a PostgreSQL server restarted mid-session.
Each gives a clear error (or is retried away), never a partial row, and works again afterwards."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from grader.service import offline_grader
from practice.service import submit
from rubric.model import Bank
from store.db import Database, StoreUnavailable
from store.practice_store import PracticeStore
from store.tables import Attempt, Grade, PointVerdictRow
from tests.postgres_server import PostgresServer, own_postgres
from tests.reliability_figures import record

ANSWER = "I would stream card events through Kafka into a low-latency scoring service."


def _counts(db: Database) -> tuple[int, int, int]:
    with db.session() as s:
        return (
            s.scalar(select(func.count()).select_from(Attempt)) or 0,
            s.scalar(select(func.count()).select_from(Grade)) or 0,
            s.scalar(select(func.count()).select_from(PointVerdictRow)) or 0,
        )


@pytest.fixture
def locked_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Database, sqlite3.Connection]]:
    monkeypatch.setenv("INTERVIEW_GRADER_DB_BUSY_TIMEOUT_S", "0.5")
    path = tmp_path / "locked.db"
    db = Database(f"sqlite:///{path}")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)  # "another program"
    yield db, other
    other.close()
    db.dispose()


@pytest.mark.slow  # waits out SQLite's busy timeout and the retries
def test_a_locked_sqlite_file_is_a_clear_error_and_nothing_half_written(
    locked_sqlite: tuple[Database, sqlite3.Connection], shipped_bank: Bank
) -> None:
    db, other = locked_sqlite
    store = PracticeStore(db)
    learner = store.learner("ann")
    question = shipped_bank.get("q06")
    other.execute("BEGIN EXCLUSIVE")  # holds the file for longer than the busy timeout and the retries

    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match=r"locked by another program.*nothing was saved, try again"):
        submit(store, learner, shipped_bank.id, question, ANSWER, offline_grader())
    waited = time.monotonic() - started
    other.execute("ROLLBACK")

    assert _counts(db) == (0, 0, 0)  # no partial rows
    outcome = submit(store, learner, shipped_bank.id, question, ANSWER, offline_grader())  # the user's retry
    assert outcome.error is None and store.attempt(outcome.attempt_id).status == "graded"
    assert _counts(db)[:2] == (1, 1)
    record(
        "SQLite file locked by another program",
        clear_error=True,
        seconds_before_the_error=round(waited, 1),
        partial_rows=0,
        retry_succeeded=True,
    )


@pytest.mark.slow  # waits out SQLite's busy timeout and the retries
def test_a_lock_released_within_the_retries_is_waited_out(
    locked_sqlite: tuple[Database, sqlite3.Connection], shipped_bank: Bank
) -> None:
    db, other = locked_sqlite
    store = PracticeStore(db)
    learner = store.learner("ann")
    other.execute("BEGIN EXCLUSIVE")
    threading.Timer(0.8, lambda: other.execute("ROLLBACK")).start()  # a backup tool that lets go soon

    outcome = submit(store, learner, shipped_bank.id, shipped_bank.get("q06"), ANSWER, offline_grader())

    assert outcome.error is None and _counts(db)[:2] == (1, 1)


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with own_postgres() as server:
        yield server


@pytest.mark.slow
def test_a_postgres_restart_mid_session_loses_nothing_and_leaves_no_partial_rows(
    postgres: PostgresServer, shipped_bank: Bank
) -> None:
    db = Database(postgres.url)
    store = PracticeStore(db)
    learner = store.learner("ann")
    question = shipped_bank.get("q06")
    first = submit(store, learner, shipped_bank.id, question, ANSWER, offline_grader())
    assert first.error is None

    # 1. the server restarts between two requests: pooled connections are dead; the next write reconnects
    postgres.restart()
    second = submit(store, learner, shipped_bank.id, question, ANSWER + " Again.", offline_grader())
    assert second.error is None and _counts(db)[:2] == (2, 2)

    # 2. the server restarts in the middle of a transaction that wrote a grade and its verdicts
    result = offline_grader().grade(question, ANSWER)
    lost = pytest.raises(StoreUnavailable, match=r"lost the connection to the database.*nothing was saved")
    with lost, db.session() as s:
        s.add(
            Grade(
                attempt_id=first.attempt_id,
                grader="offline",
                model="m",
                prompt_name="p",
                prompt_hash="h",
                score=result.score,
                coverage=result.coverage,
                abstained=False,
                result=result.model_dump(mode="json"),
                verdicts=[PointVerdictRow(point_id=p.point_id, verdict=p.verdict) for p in result.points],
            )
        )
        s.flush()
        postgres.restart()
    attempts, grades, verdicts = _counts(db)
    assert (attempts, grades) == (2, 2) and verdicts == 2 * len(question.points)  # the half-written grade is gone

    # 3. the server is down for a moment while an answer is saved: retried until it is back
    postgres.stop()
    threading.Timer(0.5, postgres.start).start()
    third = submit(store, learner, shipped_bank.id, question, ANSWER + " Third.", offline_grader())
    assert third.error is None and _counts(db)[:2] == (3, 3)
    db.dispose()
    record(
        "PostgreSQL restarted mid-session",
        restarts=3,
        clear_error_mid_transaction=True,
        partial_rows=0,
        answers_lost=0,
        reconnected_without_restarting_the_app=True,
    )
