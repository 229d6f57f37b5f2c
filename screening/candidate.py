"""What a candidate does through the link: consent, one question at a time, drafts saved as they type,
answers saved on submit, resume after closing the browser. Candidates never see grades or rubrics: nothing
here returns them.

Every function takes the invite the link opened and refuses (InviteError) once that invite is withdrawn or
expired, even in a page opened before. An answer is always the invite's own: a question id of another screen,
or of a question this invite has not reached, is refused (QuestionError). Draft saves and submits are rate
limited per invite (``screening.limits``); a refused request changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.answer_checks import check_answer
from grader.base import MAX_ANSWER_CHARS
from screening import limits
from screening.audit import record
from screening.screens import NOT_VALID, InviteError, aware, refuse_if_closed
from screening.secrets_util import pseudonym
from store.db import Database
from store.tables import Invite, Screen, ScreenAnswer, ScreenQuestion, utcnow

DRAFT_CHARS = 5 * MAX_ANSWER_CHARS  # a draft keeps a long paste so it can be shortened; beyond this it is cut


class QuestionError(KeyError):
    """A question id this invite may not read or write: another screen's, or one not reached yet."""

    def __str__(self) -> str:
        return "this question is not open for this link"


@dataclass(frozen=True)
class CandidateQuestion:
    screen_question_id: int
    position: int  # 1-based
    total: int
    text: str  # the question only; the rubric never leaves the server side
    draft: str
    deadline: datetime | None


@dataclass(frozen=True)
class ScreenIntro:
    title: str
    instructions: str
    questions: int
    seconds_per_question: int | None
    consented: bool
    finished: bool


def intro(db: Database, invite_id: int) -> ScreenIntro:
    with db.session() as s:
        invite = s.get(Invite, invite_id)
        screen = s.get(Screen, invite.screen_id) if invite else None
        if invite is None or screen is None:
            raise KeyError(invite_id)
        return ScreenIntro(
            screen.title,
            screen.instructions,
            len(screen.questions),
            screen.seconds_per_question,
            invite.consent_at is not None,
            invite.finished_at is not None,
        )


def _open(s: Session, invite_id: int) -> Invite:
    """The invite, if its link still opens; InviteError otherwise."""
    invite = s.get(Invite, invite_id)
    if invite is None:
        raise InviteError(NOT_VALID)
    refuse_if_closed(invite.revoked_at, invite.expires_at)
    return invite


def consent(db: Database, invite_id: int) -> None:
    with db.session() as s:
        invite = _open(s, invite_id)
        if invite.consent_at is None:
            invite.consent_at = utcnow()
            record(
                s,
                actor=pseudonym("invite", invite_id),
                action="candidate.consented",
                subject=pseudonym("invite", invite_id),
            )


def current_question(db: Database, invite_id: int) -> CandidateQuestion | None:
    """The first question not yet submitted (shown now if it was never shown); None when all are done."""
    with db.session() as s:
        invite = _open(s, invite_id)
        if invite.consent_at is None:
            return None
        screen = s.get(Screen, invite.screen_id)
        assert screen is not None
        answers = {
            a.screen_question_id: a for a in s.scalars(select(ScreenAnswer).where(ScreenAnswer.invite_id == invite_id))
        }
        for position, sq in enumerate(screen.questions, start=1):
            answer = answers.get(sq.id)
            if answer is not None and answer.submitted_at is not None:
                continue
            if answer is None:
                answer = ScreenAnswer(invite_id=invite_id, screen_question_id=sq.id, draft="", status="draft")
                s.add(answer)
                s.flush()
                if invite.started_at is None:
                    invite.started_at = utcnow()
            deadline = None
            if screen.seconds_per_question:
                deadline = aware(answer.shown_at) + timedelta(seconds=screen.seconds_per_question)
            return CandidateQuestion(
                sq.id, position, len(screen.questions), str(sq.question["text"]), answer.draft, deadline
            )
        _finish_if_done(s, invite_id)
        return None


def _answer_row(s: Session, invite_id: int, screen_question_id: int) -> ScreenAnswer:
    """This invite's own answer row for a question it has been shown; QuestionError for anything else."""
    _open(s, invite_id)
    row = s.scalar(
        select(ScreenAnswer).where(
            ScreenAnswer.invite_id == invite_id, ScreenAnswer.screen_question_id == screen_question_id
        )
    )
    if row is None:
        raise QuestionError(screen_question_id)
    return row


def save_draft(db: Database, invite_id: int, screen_question_id: int, text: str) -> None:
    """Autosave while typing; a submitted answer is never changed by a late draft. RateLimited after
    ``limits.DRAFT_SAVES`` saves a minute through one invite."""
    limits.hit(db, limits.DRAFT_SAVES, pseudonym("invite", invite_id))
    with db.session() as s:
        row = _answer_row(s, invite_id, screen_question_id)
        if row.submitted_at is None:
            # NUL cannot be stored in PostgreSQL text; a draft keeps everything else (submit refuses NUL clearly).
            # A draft may run over the answer limit (a long paste is kept so it can be shortened), up to a cap.
            row.draft = text[:DRAFT_CHARS].replace("\x00", "")


def submitted_answers(db: Database, invite_id: int) -> list[tuple[str, str]]:
    """(question text, submitted answer) for this invite's submitted answers, in the screen's order."""
    with db.session() as s:
        invite = _open(s, invite_id)
        screen = s.get(Screen, invite.screen_id)
        assert screen is not None
        rows = {
            a.screen_question_id: a for a in s.scalars(select(ScreenAnswer).where(ScreenAnswer.invite_id == invite_id))
        }
        return [
            (str(sq.question["text"]), rows[sq.id].answer or "")
            for sq in screen.questions
            if sq.id in rows and rows[sq.id].submitted_at is not None
        ]


def submit(db: Database, invite_id: int, screen_question_id: int, text: str) -> None:
    """Save the answer (pending grading). Submitting twice keeps the first answer. RateLimited after
    ``limits.SUBMITS`` submits a minute through one invite."""
    limits.hit(db, limits.SUBMITS, pseudonym("invite", invite_id))
    check_answer(text)
    with db.session() as s:
        row = _answer_row(s, invite_id, screen_question_id)
        if row.submitted_at is not None:
            return
        question = s.get(ScreenQuestion, screen_question_id)
        if question is None:
            raise KeyError(screen_question_id)
        row.answer = text
        row.draft = text
        row.submitted_at = utcnow()
        row.status = "pending"
        record(
            s,
            actor=pseudonym("invite", invite_id),
            action="answer.submitted",
            subject=pseudonym("answer", row.id),
            detail=f"{len(text.split())} words",
        )
        s.flush()
        _finish_if_done(s, invite_id)


def _finish_if_done(s: Session, invite_id: int) -> None:
    """Mark the screen finished once every question has a submitted answer."""
    invite = s.get(Invite, invite_id)
    screen = s.get(Screen, invite.screen_id) if invite else None
    if invite is None or screen is None or invite.finished_at is not None:
        return
    submitted = set(
        s.scalars(
            select(ScreenAnswer.screen_question_id).where(
                ScreenAnswer.invite_id == invite_id, ScreenAnswer.submitted_at.is_not(None)
            )
        )
    )
    if {q.id for q in screen.questions} <= submitted:
        invite.finished_at = utcnow()
        record(
            s, actor=pseudonym("invite", invite_id), action="candidate.finished", subject=pseudonym("invite", invite_id)
        )
