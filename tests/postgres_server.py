"""A real PostgreSQL server for tests: ``TEST_DATABASE_URL`` if CI started one, else a throwaway server
started here from Debian's postgresql binaries (as the postgres user when running as root)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _binaries() -> Path | None:
    for version in ("17", "16", "15", "14"):
        path = Path(f"/usr/lib/postgresql/{version}/bin")
        if (path / "initdb").exists():
            return path
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class PostgresServer:
    """A throwaway PostgreSQL server of our own (so a test may stop and restart it)."""

    def __init__(self) -> None:
        bin_dir = _binaries()
        if bin_dir is None:
            message = "PostgreSQL is not installed (CI installs the postgresql package)"
            if os.environ.get("REQUIRE_ALL_TESTS") == "1":
                pytest.fail(message)
            pytest.skip(message)
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="pg-test-"))
        self.data, sockets = self.root / "data", self.root / "sockets"
        self.data.mkdir()
        sockets.mkdir()
        if os.geteuid() == 0:
            for path in (self.root, self.data, sockets):
                shutil.chown(path, "postgres")
        self.port = _free_port()
        self.env = {**os.environ, "LC_ALL": "C.UTF-8"}
        self.options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {sockets} -c fsync=off"
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "interview_grader_test")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/interview_grader_test"

    def _run(self, tool: str, *args: str, check: bool = True) -> None:
        subprocess.run(_as_postgres([str(self.bin / tool), *args]), check=check, capture_output=True, env=self.env)

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-o", self.options, "-w", "-l", str(self.root / "log"), "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self) -> None:
        self.stop("immediate")
        self.start()

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


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
