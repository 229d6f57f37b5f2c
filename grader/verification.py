"""Check what a model claims before it counts: the model proposes, code verifies.

A ``covered`` or ``partial`` claim survives only if its quote is really in the answer (exactly, or up to
white space, case and typographic quotes), lies outside the sentences set aside as addressed to the grader,
and is about that point by the same matcher the offline grader uses, with lenient thresholds (the model may
understand a paraphrase better than MiniLM) but with the same refusals: a point the quote rejects, a
definition given to the wrong side, or a bare keyword does not count. A claim that fails is downgraded to
``missed`` and counted in ``meta.rejected_claims``. Verification can only lower a verdict, never raise one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.offline_scorer import OfflineScorer, load_scorer
from grader.point_matching import SpanView, best_support, quote_views
from grader.point_profiles import QuestionProfile
from grader.result import Evidence, PointVerdict
from grader.segments import Span

_FOLD = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "\u00a0": " "})


@dataclass(frozen=True)
class Claim:
    point_id: str
    verdict: str
    quote: str
    reason: str


def _normalised(text: str) -> tuple[str, list[int]]:
    """Lower-cased text with runs of white space folded to one space, and each character's original index."""
    out: list[str] = []
    index: list[int] = []
    previous_space = False
    for i, ch in enumerate(text.translate(_FOLD)):
        if ch.isspace():
            if previous_space:
                continue
            out.append(" ")
            previous_space = True
        else:
            out.append(ch.lower())
            previous_space = False
        index.append(i)
    return "".join(out), index


def locate(answer: str, quote: str) -> Span | None:
    """Where ``quote`` stands in ``answer`` (pieces around '...' in order), or None."""
    quote = quote.strip().strip("\"'“”‘’ ")
    if len(quote) < 2 or not any(ch.isalnum() for ch in quote):
        return None
    exact = answer.find(quote)
    if exact >= 0:
        return Span(exact, exact + len(quote), quote)
    folded, index = _normalised(answer)
    pieces = [p.strip() for p in re.split(r"\.\.\.|…", quote) if p.strip()]
    start = end = None
    cursor = 0
    for piece in pieces:
        target, _ = _normalised(piece)
        found = folded.find(target.strip(), cursor)
        if found < 0:
            return None
        start = index[found] if start is None else start
        end = index[found + len(target.strip()) - 1] + 1
        cursor = found + len(target.strip())
    if start is None or end is None:
        return None
    return Span(start, end, answer[start:end])


def _downgrade(claim: Claim, label: str, why: str) -> PointVerdict:
    return PointVerdict(point_id=claim.point_id, label=label, verdict="missed", reason=f"model claim rejected: {why}")


# A quote that matches another point of the question clearly better than the claimed one is about that point.
SIBLING_MARGIN = 0.08


def _about(index: int, views: list[SpanView], profile: QuestionProfile, scorer: OfflineScorer) -> str | None:
    """None when the quoted words are about the claimed point; otherwise why not."""
    point_profile = profile.points[index]
    lenient = best_support(point_profile, index, views, profile, scorer, lenient=True)
    if lenient.level == "missed":
        if lenient.rejected or lenient.swapped or lenient.reason.startswith("listed as a bare keyword"):
            return lenient.reason
        return "its quote is not about this point"
    if best_support(point_profile, index, views, profile, scorer).level == "covered":
        return None
    own = max(float((point_profile.vectors @ v.vector).max()) for v in views)
    for other_index, other in enumerate(profile.points):
        if other_index == index or not len(other.vectors):
            continue
        other_dense = max(float((other.vectors @ v.vector).max()) for v in views)
        if other_dense - own > SIBLING_MARGIN:
            return f"its quote is about {other.point.label}, not this point"
    return None


def verify_claims(
    answer: str,
    claims: dict[str, Claim],
    profile: QuestionProfile,
    sentences: list[Span],
    ignored: list[Span],
    scorer: OfflineScorer | None = None,
) -> tuple[list[PointVerdict], int]:
    """One verdict per rubric point, in rubric order, and the number of claims rejected."""
    scorer = scorer or load_scorer()
    verdicts: list[PointVerdict] = []
    rejected = 0
    for index, point_profile in enumerate(profile.points):
        point = point_profile.point
        claim = claims.get(point.id)
        if claim is None:
            verdicts.append(
                PointVerdict(
                    point_id=point.id,
                    label=point.label,
                    verdict="missed",
                    reason="the model gave no verdict for this point",
                )
            )
            continue
        if claim.verdict == "missed":
            verdicts.append(
                PointVerdict(
                    point_id=point.id, label=point.label, verdict="missed", reason=claim.reason or "not in the answer"
                )
            )
            continue
        span = locate(answer, claim.quote)
        if span is None:
            verdicts.append(_downgrade(claim, point.label, "its quote is not in the answer"))
            rejected += 1
            continue
        if any(span.start < s.end and s.start < span.end for s in ignored):
            verdicts.append(_downgrade(claim, point.label, "its quote is text addressed to the grader"))
            rejected += 1
            continue
        why = _about(index, quote_views(answer, span, sentences, profile), profile, scorer)
        if why is None:
            verdicts.append(
                PointVerdict(
                    point_id=point.id,
                    label=point.label,
                    verdict=claim.verdict,  # type: ignore[arg-type]
                    evidence=[Evidence(start=span.start, end=span.end, text=span.text)],
                    reason=claim.reason or "quoted from the answer",
                )
            )
            continue
        verdicts.append(_downgrade(claim, point.label, why))
        rejected += 1
    return verdicts, rejected
