"""Question banks in the database, versioned, so that every replica and worker reads the same banks.

A version is a whole bank, append-only, numbered per bank from 1. Saving an edit names the version it was made
on; when another edit was saved on that version first, the save is refused with :class:`BankConflict` (nothing
is written) and the editor is told which version won. Two saves at the same instant are settled by the unique
(bank, version) pair: one insert wins, the other fails and becomes the same conflict.

A bank file (the shipped guide or ``INTERVIEW_GRADER_BANK``) seeds its bank: :func:`sync_from_file` publishes
the file's content when that content was never imported, so editing the file still works, and edits saved in
the database stay until the file changes again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from rubric.model import Bank
from store.db import Database
from store.tables import BankVersion

FILE_AUTHOR = "bank file"  # the author of a version imported from the bank's file


class BankConflict(RuntimeError):
    """An edit made on a version that is no longer the latest; ``latest`` is the version that won."""

    def __init__(self, message: str, latest: VersionInfo | None) -> None:
        super().__init__(message)
        self.latest = latest


class UnknownVersion(LookupError):
    pass


@dataclass(frozen=True)
class VersionInfo:
    bank_id: str
    version: int
    based_on: int | None
    content_hash: str
    author: str
    note: str
    created_at: datetime

    @property
    def stamp(self) -> str:
        """How a grade names this version (the bank id and the start of its content hash)."""
        return f"{self.bank_id}@{self.content_hash[:12]}"


@dataclass(frozen=True)
class StoredBank:
    info: VersionInfo
    bank: Bank


def _info(row: BankVersion) -> VersionInfo:
    return VersionInfo(
        row.bank_id, row.version, row.based_on, row.content_hash, row.author, row.note or "", row.created_at
    )


def _stored(row: BankVersion) -> StoredBank:
    return StoredBank(_info(row), Bank.model_validate(row.body))


def latest_number(db: Database, bank_id: str) -> int:
    """The latest version's number (0 when the bank is not stored): one cheap query, for replicas to notice an
    edit saved elsewhere."""
    with db.session() as s:
        return int(s.scalar(select(func.max(BankVersion.version)).where(BankVersion.bank_id == bank_id)) or 0)


def latest(db: Database, bank_id: str) -> StoredBank | None:
    with db.session() as s:
        row = s.scalar(
            select(BankVersion).where(BankVersion.bank_id == bank_id).order_by(BankVersion.version.desc()).limit(1)
        )
        return _stored(row) if row else None


def get(db: Database, bank_id: str, ref: str | int) -> StoredBank:
    """A version by number (``3``, ``"v3"``) or by its stamp or content hash prefix (``id@0123abcd4567``);
    :class:`UnknownVersion` otherwise."""
    text = str(ref).strip().lower()
    with db.session() as s:
        query = select(BankVersion).where(BankVersion.bank_id == bank_id)
        number = text.removeprefix("v")
        if number.isdigit():
            row = s.scalar(query.where(BankVersion.version == int(number)))
        else:
            prefix = text.split("@", 1)[1] if "@" in text else text
            rows = list(s.scalars(query.where(BankVersion.content_hash.startswith(prefix)))) if prefix else []
            row = rows[-1] if rows else None
        if row is None:
            raise UnknownVersion(f"bank {bank_id} has no version {ref!r} (see `interview-grader bank versions`)")
        return _stored(row)


def history(db: Database, bank_id: str) -> list[VersionInfo]:
    with db.session() as s:
        rows = s.scalars(select(BankVersion).where(BankVersion.bank_id == bank_id).order_by(BankVersion.version))
        return [_info(r) for r in rows]


def publish(
    db: Database,
    bank: Bank,
    *,
    based_on: int | None,
    author: str,
    note: str = "",
    source_hash: str | None = None,
) -> StoredBank:
    """Save ``bank`` as the next version of its bank, made on version ``based_on`` (None: a bank not stored
    yet). The same content as the latest version saves nothing and returns it. :class:`BankConflict` when
    ``based_on`` is no longer the latest version: nothing is written."""
    digest = bank.content_hash()
    try:
        with db.session() as s:
            top = s.scalar(
                select(BankVersion).where(BankVersion.bank_id == bank.id).order_by(BankVersion.version.desc()).limit(1)
            )
            if (top.version if top else None) != based_on:
                raise _conflict(bank.id, based_on, _info(top) if top else None)
            if top is not None and top.content_hash == digest:
                return _stored(top)
            row = BankVersion(
                bank_id=bank.id,
                version=(top.version if top else 0) + 1,
                based_on=based_on,
                content_hash=digest,
                body=bank.model_dump(mode="json", exclude_defaults=True),
                source_hash=source_hash,
                author=author[:200],
                note=note,
            )
            s.add(row)
            s.flush()
            return StoredBank(_info(row), bank)
    except IntegrityError:  # another save took the same version number at the same instant
        winner = latest(db, bank.id)
        raise _conflict(bank.id, based_on, winner.info if winner else None) from None


def _conflict(bank_id: str, based_on: int | None, top: VersionInfo | None) -> BankConflict:
    if top is None:
        return BankConflict(f"bank {bank_id} is not stored, so there is no version {based_on} to edit", None)
    made_on = f"version {based_on}" if based_on else "no version (as a new bank)"
    return BankConflict(
        f"bank {bank_id} was changed while you edited it: version {top.version} was saved by {top.author} at "
        f"{top.created_at:%Y-%m-%d %H:%M} UTC; your change was made on {made_on} and was not saved. "
        f"Open version {top.version} and make your change again.",
        top,
    )


def sync_from_file(db: Database, bank: Bank, author: str) -> StoredBank:
    """The bank's latest stored version, after publishing ``bank`` (read from its file) when that content was
    never imported before. Replicas starting together import it once."""
    digest = bank.content_hash()
    with db.session() as s:
        imported = s.scalar(
            select(func.count()).where(BankVersion.bank_id == bank.id, BankVersion.source_hash == digest)
        )
    if not imported:
        try:
            return publish(db, bank, based_on=latest_number(db, bank.id) or None, author=author, source_hash=digest)
        except BankConflict:
            pass  # another replica imported it (or saved an edit) at the same moment: theirs stands
    found = latest(db, bank.id)
    assert found is not None
    return found


class BankFollower:
    """The latest stored version of one bank, for a long-running process (an app replica, a worker): each call
    costs one small query, the bank itself is loaded again only when another process saved a new version, and
    the bank's file is imported again only when it changed."""

    def __init__(self, db: Database, file_bank: Callable[[], Bank], author: str) -> None:
        self.db, self._file_bank, self.author = db, file_bank, author
        self._lock = threading.Lock()
        self._seen_file: Bank | None = None
        self._stored: StoredBank | None = None

    def current(self) -> StoredBank:
        with self._lock:
            from_file = self._file_bank()  # the same object while the file is unchanged
            if from_file is not self._seen_file:
                self._stored = sync_from_file(self.db, from_file, self.author)
                self._seen_file = from_file
            assert self._stored is not None
            if latest_number(self.db, self._stored.info.bank_id) != self._stored.info.version:
                self._stored = latest(self.db, self._stored.info.bank_id) or self._stored
            return self._stored
