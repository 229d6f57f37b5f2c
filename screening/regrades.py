"""Bulk re-grades as a recruiter asks for them (the CLI's ``regrade`` and the Review page): which bank version
they grade against, and how far they have got.

By default a re-grade grades questions picked from the configured bank by that bank's latest stored version,
so a rubric edit reaches the answers given before it; ``as_built`` grades by the screens' own copies instead.
"""

from __future__ import annotations

from datetime import datetime

from rubric.model import Bank
from store import bank_versions
from store.bank_versions import StoredBank, UnknownVersion
from store.db import Database
from store.job_queue import (
    Enqueued,
    QueueError,
    RequestInfo,
    RequestProgress,
    enqueue_regrade,
    latest_request_for_screen,
    progress,
)

__all__ = ["QueueError", "UnknownVersion", "latest_for_screen", "progress", "request_regrade"]


def version_to_grade_by(db: Database, bank: Bank, ref: str | None) -> StoredBank:
    """The stored version ``ref`` names (a number, ``v3``, or a stamp ``id@hash``; default the latest) of
    ``bank``, or of the bank a stamp names."""
    latest = bank_versions.sync_from_file(db, bank, bank_versions.FILE_AUTHOR)
    if ref is None:
        return latest
    bank_id = ref.split("@", 1)[0] if "@" in ref else bank.id
    return bank_versions.get(db, bank_id, ref)


def request_regrade(
    db: Database,
    bank: Bank,
    grader: str,
    *,
    screen_id: int | None = None,
    question_id: str | None = None,
    bank_version: str | None = None,
    as_built: bool = False,
) -> Enqueued:
    """Enqueue a re-grade (QueueError or UnknownVersion say what is wrong; nothing is enqueued then)."""
    if as_built and bank_version:
        raise QueueError("grade by the screens' own copies (as built) or by a bank version, not both")
    if screen_id is None and question_id is None and bank_version is None:
        raise QueueError("name a screen, a question or a bank version to re-grade")
    version = None if as_built else version_to_grade_by(db, bank, bank_version)
    return enqueue_regrade(db, grader, screen_id=screen_id, question_id=question_id, bank=version)


def latest_for_screen(db: Database, screen_id: int) -> tuple[RequestInfo, RequestProgress] | None:
    """The screen's most recent re-grade and its progress, for the Review page (None when there was none)."""
    request = latest_request_for_screen(db, screen_id)
    return (request, progress(db, request.id)) if request else None


def regrade_screen(db: Database, bank: Bank, screen_id: int, recruiter_id: int) -> Enqueued:
    """A recruiter's re-grade of their own screen, with the screen's grader, by the bank's latest version
    (LookupError when the screen is not theirs; QueueError when it has no submitted answers)."""
    from screening.screens import screen

    owned = screen(db, screen_id, recruiter_id)
    return request_regrade(db, bank, owned.grader, screen_id=screen_id)


def progress_text(p: RequestProgress, started: datetime, now: datetime | None = None) -> str:
    """``120/300 graded · 4.0 answers/s · about 45 s left`` (and the failures, when there are any)."""
    from screening.screens import aware
    from store.tables import utcnow

    elapsed = max(((now or utcnow()) - aware(started)).total_seconds(), 1e-3)
    rate = p.done / elapsed
    parts = [f"{p.done}/{p.total} graded"]
    if p.failed:
        parts.append(f"{p.failed} failed")
    if p.finished:
        parts.append("finished")
    elif rate > 0:
        parts += [f"{rate:.1f} answers/s", f"about {_duration(p.waiting / rate)} left"]
    else:
        parts.append("waiting for a grader")
    return " · ".join(parts)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
