"""Follow-up probes: the interviewer asks about one missed point; the reply is graded for that point alone and
can only improve that point's verdict for the question."""

from __future__ import annotations

from grader.result import CREDIT, GradeResult
from rubric.model import KeyPoint, Question


def probe_point(question: Question, result: GradeResult) -> KeyPoint | None:
    """The first missed point (then the first partial one); None when nothing is left to probe."""
    if result.abstained:
        return None
    for wanted in ("missed", "partial"):
        for verdict in result.points:
            if verdict.verdict == wanted:
                return question.point(verdict.point_id)
    return None


def _topic(point: KeyPoint) -> str:
    label = point.label
    for separator in (":", "="):
        if separator in label:
            label = label.split(separator, 1)[1].strip() if separator == ":" else label
    return label


def probe_text(question: Question, point: KeyPoint) -> str:
    """What the interviewer asks. It names the topic, not the rubric's wording, so the candidate still has to
    explain it."""
    topic = _topic(point)
    if point.subject:
        return f"Let's go one level deeper on {point.subject[0]}. What is it for, and how does it differ here?"
    return f"One thing you didn't get into: {topic}. How would that fit into your answer?"


def single_point_question(question: Question, point: KeyPoint) -> Question:
    """The question graded against just the probed point (same ids, so verdicts line up)."""
    return question.model_copy(update={"points": [point], "required": None})


def merged_verdicts(original: GradeResult, probes: list[GradeResult]) -> dict[str, tuple[str, str]]:
    """Per point: the best verdict so far and where it came from ("answer" or "probe")."""
    merged: dict[str, tuple[str, str]] = {p.point_id: (p.verdict, "answer") for p in original.points}
    for probe in probes:
        for p in probe.points:
            current = merged.get(p.point_id)
            if current is not None and CREDIT[p.verdict] > CREDIT[current[0]]:
                merged[p.point_id] = (p.verdict, "probe")
    return merged
