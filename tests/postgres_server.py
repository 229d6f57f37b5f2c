"""A real PostgreSQL server for tests: ``TEST_DATABASE_URL`` if CI started one, else a throwaway server
(:mod:`cluster.postgres`) started here; without PostgreSQL installed the test skips, or fails under
``REQUIRE_ALL_TESTS=1`` (CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from cluster.postgres import PostgresMissing
from cluster.postgres import PostgresServer as _Server


class PostgresServer(_Server):
    def __init__(self) -> None:
        try:
            super().__init__()
        except PostgresMissing as missing:
            if os.environ.get("REQUIRE_ALL_TESTS") == "1":
                pytest.fail(str(missing))
            pytest.skip(str(missing))


@contextmanager
def own_postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        yield server
    finally:
        server.remove()


@contextmanager
def postgres_url() -> Iterator[str]:
    existing = os.environ.get("TEST_DATABASE_URL")
    if existing:
        yield existing
        return
    with own_postgres() as server:
        yield server.url


def empty(database: object) -> None:
    """Remove every row from every table of the schema (kept), so each test starts from a clean slate. The
    tables come from the models, so a new table is emptied too."""
    from sqlalchemy import text

    from store.tables import Base

    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with database.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
