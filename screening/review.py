"""Reviewing a screen: the candidates table, the candidates x key points heatmap, transcripts, and overrides.

A grade is what a grader produced; an override is a reviewer's written change to one verdict or to the score.
Overrides are append-only rows (who, when, old value, new value, reason); the *effective* grade is the newest
grade with every override on the answer applied in the order they were made. Re-grading adds a grade and keeps
the earlier ones, and a reviewer's overrides stay: one made on an earlier grade is carried onto the new grade
(marked as carried), so a re-grade never silently undoes a person's decision.

An abstained grade ("not graded", with its reason) has no score: it is left out of the candidate's average and
shows as not graded, never as 0, unless a reviewer overrides it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from grader.base import Grader
from grader.result import GradeResult, coverage_of
from rubric.model import Question
from screening.audit import record
from screening.screens import InviteInfo, _invite_info
from screening.secrets_util import pseudonym
from store.db import Database
from store.screen_queue import add_grade
from store.tables import Invite, Override, Screen, ScreenAnswer, ScreenQuestion

VERDICTS = ("covered", "partial", "missed", "contradicted")


class ReviewError(ValueError):
    pass


@dataclass(frozen=True)
class OverrideInfo:
    id: int
    reviewer: str
    at: datetime
    target: str
    old_value: str
    new_value: str
    reason: str
    grade_id: int = 0
    carried: bool = False  # made on an earlier grade and carried onto the newest


@dataclass
class AnswerView:
    answer_id: int | None
    question: Question
    answer: str | None
    status: str  # draft, pending, grading, graded, failed, not reached
    error: str | None
    seconds: float | None
    grades: list[GradeResult] = field(default_factory=list)  # oldest first
    grade_ids: list[int] = field(default_factory=list)
    overrides: list[OverrideInfo] = field(default_factory=list)  # every override on the answer, oldest first

    @property
    def grade(self) -> GradeResult | None:
        return self.grades[-1] if self.grades else None

    @property
    def not_graded(self) -> bool:
        """The grader abstained and no reviewer has graded it by hand."""
        return self.grade is not None and self.grade.abstained and not self.overrides

    def effective_verdicts(self) -> dict[str, str]:
        if self.grade is None or self.not_graded:
            return {}
        verdicts: dict[str, str] = {p.point_id: p.verdict for p in self.grade.points}
        for o in self.overrides:
            if o.target in verdicts:
                verdicts[o.target] = o.new_value
        return verdicts

    def effective_score(self) -> int | None:
        if self.grade is None or self.not_graded:
            return None
        score_overrides = [o for o in self.overrides if o.target == "score"]
        if score_overrides:
            return int(score_overrides[-1].new_value)
        verdicts = self.effective_verdicts()
        return round(100 * coverage_of([verdicts[p.point_id] for p in self.grade.points], self.grade.required))


# One set of status names for a candidate, on the Screens and the Review page alike.
STATUSES = {
    "invited": "the link is sent, nothing answered yet",
    "in progress": "answering",
    "finished": "all answered",
    "pending": "answered, grading in the background",
    "graded": "all answered and graded",
    "not graded": "all answered, but the grader graded none of it (the transcript says why)",
    "failed": "grading failed for an answer (it is kept; re-grade it)",
    "expired": "the link expired before the end",
    "revoked": "the link was withdrawn",
}


@dataclass
class CandidateView:
    invite: InviteInfo
    answers: list[AnswerView]

    @property
    def status(self) -> str:
        states = {a.status for a in self.answers if a.answer_id is not None and a.answer is not None}
        if "failed" in states:
            return "failed"
        if states & {"pending", "grading"}:
            return "pending"
        if self.invite.finished_at and states <= {"graded"}:
            answered = [a for a in self.answers if a.grade is not None]
            return "not graded" if answered and all(a.not_graded for a in answered) else "graded"
        return self.invite.status

    @property
    def score(self) -> float | None:
        """The mean effective score; an answer not reached counts 0, one the grader did not grade is left out."""
        counted = [a for a in self.answers if not a.not_graded]
        scores = [s for a in counted if (s := a.effective_score()) is not None]
        return round(sum(scores) / len(counted), 1) if scores and counted else None

    @property
    def minutes(self) -> float | None:
        if self.invite.started_at and self.invite.finished_at:
            return round((self.invite.finished_at - self.invite.started_at).total_seconds() / 60, 1)
        return None


def _owned_screen(s: object, screen_id: int, recruiter_id: int | None) -> Screen:
    screen = s.get(Screen, screen_id)  # type: ignore[attr-defined]
    if screen is None or (recruiter_id is not None and screen.recruiter_id != recruiter_id):
        raise ReviewError(f"no screen {screen_id}")
    return screen


def _owned_answer(s: object, answer_id: int, recruiter_id: int | None) -> ScreenAnswer:
    """A screen answer; with ``recruiter_id``, only one to a screen of that recruiter (others look missing)."""
    row = s.get(ScreenAnswer, answer_id)  # type: ignore[attr-defined]
    invite = s.get(Invite, row.invite_id) if row is not None else None  # type: ignore[attr-defined]
    if row is None or invite is None:
        raise ReviewError(f"no answer {answer_id}")
    try:
        _owned_screen(s, invite.screen_id, recruiter_id)
    except ReviewError:
        raise ReviewError(f"no answer {answer_id}") from None
    return row


def _overrides(row: ScreenAnswer) -> list[OverrideInfo]:
    """Every override on the answer, oldest first, each marked carried if made on an earlier grade."""
    newest = row.grades[-1].id
    return [
        OverrideInfo(
            o.id, o.reviewer_name, o.at, o.target, o.old_value, o.new_value, o.reason, o.grade_id, o.grade_id != newest
        )
        for o in sorted(row.overrides, key=lambda o: o.id)
    ]


def candidate(db: Database, invite_id: int, recruiter_id: int | None = None) -> CandidateView:
    with db.session() as s:
        invite = s.get(Invite, invite_id)
        if invite is None:
            raise ReviewError(f"no candidate {invite_id}")
        screen = _owned_screen(s, invite.screen_id, recruiter_id)
        rows = {
            a.screen_question_id: a for a in s.scalars(select(ScreenAnswer).where(ScreenAnswer.invite_id == invite_id))
        }
        answers = []
        for sq in screen.questions:
            row = rows.get(sq.id)
            question = Question.model_validate(sq.question)
            if row is None:
                answers.append(AnswerView(None, question, None, "not reached", None, None))
                continue
            view = AnswerView(
                answer_id=row.id,
                question=question,
                answer=row.answer,
                status=row.status if row.submitted_at else "draft",
                error=row.error,
                seconds=(row.submitted_at - row.shown_at).total_seconds() if row.submitted_at else None,
                grades=[GradeResult.model_validate(g.result) for g in row.grades],
                grade_ids=[g.id for g in row.grades],
            )
            if row.grades:
                view.overrides = _overrides(row)
            answers.append(view)
        return CandidateView(_invite_info(invite), answers)


def candidates(db: Database, screen_id: int, recruiter_id: int | None = None) -> list[CandidateView]:
    with db.session() as s:
        _owned_screen(s, screen_id, recruiter_id)
        ids = list(s.scalars(select(Invite.id).where(Invite.screen_id == screen_id).order_by(Invite.id)))
    return [candidate(db, i, recruiter_id) for i in ids]


def heatmap(views: list[CandidateView]) -> tuple[list[str], list[str], list[list[str]]]:
    """(candidate names, point labels, matrix of effective verdicts or "" where not graded)."""
    if not views:
        return [], [], []
    columns: list[tuple[str, str]] = []
    for n, a in enumerate(views[0].answers, start=1):  # "Q2 · snapshots": the question's place, the point's name
        columns += [(p.id, f"Q{n} · {p.label}") for p in a.question.points]
    rows = []
    for v in views:
        verdicts: dict[str, str] = {}
        for a in v.answers:
            verdicts.update(a.effective_verdicts())
        rows.append([verdicts.get(point_id, "") for point_id, _ in columns])
    return [v.invite.candidate_name for v in views], [label for _, label in columns], rows


def override(
    db: Database,
    answer_id: int,
    target: str,
    new_value: str,
    reason: str,
    reviewer_id: int,
    reviewer_name: str,
) -> None:
    """Append a reviewer's change to one verdict (``target`` = point id) or to the score (``target`` = "score").
    Only on an answer to one of the reviewer's own screens."""
    if len(reason.strip()) < 5:
        raise ReviewError("an override needs a written reason")
    with db.session() as s:
        row = _owned_answer(s, answer_id, reviewer_id)
        if not row.grades:
            raise ReviewError("only a graded answer can be overridden")
        newest = row.grades[-1]
        result = GradeResult.model_validate(newest.result)
        current: dict[str, str] = {p.point_id: p.verdict for p in result.points}
        earlier = _overrides(row)
        for o in earlier:
            if o.target in current:
                current[o.target] = o.new_value
        score_now = [o.new_value for o in earlier if o.target == "score"]
        if target == "score":
            if not new_value.isdigit() or not 0 <= int(new_value) <= 100:
                raise ReviewError("a score is a whole number from 0 to 100")
            old = score_now[-1] if score_now else str(round(100 * coverage_of(list(current.values()), result.required)))
        elif target in current:
            if new_value not in VERDICTS:
                raise ReviewError("a verdict is covered, partial, missed or contradicted")
            old = current[target]
        else:
            raise ReviewError(f"{target} is not a key point of this question")
        if old == new_value:
            raise ReviewError("that is already the value")
        s.add(
            Override(
                screen_answer_id=answer_id,
                grade_id=newest.id,
                reviewer_id=reviewer_id,
                reviewer_name=reviewer_name,
                target=target,
                old_value=old,
                new_value=new_value,
                reason=reason.strip(),
            )
        )
        labels = {p.point_id: p.label for p in result.points}
        record(
            s,
            actor=pseudonym("recruiter", reviewer_id),
            action="grade.overridden",
            subject=pseudonym("answer", answer_id),
            detail=f"{labels.get(target, target)} ({target}): {old} -> {new_value}",
        )


