"""The database: SQLite in the data home by default, PostgreSQL when ``DATABASE_URL`` says so.

The schema is brought up to date by Alembic on first use (``migrate``), never by hand or ``create_all``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings, get_settings

T = TypeVar("T")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK = threading.Lock()


class StoreError(RuntimeError):
    """The database cannot be reached or written; the message says which and what to try."""


class StoreUnavailable(StoreError):
    """A transient failure (the file is locked, the server restarted): nothing was written; trying again may
    work."""


def busy_timeout_s() -> float:
    """How long a write waits for a SQLite file another program has locked (the ``db_busy_timeout_s`` setting,
    INTERVIEW_GRADER_DB_BUSY_TIMEOUT_S, default 30 s)."""
    return get_settings().db_busy_timeout_s


def database_url(settings: Settings | None = None) -> str:
    """The ``database_url`` setting (DATABASE_URL), or SQLite in the data home."""
    settings = settings or get_settings()
    url = settings.database_url.get_secret_value() if settings.database_url else None
    if url:
        # Plain postgres:// or postgresql:// URLs get the psycopg 3 driver this project installs.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url
    return f"sqlite:///{settings.data_home() / 'interview-grader.db'}"


def describe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        wait = busy_timeout_s()
        engine = create_engine(url, connect_args={"timeout": wait, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(wait * 1000)}")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


MIGRATION_LOCK_KEY = 0x1A7E9  # any fixed number: the advisory lock every process migrating this database takes


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest migration (safe to call on every start)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _LOCK, engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Replicas and workers starting together on a new database: one migrates, the others wait for
            # it (the lock ends with this transaction), then find the schema current.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Database:
    def __init__(self, url: str | None = None) -> None:
        self.url = url or database_url()
        try:
            self.engine = make_engine(self.url)
            migrate(self.engine)
        except Exception as err:  # driver errors differ by backend; all mean "cannot use this database"
            raise StoreError(f"cannot open the database at {describe(self.url)}: {err}") from err
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back (nothing half-written) on error. A locked
        file or a lost server connection becomes :class:`StoreUnavailable` with a message that says so."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except (OperationalError, InterfaceError) as err:
            _rollback_quietly(session)
            raise StoreUnavailable(self._unavailable(err)) from err
        except Exception:
            _rollback_quietly(session)
            raise
        finally:
            session.close()

    def retrying(self, work: Callable[[Session], T], attempts: int = 3, pause_s: float = 0.5) -> T:
        """Run ``work`` in a unit of work, again (up to ``attempts`` times) while the store is unavailable;
        each try either commits all of its writes or none."""
        for attempt in range(1, attempts + 1):
            try:
                with self.session() as s:
                    return work(s)
            except StoreUnavailable:
                if attempt == attempts:
                    raise
                time.sleep(pause_s * attempt)
        raise AssertionError("unreachable")

    def _unavailable(self, err: Exception) -> str:
        detail = str(getattr(err, "orig", err)).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        if "locked" in detail or "busy" in detail:
            return (
                f"the database file is locked by another program (waited {busy_timeout_s():g} s); "
                "nothing was saved, try again"
            )
        return f"lost the connection to the database at {describe(self.url)} ({detail}); nothing was saved, try again"

    def dispose(self) -> None:
        self.engine.dispose()


def _rollback_quietly(session: Session) -> None:
    try:
        session.rollback()
    except (OperationalError, InterfaceError):  # the connection is already gone; nothing to undo on our side
        session.invalidate()
