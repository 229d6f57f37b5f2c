"""The truthful judge: the human labels, with the humans' own evidence quotes, proposed as a judge would.

Verification must accept what a judge that is right proposes. :func:`human_claims` turns a labelled record into
the claims a truthful judge would make (each point's human verdict, quoting the first evidence span), and
:func:`acceptance` runs them through the same verification every grade takes, reporting the share of human
covered/partial points accepted and, for every rejection, which check refused it. ``tests/`` drives the same
claims through the real LLM path (a scripted OpenAI-compatible server).

It also chooses verification's low floor (``interview-grader eval verification-floor``): the similarity of
every human evidence span to its own point on golden, next to the similarity of the same spans to the
question's other points that the human left uncredited.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from evals.datasets import Dataset, Record
from grader.judge import PointClaim
from grader.pipeline import Pipeline
from grader.verification import point_terms, relatedness, verify
from rubric.model import Bank
from rubric.terms import content_terms


def human_claims(record: Record) -> list[PointClaim]:
    claims = []
    for point_id, label in record.labels.items():
        spans = record.evidence.get(point_id, [])
        if label == "missed" or not spans:
            claims.append(PointClaim(point_id=point_id, verdict="missed"))
            continue
        start, end = spans[0]
        claims.append(PointClaim(point_id=point_id, verdict=label, quote=record.answer[start:end]))  # type: ignore[arg-type]
    return claims


def acceptance(dataset: Dataset, bank: Bank, grader: Pipeline) -> dict[str, Any]:
    """Share of the human covered/partial points (with evidence) that verification accepts, on answers the
    pipeline grades (abstained answers are counted apart)."""
    credited = accepted = abstained = 0
    refused: Counter[str] = Counter()
    examples: list[dict[str, str]] = []
    for record in dataset.records:
        question = bank.get(record.question_id)
        request, why = grader.request(question, record.answer)
        wanted = [c for c in human_claims(record) if c.verdict in ("covered", "partial")]
        if not wanted:
            continue
        if why is not None:
            abstained += len(wanted)
            continue
        verified = verify(request, human_claims(record))
        for claim in wanted:
            credited += 1
            rejection = verified.rejected.get(claim.point_id)
            if rejection is None:
                accepted += 1
            else:
                refused[rejection.name] += 1
                examples.append(
                    {"record": record.id, "point": claim.point_id, "quote": claim.quote, "why": rejection.name}
                )
    return {
        "human_credited_points": credited,
        "accepted": accepted,
        "acceptance": accepted / credited if credited else float("nan"),
        "refused_by_check": dict(refused),
        "on_abstained_answers": abstained,
        "refused": examples,
    }


def floor_study(dataset: Dataset, bank: Bank) -> dict[str, Any]:
    """Similarity of human evidence to its own point (``own``) and to the question's uncredited points
    (``other``), for spans that share no content word with the point (the only ones the floor can refuse)."""
    own: list[float] = []
    other: list[float] = []
    for record in dataset.records:
        if record.kind == "injection":
            continue
        question = bank.get(record.question_id)
        for point_id, spans in record.evidence.items():
            if record.labels[point_id] not in ("covered", "partial"):
                continue
            text = " ".join(record.answer[s:e] for s, e in spans[:1])
            words = set(content_terms(text))
            for point in question.points:
                if words & point_terms(point, question):
                    continue
                value = relatedness(question, point, text)
                if point.id == point_id:
                    own.append(value)
                elif record.labels[point.id] == "missed":
                    other.append(value)

    def spread(values: list[float]) -> dict[str, float]:
        if not values:
            return {"n": 0}
        a = np.asarray(values)
        return {
            "n": len(a),
            "min": float(a.min()),
            "p1": float(np.percentile(a, 1)),
            "p5": float(np.percentile(a, 5)),
            "p50": float(np.percentile(a, 50)),
            "p95": float(np.percentile(a, 95)),
        }

    return {"own_point": spread(own), "other_points": spread(other)}
