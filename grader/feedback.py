"""Short feedback written from the verdicts (never by a model): what to keep, what to add, what to correct."""

from __future__ import annotations

from grader.result import PointVerdict
from rubric.model import Question


def feedback_for(question: Question, verdicts: list[PointVerdict], abstain_reason: str | None = None) -> str:
    if abstain_reason:
        return f"Not graded: {abstain_reason}. Answer the question in your own words."
    by_id = {p.id: p for p in question.points}
    covered = [v.label for v in verdicts if v.verdict == "covered"]
    partial = [v.label for v in verdicts if v.verdict == "partial"]
    contradicted = [v.label for v in verdicts if v.verdict == "contradicted"]
    missed = [v for v in verdicts if v.verdict == "missed"]
    parts = []
    credit = len(covered) + 0.5 * len(partial)
    if (not partial and not missed and not contradicted) or (question.required and credit >= question.required):
        return "Every key point is covered. To stand out, add a concrete example or a trade-off."
    if covered:
        parts.append("Covered: " + "; ".join(covered) + ".")
    if partial:
        parts.append("Say more about: " + "; ".join(partial) + ".")
    if contradicted:
        parts.append("Check again: " + "; ".join(contradicted) + " (your answer says the opposite).")
    if missed:
        adds = []
        for v in missed:
            point = by_id.get(v.point_id)
            hint = f" (e.g. {', '.join(point.examples[:2])})" if point and point.examples else ""
            adds.append(f"{v.label}{hint}")
        if question.required:
            more = max(1, round(question.required - credit))
            parts.append(f"Add {more} more of: " + "; ".join(adds) + ".")
        else:
            parts.append("Add: " + "; ".join(adds) + ".")
    return " ".join(parts)
