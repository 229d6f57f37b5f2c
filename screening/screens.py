"""Screens and their private invite links."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import get_settings
from rubric.model import Bank, KeyPoint, Question
from screening import limits
from screening.audit import record
from screening.secrets_util import new_token, pseudonym, token_hash
from store.db import Database
from store.tables import Invite, Screen, ScreenQuestion, utcnow

INVITE_DAYS = 14


class InviteError(LookupError):
    """A link that opens nothing: unknown, expired or revoked. The message is safe to show to anyone."""


@dataclass(frozen=True)
class ScreenInfo:
    id: int
    title: str
    instructions: str
    grader: str
    seconds_per_question: int | None
    questions: list[tuple[int, Question]]  # (screen question id, question)
    created_at: datetime


@dataclass(frozen=True)
class InviteInfo:
    id: int
    screen_id: int
    candidate_name: str
    candidate_email: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    consent_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.finished_at:
            return "finished"
        if aware(self.expires_at) <= utcnow():
            return "expired"
        return "in progress" if self.started_at else "invited"


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def parse_custom_questions(text: str) -> list[Question]:
    """A recruiter's custom questions as typed: blocks separated by a blank line, the first line the question,
    each further line a key point ("label: what a good answer says", or just what it says). ValueError says
    which block is incomplete."""
    questions = []
    blocks = [b for b in text.strip().split("\n\n") if b.strip()]
    for n, block in enumerate(blocks, start=1):
        lines = [ln.strip() for ln in block.strip().splitlines() if ln.strip()]
        if len(lines) < 2:
            raise ValueError(f"custom question {n} needs the question and at least one key point line")
        points = [tuple(p.split(":", 1)) if ":" in p else (p[:40], p) for p in lines[1:]]
        questions.append(custom_question(n, lines[0], [(a.strip(), b.strip()) for a, b in points]))
    return questions


def custom_question(number: int, text: str, points: list[tuple[str, str]]) -> Question:
    """A question a recruiter writes with its own key points ((label, text) pairs)."""
    qid = f"custom-{number}"
    return Question(
        id=qid,
        number=number,
        section=1,
        section_title="Custom",
        text=text.strip(),
        logic="; ".join(t for _, t in points),
        points=[
            KeyPoint(id=f"{qid}.{i}", label=label.strip() or t.strip()[:40], text=t.strip())
            for i, (label, t) in enumerate(points, start=1)
        ],
        review="reviewed",
    )


@dataclass(frozen=True)
class ScreenDraft:
    """What the screen builder holds: bank questions picked by section or id, and custom questions as typed."""

    title: str
    instructions: str = ""
    sections: Sequence[int] = ()
    question_ids: Sequence[str] = ()
    custom: str = ""
    grader: str = "offline"
    minutes_per_question: int = 0

    def questions(self, bank: Bank) -> list[Question]:
        """The picked bank questions in bank order, then the custom ones (ValueError names a bad block)."""
        picked = [q for q in bank.questions if q.section in self.sections or q.id in self.question_ids]
        return picked + parse_custom_questions(self.custom)


def build_screen(db: Database, recruiter_id: int, bank: Bank, draft: ScreenDraft) -> tuple[int, int]:
    """Create the screen a builder describes; returns (screen id, number of questions). ValueError says what is
    missing or wrong, and nothing is created."""
    questions = draft.questions(bank)
    screen_id = create_screen(
        db,
        recruiter_id,
        draft.title,
        draft.instructions,
        questions,
        draft.grader,
        int(draft.minutes_per_question) * 60 or None,
        from_bank=bank,
    )
    return screen_id, len(questions)


def invite_link(token: str, request_host: str | None = None) -> str:
    """The private link to send: on the ``base_url`` setting (INTERVIEW_GRADER_BASE_URL) when it is set, else on
    the host the recruiter's browser reached."""
    configured = get_settings().base_url
    if configured:
        base = configured.rstrip("/")
    else:
        base = f"http://{request_host}" if request_host else "http://127.0.0.1:8501"
    return f"{base}/?invite={token}"


def create_screen(
    db: Database,
    recruiter_id: int,
    title: str,
    instructions: str,
    questions: list[Question],
    grader: str = "offline",
    seconds_per_question: int | None = None,
    from_bank: Bank | None = None,
) -> int:
    """A new screen; questions that are ``from_bank``'s own (unchanged) remember that bank, so that a re-grade
    against a newer version of it finds them."""
    if not title.strip():
        raise ValueError("a screen needs a title")
    if "\x00" in title + instructions:
        raise ValueError("the title and instructions must be plain text (they contain a NUL character)")
    if not questions:
        raise ValueError("a screen needs at least one question")
    if grader not in ("offline", "llm"):
        raise ValueError("the grader is offline or llm")
    stamp = from_bank.version_stamp() if from_bank else None  # hashes the whole bank: once per screen
    with db.session() as s:
        screen = Screen(
            recruiter_id=recruiter_id,
            title=title.strip()[:200],
            instructions=instructions.strip(),
            grader=grader,
            seconds_per_question=seconds_per_question or None,
            questions=[
                ScreenQuestion(
                    position=i,
                    question=q.model_dump(mode="json"),
                    bank_id=(origin := _origin(from_bank, q)),
                    bank_version=stamp if origin else None,
                )
                for i, q in enumerate(questions)
            ],
        )
        s.add(screen)
        s.flush()
        record(
            s,
            actor=pseudonym("recruiter", recruiter_id),
            action="screen.created",
            subject=pseudonym("screen", screen.id),
            detail=f"{len(questions)} questions",
        )
        return screen.id


