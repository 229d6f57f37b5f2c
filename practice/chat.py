"""The practice conversation as plain data: which question is asked, the turns so far (question, answer, probe,
probe reply), the phase, and what the next answer is (a first answer, a retry of the question, or a reply to a
probe). The page keeps one of these in its session and draws it; nothing here knows Streamlit.

    idle -> answer -> graded -> (probe -> probed) -> answer (try again) ... -> next question
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from grader.result import CREDIT, GradeResult
from practice.probes import probe_point, single_point_question
from practice.service import Submission
from rubric.model import KeyPoint, Question

Phase = Literal["idle", "answer", "graded", "probe", "probed"]
TurnKind = Literal["question", "answer", "probe", "probe_answer"]


@dataclass(frozen=True)
class Turn:
    kind: TurnKind
    attempt_id: int | None = None
    point_id: str | None = None


@dataclass
class PracticeChat:
    question_id: str | None = None
    matched_from: str | None = None  # the question as the learner typed it, when matched to a bank question
    turns: list[Turn] = field(default_factory=list)
    phase: Phase = "idle"
    main_attempt: int | None = None  # the newest answer to the question itself (not a probe reply)
    earlier_attempts: list[int] = field(default_factory=list)  # earlier tries of the question, oldest first
    probe_point_id: str | None = None

    def start(self, question: Question, matched_from: str | None = None) -> None:
        """Ask ``question`` afresh: a new conversation about it."""
        self.question_id = question.id
        self.matched_from = matched_from
        self.turns = [Turn("question")]
        self.phase = "answer"
        self.main_attempt = None
        self.earlier_attempts = []
        self.probe_point_id = None

    def try_again(self) -> None:
        """Answer the same question again: the question is asked once more, and the earlier attempt stays in the
        conversation to compare with."""
        self.turns.append(Turn("question"))
        if self.main_attempt is not None:
            self.earlier_attempts.append(self.main_attempt)
        self.phase = "answer"
        self.probe_point_id = None

    def probe(self, point: KeyPoint) -> None:
        self.turns.append(Turn("probe", point_id=point.id))
        self.probe_point_id = point.id
        self.phase = "probe"

    def probe_candidate(self, question: Question, grade: GradeResult | None) -> KeyPoint | None:
        """The point a probe would ask about, when the conversation is at a graded answer."""
        if self.phase != "graded" or grade is None:
            return None
        return probe_point(question, grade)

    def submission(self, question: Question) -> Submission:
        """What the next answer is, for the practice service."""
        if self.phase == "probe" and self.probe_point_id is not None:
            point = question.point(self.probe_point_id)
            return Submission("probe", self.main_attempt, point.id, single_point_question(question, point))
        if self.main_attempt is not None:
            return Submission("retry", self.main_attempt)
        return Submission("answer")

    def answered(self, attempt_id: int) -> None:
        """The answer was saved as ``attempt_id`` (graded or not): it joins the conversation."""
        if self.phase == "probe":
            self.turns.append(Turn("probe_answer", attempt_id))
            self.phase = "probed"
            return
        self.turns.append(Turn("answer", attempt_id))
        self.main_attempt = attempt_id
        self.phase = "graded"


@dataclass(frozen=True)
class Change:
    """How a try compares with the one before it."""

    delta: int  # score points, new minus old
    newly_covered: list[str]  # labels of points better than before
    worse: list[str]  # labels of points worse than before

    def summary(self) -> str:
        if self.delta > 0:
            head = f"+{self.delta} since your last try"
        elif self.delta < 0:
            head = f"{self.delta} since your last try"
        else:
            head = "the same score as your last try"
        parts = [head]
        if self.newly_covered:
            parts.append("newly covered: " + ", ".join(self.newly_covered))
        if self.worse:
            parts.append("weaker than before: " + ", ".join(self.worse))
        return "; ".join(parts)


def compare(earlier: GradeResult, now: GradeResult) -> Change | None:
    """The change from ``earlier`` to ``now``; None when either was not graded (there is nothing to compare)."""
    if earlier.abstained or now.abstained:
        return None
    before = {p.point_id: p.verdict for p in earlier.points}
    better = [p.label for p in now.points if CREDIT[p.verdict] > CREDIT[before.get(p.point_id, "missed")]]
    worse = [p.label for p in now.points if CREDIT[p.verdict] < CREDIT[before.get(p.point_id, "missed")]]
    return Change(now.score - earlier.score, better, worse)
