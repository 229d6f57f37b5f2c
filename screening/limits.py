"""Rate limits on what one invite link can do and on wrong invite tokens from one client.

The counts live in the database (``rate_events``), so they hold across app processes and restarts. A refused
request is not counted and changes nothing; its :class:`RateLimited` message says how long to wait. Keys are
pseudonyms (``invite:…``, ``client:…``), never a token or an address. Recruiter sign-in has its own limits in
``screening.accounts``.

Counting and inserting are two statements, so a burst from several processes at once can overshoot a limit by
a request or two; that is fine for a rate limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.db import Database
from store.tables import RateEvent, utcnow

KEEP = timedelta(days=1)  # rows older than this are pruned; longer than any window


@dataclass(frozen=True)
class Limit:
    bucket: str
    max_events: int
    window: timedelta


# Generous for a person typing (drafts save when the text box loses focus or on "Save draft"), tight for a script.
DRAFT_SAVES = Limit("draft", 60, timedelta(minutes=1))  # per invite
SUBMITS = Limit("submit", 20, timedelta(minutes=1))  # per invite
WRONG_INVITE_TOKENS = Limit("invite-token", 20, timedelta(minutes=15))  # per client


def wait_message(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return f"try again in {minutes} minute{'' if minutes == 1 else 's'}"


class RateLimited(RuntimeError):
    """Too many requests; the message is safe to show and says how long to wait."""

    def __init__(self, wait: timedelta) -> None:
        self.wait = wait
        super().__init__(f"too many attempts, {wait_message(wait)}")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def check(s: Session, limit: Limit, key: str) -> None:
    """RateLimited if ``key`` used up ``limit`` within its window; counts nothing."""
    now = utcnow()
    recent = list(
        s.scalars(
            select(RateEvent.at)
            .where(RateEvent.bucket == limit.bucket, RateEvent.key_hash == key, RateEvent.at > now - limit.window)
            .order_by(RateEvent.at)
        )
    )
    if len(recent) >= limit.max_events:
        # the next request is allowed once enough of these have left the window
        oldest_that_must_go = _aware(recent[len(recent) - limit.max_events])
        raise RateLimited(oldest_that_must_go + limit.window - now)


def count(s: Session, limit: Limit, key: str) -> None:
    """Count one request for ``key`` (and prune rows nobody needs any more)."""
    now = utcnow()
    s.execute(delete(RateEvent).where(RateEvent.at < now - KEEP))
    s.add(RateEvent(bucket=limit.bucket, key_hash=key, at=now))


def hit(db: Database, limit: Limit, key: str) -> None:
    """Count a request, or refuse it with RateLimited (then nothing is counted). Committed on its own, so a
    request that fails later still counts."""
    with db.session() as s:
        check(s, limit, key)
        count(s, limit, key)
