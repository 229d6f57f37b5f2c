"""The grading contract: per-point verdicts with evidence, a score computed here, and what produced it.

Every grade is a :class:`GradeResult`. Its validators enforce the invariants: a ``covered``, ``partial`` or
``contradicted`` point always has evidence, an abstained grade covers nothing, and ``coverage``/``score`` are the
arithmetic of the verdicts (a judge cannot set a score of its own). :meth:`GradeResult.check_evidence` checks
every span against the answer it claims to quote. ``set_aside`` lists the parts of the answer that were not
graded, each with its reason, so the learner sees exactly what was left out and why.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Verdict = Literal["covered", "partial", "missed", "contradicted"]
VERDICTS: tuple[Verdict, ...] = ("covered", "partial", "missed", "contradicted")
GraderKind = Literal["offline", "llm"]
# "contradicted": the answer states the opposite of the point. It earns nothing, like "missed", and is shown
# as such so the learner knows what they got wrong, not only what they left out.
CREDIT: dict[str, float] = {"covered": 1.0, "partial": 0.5, "missed": 0.0, "contradicted": 0.0}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Evidence(_Model):
    """A verbatim part of the answer: ``answer[start:end] == text``."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str

    @model_validator(mode="after")
    def _length(self) -> Evidence:
        if self.end - self.start != len(self.text) or not self.text.strip():
            raise ValueError("evidence offsets must span exactly its non-empty text")
        return self


class PointVerdict(_Model):
    point_id: str
    label: str
    verdict: Verdict
    evidence: list[Evidence] = Field(default_factory=list)
    reason: str = ""

    probability: dict[str, float] | None = Field(
        None, description="the judge's probability for each verdict, when it has one (kept for review)"
    )

    @model_validator(mode="after")
    def _evidence_when_credited(self) -> PointVerdict:
        if self.verdict != "missed" and not self.evidence:
            raise ValueError(f"point {self.point_id} is {self.verdict} without evidence")
        return self


SetAsideReason = Literal["addresses_grader", "fake_verdict", "markup", "not_english", "garbled"]


class SetAside(_Model):
    """A part of the answer that was not graded, and why: ``answer[start:end] == text``."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    code: SetAsideReason
    reason: str


class GradeMeta(_Model):
    grader: GraderKind
    model: str
    prompt_name: str
    prompt_hash: str
    grader_version: str
    rubric_hash: str
    answer_sha256: str
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float | None = 0.0  # None when the model's price is unknown
    latency_ms: float = 0.0
    rejected_claims: int = 0  # judge claims downgraded by verification
    ignored_sentences: int = 0  # answer parts set aside (addressed to the grader, not English, ...)
    judge: str = ""  # which judge proposed the verdicts (e.g. "offline-matcher", "llm")
    pipeline_version: str = ""  # hash of the screening and verification code
    bank_version: str = ""  # the bank (id and content hash) the question came from, when known
    attempts: int = 1
    cached: bool = False
    graded_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


class GradeResult(_Model):
    question_id: str
    question_text: str
    points: list[PointVerdict]
    required: int | None = Field(None, ge=1, description="points that make a full answer, when not all of them")
    coverage: float = Field(ge=0, le=1, description="min(1, (covered + 0.5 x partial) / required points)")
    score: int = Field(ge=0, le=100, description="round(100 x coverage)")
    abstained: bool = False
    abstain_reason: str | None = None
    feedback: str = ""
    set_aside: list[SetAside] = Field(default_factory=list)
    meta: GradeMeta

    @model_validator(mode="after")
    def _arithmetic(self) -> GradeResult:
        if not self.points:
            raise ValueError("a grade needs at least one point")
        if self.abstained:
            if not self.abstain_reason:
                raise ValueError("an abstained grade says why")
            if any(p.verdict != "missed" for p in self.points):
                raise ValueError("an abstained grade covers nothing")
        expected = coverage_of([p.verdict for p in self.points], self.required)
        if abs(self.coverage - expected) > 1e-9 or self.score != round(100 * expected):
            raise ValueError(f"coverage/score must be the arithmetic of the verdicts ({expected:.4f})")
        return self

    def check_evidence(self, answer: str) -> None:
        """Raise ``ValueError`` unless every evidence span is a verbatim part of ``answer``."""
        for p in self.points:
            for e in p.evidence:
                if answer[e.start : e.end] != e.text:
                    raise ValueError(f"evidence for {p.point_id} is not the answer's text at {e.start}:{e.end}")
        for s in self.set_aside:
            if answer[s.start : s.end] != s.text:
                raise ValueError(f"set-aside text is not the answer's text at {s.start}:{s.end}")

    def counts(self) -> dict[str, int]:
        return {v: sum(p.verdict == v for p in self.points) for v in VERDICTS}


def coverage_of(verdicts: list[str], required: int | None = None) -> float:
    """Credit over the points a full answer needs: all of them, or ``required`` of them ("name any 4")."""
    if not verdicts:
        return 0.0
    needed = min(required or len(verdicts), len(verdicts))
    return min(1.0, sum(CREDIT[v] for v in verdicts) / needed)


def assemble(
    *,
    question_id: str,
    question_text: str,
    points: list[PointVerdict],
    meta: GradeMeta,
    feedback: str,
    abstain_reason: str | None = None,
    required: int | None = None,
    set_aside: list[SetAside] | None = None,
) -> GradeResult:
    """The one way a result is built: the score is computed here, from the verdicts."""
    coverage = coverage_of([p.verdict for p in points], required)
    return GradeResult(
        question_id=question_id,
        question_text=question_text,
        points=points,
        required=required,
        coverage=coverage,
        score=round(100 * coverage),
        abstained=abstain_reason is not None,
        abstain_reason=abstain_reason,
        feedback=feedback,
        set_aside=set_aside or [],
        meta=meta,
    )
