"""A learner's practice session as a service: what the practice page calls and draws. It owns the flow (asking
a question, finding a typed question's rubric, saving and grading an answer, probing a missed point, trying
again, retrying a failed grade) over the conversation state (:class:`practice.chat.PracticeChat`), the practice
store and the rubric index. Nothing here knows Streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from grader.answer_checks import AnswerError
from grader.base import MAX_ANSWER_CHARS, Grader
from grader.result import GradeResult
from practice.chat import PracticeChat, compare
from practice.probes import merged_verdicts, probe_text, single_point_question
from practice.questions import pick_question, weakest_question
from practice.service import Outcome, Progress, grade_attempt, no_progress, submit
from rubric.index import NoMatchingRubric, RubricIndex
from rubric.model import Bank, KeyPoint, Question
from store.db import StoreError
from store.practice_store import AttemptRecord, PracticeStore
from store.practice_store import Progress as LearnerProgress

LIMIT = MAX_ANSWER_CHARS


@dataclass(frozen=True)
class Sent:
    """What became of an answer sent: saved as ``attempt_id`` (graded, or failed with ``grading_error``), or not
    saved, with ``error`` to show and the answer to give back (``kept``) when it could not be stored."""

    attempt_id: int | None = None
    grading_error: str | None = None
    error: str | None = None
    kept: str | None = None


@dataclass(frozen=True)
class NoMatch:
    """A typed question with no rubric close enough: the message, and the sections of the closest questions."""

    message: str
    sections: list[int]


@dataclass(frozen=True)
class QuestionTurn:
    first: bool  # the question as first asked (else "try again")
    matched_from: str | None  # the learner's own wording, when it was matched to this bank question


@dataclass(frozen=True)
class ProbeTurn:
    text: str


@dataclass(frozen=True)
class AnswerTurn:
    kind: Literal["answer", "probe_answer"]
    record: AttemptRecord
    change: str | None = None  # how this try compares with the one before it
    merged: list[dict[str, str]] | None = None  # a probe reply: each point's verdict before and with it


Turn = QuestionTurn | ProbeTurn | AnswerTurn


def over_limit(answer: str) -> str | None:
    """Why an answer is too long to send, or None."""
    if len(answer) <= LIMIT:
        return None
    return (
        f"Your answer is {len(answer):,} characters, {len(answer) - LIMIT:,} over the {LIMIT:,}-character limit, "
        "so it was not sent. It is kept below: shorten it and send it again."
    )


class PracticeSession:
    def __init__(
        self, store: PracticeStore, index: RubricIndex, chat: PracticeChat, learner_id: int | None = None
    ) -> None:
        self.store, self.index, self.chat, self.learner_id = store, index, chat, learner_id

    @property
    def bank(self) -> Bank:
        return self.index.bank

    @property
    def question(self) -> Question | None:
        return self.bank.get(self.chat.question_id) if self.chat.question_id else None

    def progress(self) -> LearnerProgress:
        """The learner's progress over the bank (nothing yet when no learner is known)."""
        if self.learner_id is None:
            return LearnerProgress([], [], [q.id for q in self.bank.questions], [])
        return self.store.progress(self.learner_id, self.bank)

    # --- choosing a question
    def ask(self, section: int | None = None, avoid: Iterable[str] = ()) -> Question:
        """A new question from ``section`` (any when None), preferring ones this learner has not tried."""
        tried = {a.question_id for a in self.store.history(self.learner_id)} if self.learner_id else set()
        question = pick_question(self.bank, section, avoid=set(avoid) | tried)
        self.chat.start(question)
        return question

    def ask_next(self, section: int | None = None) -> Question:
        return self.ask(section, avoid={self.chat.question_id} if self.chat.question_id else set())

    def ask_question(self, question: Question) -> None:
        self.chat.start(question)

    def ask_weakest(self, progress: LearnerProgress) -> Question:
        """The question the learner is weakest on (or has never tried), asked afresh."""
        question = weakest_question(self.bank, progress.never_tried, progress.weakest)
        self.chat.start(question)
        return question

    def find(self, text: str) -> NoMatch | None:
        """Ask the bank question ``text`` words; a NoMatch (with nearby sections) when none is close enough."""
        if not text.strip():
            return NoMatch("Type a question first.", [])
        try:
            match = self.index.resolve(text)
        except NoMatchingRubric as miss:
            sections: list[int] = []
            for m in miss.suggestions:
                if m.question.section not in sections:
                    sections.append(m.question.section)
            return NoMatch(
                "No matching rubric for that question, so it cannot be graded. The closest questions are in:",
                sections,
            )
        self.chat.start(match.question, matched_from=text.strip())
        return None

    # --- answering
    def send(self, answer: str, grader: Grader, progress: Progress = no_progress) -> Sent:
        """Save the answer to the current question (or probe), then grade it. An answer that cannot be kept or
        saved comes back in :class:`Sent` with the reason; a grading failure leaves it saved and retryable."""
        question = self.question
        if question is None or self.learner_id is None:
            return Sent(error="There is no question to answer yet.", kept=answer)
        s = self.chat.submission(question)
        try:
            outcome = submit(
                self.store,
                self.learner_id,
                self.bank.id,
                question,
                answer,
                grader,
                kind=s.kind,
                parent_id=s.parent_id,
                probe_point_id=s.probe_point_id,
                graded_question=s.graded_question,
                bank_version=self.bank.version_stamp(),
                progress=progress,
            )
        except AnswerError as err:
            return Sent(error=f"{err}. Nothing was saved; change the answer and send it again.")
        except Exception as err:  # the database is down or locked: say so and give the text back
            reason = str(err) if isinstance(err, StoreError) else type(err).__name__
            return Sent(
                error=f"Your answer could not be saved: {reason}. Nothing was graded; copy it and try again.",
                kept=answer,
            )
        self.chat.answered(outcome.attempt_id)
        return Sent(attempt_id=outcome.attempt_id, grading_error=outcome.error)

    def retry_grading(self, attempt_id: int, grader: Grader) -> Outcome:
        record = self.store.attempt(attempt_id)
        graded = self.bank.get(record.question_id)
        if record.probe_point_id:
            graded = single_point_question(graded, graded.point(record.probe_point_id))
        return grade_attempt(
            self.store, record.id, graded, record.answer, grader, bank_version=self.bank.version_stamp()
        )

    # --- after a graded answer
    def probe_candidate(self) -> KeyPoint | None:
        """The missed point a probe would ask about, when the conversation is at a graded answer."""
        question = self.question
        if question is None or self.chat.main_attempt is None:
            return None
        return self.chat.probe_candidate(question, self.store.attempt(self.chat.main_attempt).grade)

    def probe(self, point: KeyPoint) -> None:
        self.chat.probe(point)

    def try_again(self) -> None:
        self.chat.try_again()

    # --- what to draw
    def turns(self) -> list[Turn]:
        """The conversation so far, with each answer's record, its change since the try before, and for a probe
        reply the question's verdicts with and without it."""
        question = self.question
        if question is None:
            return []
        out: list[Turn] = []
        original: GradeResult | None = None
        earlier: GradeResult | None = None
        for n, turn in enumerate(self.chat.turns):
            if turn.kind == "question":
                out.append(QuestionTurn(first=n == 0, matched_from=self.chat.matched_from if n == 0 else None))
            elif turn.kind == "probe" and turn.point_id:
                out.append(ProbeTurn(probe_text(question, question.point(turn.point_id))))
            elif turn.attempt_id is not None:
                record = self.store.attempt(turn.attempt_id)
                if turn.kind == "answer":
                    change = compare(earlier, record.grade) if earlier and record.grade else None
                    out.append(AnswerTurn("answer", record, change.summary() if change else None))
                    if record.grade is not None:
                        earlier = original = record.grade
                else:
                    out.append(AnswerTurn("probe_answer", record, merged=_merged(question, original, record)))
        return out


def _merged(question: Question, original: GradeResult | None, record: AttemptRecord) -> list[dict[str, str]] | None:
    if original is None or record.grade is None or record.grade.abstained:
        return None
    merged = merged_verdicts(original, [record.grade])
    return [
        {
            "key point": question.point(p.point_id).label,
            "first answer": p.verdict,
            "with the follow-up": merged[p.point_id][0],
        }
        for p in original.points
    ]
