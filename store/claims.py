"""Leases for grading work, one mechanism for practice attempts and screen answers.

Whoever grades a row first claims it: one conditional UPDATE sets a fresh claim token and a lease, on a row
whose status (and, for retries, due time) allows it. Only the holder of the current token may settle the row
(store the grade, or record a failure), in the same transaction as the status change, so a row gets exactly
one grade even when a lease expired and two workers graded it. A process killed mid-grade leaves an expired
lease behind; the next pass claims the row again.

A claimable table has the columns ``id``, ``status``, ``lease_until`` and ``claim_token``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, update
from sqlalchemy.orm import Session

from config.settings import get_settings


def lease() -> timedelta:
    """How long a claim holds: the ``lease_seconds`` setting (INTERVIEW_GRADER_LEASE_SECONDS), default 5 minutes
    (longer than the LLM client's timeout times its retries)."""
    return timedelta(seconds=get_settings().lease_seconds)


def new_claim_token() -> str:
    return secrets.token_hex(16)


def lease_expired(table: Any, now: datetime) -> ColumnElement[bool]:
    """Rows left in grading by a claim whose lease has run out."""
    return (table.status == "grading") & (table.lease_until <= now)


def take(
    s: Session, table: Any, row_id: int, claimable: ColumnElement[bool], now: datetime, **values: Any
) -> str | None:
    """Claim row ``row_id`` if ``claimable`` holds for it; the claim token, or None when someone else has it."""
    token = new_claim_token()
    taken: CursorResult[Any] = s.execute(  # type: ignore[assignment]  # an UPDATE gives a CursorResult
        update(table)
        .where(table.id == row_id, claimable)
        .values(status="grading", lease_until=now + lease(), claim_token=token, **values)
    )
    return token if taken.rowcount == 1 else None


def holding(table: Any, row_id: int, token: str) -> ColumnElement[bool]:
    """The WHERE clause of "I still hold the claim on this row"."""
    return (table.id == row_id) & (table.status == "grading") & (table.claim_token == token)


def settle(s: Session, table: Any, row_id: int, token: str | None, **values: Any) -> bool:
    """End the claim and set ``values`` (the new status, an error, ...) with one conditional UPDATE; False, and
    nothing written, when the claim is no longer ours. Without a token the row is settled unconditionally."""
    where = holding(table, row_id, token) if token is not None else table.id == row_id
    done: CursorResult[Any] = s.execute(  # type: ignore[assignment]  # an UPDATE gives a CursorResult
        update(table).where(where).values(lease_until=None, claim_token=None, **values)
    )
    return bool(done.rowcount == 1)