def _origin(bank: Bank | None, question: Question) -> str | None:
    if bank is None:
        return None
    try:
        return bank.id if bank.get(question.id) == question else None
    except KeyError:
        return None


def _info(screen: Screen) -> ScreenInfo:
    return ScreenInfo(
        id=screen.id,
        title=screen.title,
        instructions=screen.instructions,
        grader=screen.grader,
        seconds_per_question=screen.seconds_per_question,
        questions=[(sq.id, Question.model_validate(sq.question)) for sq in screen.questions],
        created_at=screen.created_at,
    )


def _owned(s: Session, screen_id: int, recruiter_id: int | None) -> Screen:
    """The screen, if it exists and (with ``recruiter_id``) belongs to that recruiter; KeyError otherwise."""
    row = s.get(Screen, screen_id)
    if row is None or (recruiter_id is not None and row.recruiter_id != recruiter_id):
        raise KeyError(f"no screen {screen_id}")
    return row


def screens_of(db: Database, recruiter_id: int) -> list[ScreenInfo]:
    with db.session() as s:
        rows = s.scalars(select(Screen).where(Screen.recruiter_id == recruiter_id).order_by(Screen.id.desc()))
        return [_info(r) for r in rows]


def screen(db: Database, screen_id: int, recruiter_id: int | None = None) -> ScreenInfo:
    """A screen; with ``recruiter_id``, only if that recruiter owns it."""
    with db.session() as s:
        return _info(_owned(s, screen_id, recruiter_id))


def _invite_info(row: Invite) -> InviteInfo:
    return InviteInfo(
        row.id,
        row.screen_id,
        row.candidate_name,
        row.candidate_email,
        row.created_at,
        row.expires_at,
        row.revoked_at,
        row.consent_at,
        row.started_at,
        row.finished_at,
    )


def invite(
    db: Database,
    screen_id: int,
    name: str,
    email: str,
    days: int = INVITE_DAYS,
    actor: str = "system",
    recruiter_id: int | None = None,
) -> tuple[InviteInfo, str]:
    """A new invite and its token. The token is returned once; only its hash is kept. With ``recruiter_id``,
    only on that recruiter's own screen."""
    if not name.strip():
        raise ValueError("the candidate needs a name")
    for what, value in (("name", name), ("e-mail", email)):
        if any(unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") for ch in value):
            # a line break would break out of the reports' headings and table cells; NUL cannot be stored in PostgreSQL
            raise ValueError(f"the candidate's {what} must be one line of plain text, without control characters")
    token = new_token()
    with db.session() as s:
        _owned(s, screen_id, recruiter_id)
        row = Invite(
            screen_id=screen_id,
            candidate_name=name.strip()[:200],
            candidate_email=email.strip()[:254],
            token_hash=token_hash(token),
            expires_at=utcnow() + timedelta(days=days),
        )
        s.add(row)
        s.flush()
        record(
            s,
            actor=actor,
            action="invite.created",
            subject=pseudonym("invite", row.id),
            detail=f"screen {pseudonym('screen', screen_id)}, valid {days} days",
        )
        return _invite_info(row), token


def revoke(db: Database, invite_id: int, actor: str = "system", recruiter_id: int | None = None) -> None:
    """Withdraw a link; with ``recruiter_id``, only one to that recruiter's own screen."""
    with db.session() as s:
        row = s.get(Invite, invite_id)
        if row is None:
            raise KeyError(f"no invite {invite_id}")
        try:
            _owned(s, row.screen_id, recruiter_id)
        except KeyError:
            raise KeyError(f"no invite {invite_id}") from None
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            record(s, actor=actor, action="invite.revoked", subject=pseudonym("invite", invite_id))


def invites_of(db: Database, screen_id: int, recruiter_id: int | None = None) -> list[InviteInfo]:
    """A screen's invites; with ``recruiter_id``, KeyError unless the screen is that recruiter's."""
    with db.session() as s:
        _owned(s, screen_id, recruiter_id)
        rows = s.scalars(select(Invite).where(Invite.screen_id == screen_id).order_by(Invite.id))
        return [_invite_info(r) for r in rows]


NOT_VALID = "this link is not valid"


def refuse_if_closed(revoked_at: datetime | None, expires_at: datetime) -> None:
    """InviteError for a withdrawn or expired link."""
    if revoked_at:
        raise InviteError("this link has been withdrawn; contact the recruiter who sent it")
    if aware(expires_at) <= utcnow():
        raise InviteError("this link has expired; contact the recruiter who sent it")


def open_invite(db: Database, token: str | None, client: str | None = None) -> InviteInfo:
    """The invite a link's token opens, or InviteError. A token opens its own screen and nothing else.

    With ``client`` (the app passes the browser's address, or a fixed key when it is unknown), wrong tokens
    are counted per client and too many refuse every token from that client for a while (RateLimited), so
    links cannot be guessed; expired and withdrawn links are real links and are not counted."""
    client_key = pseudonym("client", client) if client is not None else None
    if client_key is not None:
        with db.session() as s:
            limits.check(s, limits.WRONG_INVITE_TOKENS, client_key)
    info = None
    if token and len(token) <= 200:
        with db.session() as s:
            row = s.scalar(select(Invite).where(Invite.token_hash == token_hash(token)))
            info = _invite_info(row) if row is not None else None
    if info is None:
        if client_key is not None:
            with db.session() as s:
                limits.count(s, limits.WRONG_INVITE_TOKENS, client_key)
        raise InviteError(NOT_VALID)
    refuse_if_closed(info.revoked_at, info.expires_at)
    return info
