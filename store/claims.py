"""Leases for grading work. Whoever grades an answer first claims it: a conditional UPDATE sets a fresh claim
token and a lease. Only the holder of the current token may store the result, in the same transaction as the
status change, so an answer gets exactly one grade even when a lease expired and two workers graded it.
A process killed mid-grade leaves an expired lease behind; the next pass claims the answer again.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta

DEFAULT_LEASE_S = 300.0


def lease() -> timedelta:
    """How long a claim holds: INTERVIEW_GRADER_LEASE_SECONDS, default 5 minutes (longer than the LLM client's
    timeout times its retries)."""
    raw = os.environ.get("INTERVIEW_GRADER_LEASE_SECONDS", "")
    try:
        seconds = float(raw) if raw else DEFAULT_LEASE_S
    except ValueError:
        seconds = DEFAULT_LEASE_S
    return timedelta(seconds=max(seconds, 1.0))


def new_claim_token() -> str:
    return secrets.token_hex(16)
