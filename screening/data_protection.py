"""Deleting a candidate on request, and purging old screens: the data goes, a log line without it stays."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from config.settings import get_settings
from screening.audit import record
from screening.secrets_util import pseudonym
from store.db import Database
from store.tables import Invite, Screen, ScreenAnswer, utcnow

DEFAULT_RETENTION_DAYS = 365


def delete_candidate(db: Database, invite_id: int, actor: str, recruiter_id: int | None = None) -> int:
    """Remove the candidate's invite, answers, grades and overrides; returns how many answers went. With
    ``recruiter_id``, only a candidate of that recruiter's own screen (others look missing)."""
    with db.session() as s:
        invite = s.get(Invite, invite_id)
        screen = s.get(Screen, invite.screen_id) if invite is not None else None
        if invite is None or (recruiter_id is not None and (screen is None or screen.recruiter_id != recruiter_id)):
            raise KeyError(f"no candidate {invite_id}")
        answers = s.scalar(select(func.count()).select_from(ScreenAnswer).where(ScreenAnswer.invite_id == invite_id))
        s.delete(invite)
        record(
            s,
            actor=actor,
            action="candidate.deleted",
            subject=pseudonym("invite", invite_id),
            detail=f"{answers} answers removed on request",
        )
        return int(answers or 0)


def retention_days() -> int:
    """The ``retention_days`` setting (INTERVIEW_GRADER_RETENTION_DAYS), else DEFAULT_RETENTION_DAYS."""
    return get_settings().retention_days or DEFAULT_RETENTION_DAYS


def purge_old_screens(db: Database, days: int | None = None, actor: str = "retention") -> int:
    """Delete screens (with their invites and answers) created more than ``days`` ago; returns how many."""
    cutoff = utcnow() - timedelta(days=days or retention_days())
    with db.session() as s:
        old = list(s.scalars(select(Screen).where(Screen.created_at < cutoff)))
        for screen in old:
            for invite in s.scalars(select(Invite).where(Invite.screen_id == screen.id)):
                s.delete(invite)
            record(
                s,
                actor=actor,
                action="screen.purged",
                subject=pseudonym("screen", screen.id),
                detail=f"older than {days or retention_days()} days",
            )
            s.delete(screen)
        return len(old)
