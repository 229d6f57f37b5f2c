"""What both graders do before judging any point: screen the answer and decide whether to abstain."""

from __future__ import annotations

from dataclasses import dataclass

from grader.point_matching import RELEVANT_DENSE, SpanView, relevance, span_views
from grader.point_profiles import QuestionProfile, profile_for
from grader.result import PointVerdict
from grader.screening import Screened, screen
from rubric.model import Question

OFF_TOPIC = "off topic: the answer does not address this question"


@dataclass(frozen=True)
class Prepared:
    profile: QuestionProfile
    screened: Screened
    views: list[SpanView]
    abstain_reason: str | None


def _known_words(question: Question) -> frozenset[str]:
    return frozenset(
        w.lower().strip(".,;:()")
        for p in question.points
        for text in (p.text, p.label, *p.examples)
        for w in text.split()
    )


def prepare(question: Question, answer: str) -> Prepared:
    profile = profile_for(question)
    screened = screen(answer, _known_words(question))
    if screened.abstain_reason:
        return Prepared(profile, screened, [], screened.abstain_reason)
    views = span_views(answer, screened.sentences, profile)
    rubric_terms = set().union(*(ph.terms for p in profile.points for ph in p.phrasings))
    on_topic = relevance(views, profile) >= RELEVANT_DENSE or any(v.affirmed & rubric_terms for v in views)
    return Prepared(profile, screened, views, None if on_topic else OFF_TOPIC)


def abstained_verdicts(question: Question, reason: str) -> list[PointVerdict]:
    return [
        PointVerdict(point_id=p.id, label=p.label, verdict="missed", reason=f"not graded: {reason}")
        for p in question.points
    ]
