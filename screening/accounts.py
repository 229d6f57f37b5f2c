"""Recruiter accounts: created from the CLI, signed in with rate limiting, sessions that expire."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from screening.audit import record
from screening.limits import wait_message
from screening.secrets_util import hash_password, new_token, no_account_hash, pseudonym, token_hash, verify_password
from store.db import Database
from store.tables import LoginAttempt, Recruiter, RecruiterSession, utcnow

SESSION_HOURS = 8
MAX_FAILURES_PER_ACCOUNT = 5  # within FAILURE_WINDOW
MAX_FAILURES_PER_CLIENT = 20
FAILURE_WINDOW = timedelta(minutes=15)


class AuthError(ValueError):
    """Sign-in refused; the message is safe to show (it never says whether the e-mail exists)."""


@dataclass(frozen=True)
class RecruiterInfo:
    id: int
    email: str
    name: str


def _normal(email: str) -> str:
    return email.strip().lower()


def add_user(db: Database, email: str, name: str, password: str) -> RecruiterInfo:
    email = _normal(email)
    if "@" not in email or len(email) > 254:
        raise ValueError(f"{email!r} is not an e-mail address")
    hashed = hash_password(password)
    with db.session() as s:
        if s.scalar(select(Recruiter).where(Recruiter.email == email)):
            raise ValueError(f"an account for {email} exists already")
        row = Recruiter(email=email, name=name.strip() or email, password_hash=hashed)
        s.add(row)
        s.flush()
        record(s, actor="cli", action="account.created", subject=pseudonym("recruiter", row.id))
        return RecruiterInfo(row.id, row.email, row.name)


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; everything stored here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _wait(failures: list[datetime], most: int, now: datetime) -> timedelta:
    """How long until fewer than ``most`` of these failures (oldest first) are within the window."""
    if len(failures) < most:
        return timedelta(0)
    return _aware(failures[len(failures) - most]) + FAILURE_WINDOW - now


def sign_in(db: Database, email: str, password: str, client: str = "unknown") -> str:
    """A new session token, or AuthError. Too many recent failures refuse before the password is even checked;
    the refusal says when to try again, is audited, and does not itself count as a failure."""
    account = pseudonym("account", _normal(email))
    client_key = pseudonym("client", client)
    now = utcnow()
    since = now - FAILURE_WINDOW
    with db.session() as s:

        def recent_failures(column: Any, key: str) -> list[datetime]:
            return list(
                s.scalars(
                    select(LoginAttempt.at)
                    .where(column == key, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since)
                    .order_by(LoginAttempt.at)
                )
            )

        failures = recent_failures(LoginAttempt.account_hash, account)
        client_failures = recent_failures(LoginAttempt.client_hash, client_key)
        if len(failures) >= MAX_FAILURES_PER_ACCOUNT or len(client_failures) >= MAX_FAILURES_PER_CLIENT:
            wait = max(
                _wait(failures, MAX_FAILURES_PER_ACCOUNT, now), _wait(client_failures, MAX_FAILURES_PER_CLIENT, now)
            )
            record(s, actor=client_key, action="signin.rate_limited", subject=account)
            s.commit()
            raise AuthError(f"too many failed sign-ins; {wait_message(wait)}")
        row = s.scalar(select(Recruiter).where(Recruiter.email == _normal(email)))
        ok = row is not None and verify_password(password, row.password_hash)
        if row is None:
            verify_password(password, no_account_hash())  # same work either way
        s.add(LoginAttempt(account_hash=account, client_hash=client_key, succeeded=ok, at=now))
        if not ok or row is None:
            record(s, actor=client_key, action="signin.failed", subject=account)
            s.commit()
            raise AuthError("wrong e-mail or password")
        token = new_token()
        s.add(
            RecruiterSession(
                token_hash=token_hash(token), recruiter_id=row.id, expires_at=utcnow() + timedelta(hours=SESSION_HOURS)
            )
        )
        record(s, actor=pseudonym("recruiter", row.id), action="signin.ok", subject=account)
        return token


def current_recruiter(db: Database, token: str | None) -> RecruiterInfo | None:
    """The recruiter a session token belongs to, if the session exists, is not revoked and has not expired.
    (A handoff code is not a session token.)"""
    if not token or ":" in token:
        return None
    with db.session() as s:
        session = s.get(RecruiterSession, token_hash(token))
        if session is None or session.revoked or _aware(session.expires_at) <= utcnow():
            return None
        row = s.get(Recruiter, session.recruiter_id)
        return RecruiterInfo(row.id, row.email, row.name) if row else None


def sign_out(db: Database, token: str | None) -> None:
    if not token:
        return
    with db.session() as s:
        session = s.get(RecruiterSession, token_hash(token))
        if session is not None:
            session.revoked = True


HANDOFF_SECONDS = 60
_HANDOFF = "handoff:"


def handoff_code(db: Database, token: str) -> str:
    """A one-time code, valid for a minute, that the browser trades at ``/auth/session`` for a session cookie
    (HttpOnly, so page scripts never see the session token). Only the code's hash is stored."""
    recruiter = current_recruiter(db, token)
    if recruiter is None:
        raise AuthError("not signed in")
    code = new_token()
    with db.session() as s:
        s.add(
            RecruiterSession(
                token_hash=token_hash(_HANDOFF + code),
                recruiter_id=recruiter.id,
                expires_at=utcnow() + timedelta(seconds=HANDOFF_SECONDS),
            )
        )
    return code


def redeem_handoff(db: Database, code: str) -> str | None:
    """Trade a handoff code (once, within its minute) for a new session token; None for a used, expired or
    unknown code."""
    if not code or ":" in code:
        return None
    with db.session() as s:
        handoff = s.get(RecruiterSession, token_hash(_HANDOFF + code))
        if handoff is None or handoff.revoked or _aware(handoff.expires_at) <= utcnow():
            return None
        handoff.revoked = True
        token = new_token()
        s.add(
            RecruiterSession(
                token_hash=token_hash(token),
                recruiter_id=handoff.recruiter_id,
                expires_at=utcnow() + timedelta(hours=SESSION_HOURS),
            )
        )
        who = pseudonym("recruiter", handoff.recruiter_id)
        record(s, actor=who, action="session.cookie_set", subject=who)
        return token
