"""Repeated gradings return instantly: results keyed by (rubric hash, answer hash, grader, model, prompt hash,
pipeline version).

A small SQLite file in the data home. The key never contains a secret (API keys are not part of it). A
corrupt or unreadable entry is treated as a miss, never as a grade.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import ValidationError

from grader.result import GradeResult


def cache_key(*parts: str) -> str:
    """The key of a grade: a hash of everything that decides it (never a secret)."""
    return hashlib.sha256(json.dumps(list(parts)).encode()).hexdigest()


class GradeCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS grades (key TEXT PRIMARY KEY, result TEXT NOT NULL, created TEXT)")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        try:
            with db:  # commits, or rolls back on error
                yield db
        finally:
            db.close()

    def get(self, key: str) -> GradeResult | None:
        with self._connect() as db:
            row = db.execute("SELECT result FROM grades WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return GradeResult.model_validate_json(row[0])
        except ValidationError:
            return None

    def put(self, key: str, result: GradeResult) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO grades (key, result, created) VALUES (?, ?, datetime('now'))",
                (key, result.model_dump_json()),
            )

    def __len__(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM grades").fetchone()[0])