def regrade(db: Database, answer_id: int, result: GradeResult, recruiter_id: int | None = None) -> None:
    """Store a new grade (another grader or prompt version); earlier grades and their overrides stay. With
    ``recruiter_id``, only on an answer to that recruiter's own screen."""
    with db.session() as s:
        _owned_answer(s, answer_id, recruiter_id)
        add_grade(s, answer_id, result)


def regrade_answer(db: Database, answer_id: int, grader: Grader, recruiter_id: int | None = None) -> GradeResult:
    """Grade the submitted answer again through the grading pipeline and keep the new grade beside the old."""
    question, answer = screen_question(db, answer_id, recruiter_id)
    result = grader.grade(question, answer)
    regrade(db, answer_id, result, recruiter_id)
    return result


def screen_question(db: Database, answer_id: int, recruiter_id: int | None = None) -> tuple[Question, str]:
    """The question and submitted answer text; with ``recruiter_id``, only for that recruiter's own screen."""
    with db.session() as s:
        row = _owned_answer(s, answer_id, recruiter_id)
        if row.answer is None:
            raise ReviewError("no submitted answer")
        sq = s.get(ScreenQuestion, row.screen_question_id)
        return Question.model_validate(sq.question), row.answer  # type: ignore[union-attr]


def grade_line(a: AnswerView) -> str:
    """How an answer's grade reads in a transcript or report: its effective score, or why it was not graded."""
    if a.grade is None:
        return f"grading {a.status}" + (f": {a.error}" if a.error else "")
    if a.not_graded:
        return f"not graded ({a.grade.abstain_reason})"
    score = a.effective_score()
    said = f" (the grader said {a.grade.score})" if score != a.grade.score and not a.grade.abstained else ""
    return f"score {score}/100{said}"


def override_line(o: OverrideInfo, labels: dict[str, str]) -> str:
    """One override as people read it: when, who, what changed (by name), why, and whether it was carried."""
    what = "score" if o.target == "score" else labels.get(o.target, o.target)
    carried = " (made on an earlier grade, kept after re-grading)" if o.carried else ""
    return f"{o.at:%Y-%m-%d %H:%M} {o.reviewer}: {what} {o.old_value} → {o.new_value}{carried}. Reason: {o.reason}"


def override_record(o: OverrideInfo, labels: dict[str, str]) -> dict[str, object]:
    """An override for the JSON export."""
    return {
        "id": o.id,
        "reviewer": o.reviewer,
        "at": o.at.isoformat(),
        "target": o.target,
        "target_label": "score" if o.target == "score" else labels.get(o.target, o.target),
        "old_value": o.old_value,
        "new_value": o.new_value,
        "reason": o.reason,
        "made_on_grade": o.grade_id,
        "carried_from_earlier_grade": o.carried,
    }
