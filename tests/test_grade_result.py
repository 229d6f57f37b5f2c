"""The grading contract enforces its own invariants."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from grader.result import Evidence, GradeMeta, GradeResult, PointVerdict, assemble, coverage_of

META = GradeMeta(
    grader="offline",
    model="m",
    prompt_name="p",
    prompt_hash="h",
    grader_version="1",
    rubric_hash="r",
    answer_sha256="a",
)
ANSWER = "We cache embeddings and dedupe requests."


def _points() -> list[PointVerdict]:
    return [
        PointVerdict(
            point_id="q.1", label="a", verdict="covered", evidence=[Evidence(start=3, end=19, text="cache embeddings")]
        ),
        PointVerdict(
            point_id="q.2", label="b", verdict="partial", evidence=[Evidence(start=24, end=39, text="dedupe requests")]
        ),
        PointVerdict(point_id="q.3", label="c", verdict="missed"),
    ]


def test_score_is_the_arithmetic_of_the_verdicts() -> None:
    result = assemble(question_id="q", question_text="?", points=_points(), meta=META, feedback="")
    assert result.coverage == pytest.approx(0.5)
    assert result.score == 50
    assert coverage_of(["covered", "covered", "missed", "missed"]) == 0.5
    result.check_evidence(ANSWER)


def test_a_result_with_an_invented_score_is_refused() -> None:
    with pytest.raises(ValidationError, match="arithmetic"):
        GradeResult(question_id="q", question_text="?", points=_points(), coverage=0.9, score=90, meta=META)


def test_credit_without_evidence_is_refused() -> None:
    with pytest.raises(ValidationError, match="without evidence"):
        PointVerdict(point_id="q.1", label="a", verdict="covered")


def test_an_abstained_grade_covers_nothing_and_says_why() -> None:
    with pytest.raises(ValidationError):
        assemble(question_id="q", question_text="?", points=_points(), meta=META, feedback="", abstain_reason="x")
    missed = [PointVerdict(point_id="q.1", label="a", verdict="missed")]
    result = assemble(question_id="q", question_text="?", points=missed, meta=META, feedback="", abstain_reason="empty")
    assert result.abstained and result.score == 0


def test_evidence_must_be_the_answers_own_text() -> None:
    result = assemble(question_id="q", question_text="?", points=_points(), meta=META, feedback="")
    with pytest.raises(ValueError, match="not the answer's text"):
        result.check_evidence("Something else entirely, of the same length.")
    with pytest.raises(ValidationError):
        Evidence(start=0, end=5, text="abc")
