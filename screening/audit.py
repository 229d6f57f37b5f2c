"""The audit trail: who did what to what, with pseudonymous identifiers and never any answer text."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from store.tables import AuditEvent

log = logging.getLogger("interview_grader.audit")


def record(session: Session, *, actor: str, action: str, subject: str, detail: str = "") -> None:
    session.add(AuditEvent(actor=actor[:64], action=action[:64], subject=subject[:64], detail=detail[:500]))
    log.info("%s %s %s %s", action, actor, subject, detail)
