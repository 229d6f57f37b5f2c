"""The offline matcher: a judge with no LLM and no network (packaged MiniLM embeddings plus code).

It proposes a verdict for each key point from the answer's graded sentences (see
:mod:`grader.point_matching`): covered or partial with the clause that shows it, contradicted with the clause
that says the opposite, or missed. Like every judge, it is driven by :class:`grader.pipeline.Pipeline`, which
screens the answer before and verifies the claims after.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from grader.base import GRADER_VERSION
from grader.judge import JudgeReply, JudgeRequest, PointClaim
from grader.offline_scorer import OfflineScorer, load_scorer
from grader.point_matching import best_support, span_views
from grader.point_profiles import profile_for
from grader.result import GraderKind

OFFLINE_MODEL = "all-MiniLM-L6-v2-onnx-int8 + rules"
OFFLINE_LABEL = "Offline grader (embedded default: packaged MiniLM embeddings and rules, no LLM)"

_SOURCES = ("point_matching.py", "point_profiles.py", "offline.py", "offline_scorer.py", "sides.py", "polarity.py")


@cache
def source_digest() -> str:
    """A hash of the matcher's code, so a changed matcher never reuses old grades."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _SOURCES:
        digest.update(name.encode())
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


class OfflineJudge:
    kind: GraderKind = "offline"
    name = "offline-matcher"
    model = OFFLINE_MODEL
    prompt_name = "offline-matcher"

    def __init__(self, scorer: OfflineScorer | None = None) -> None:
        self.scorer = scorer or load_scorer()
        config = {"version": GRADER_VERSION, "code": source_digest(), "scorer": self.scorer.digest_source()}
        self.prompt_hash = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]

    def judge(self, request: JudgeRequest) -> JudgeReply:
        profile = profile_for(request.question)
        views = span_views(request.masked_answer, request.graded, profile)
        claims = []
        for index, point_profile in enumerate(profile.points):
            support = best_support(point_profile, index, views, profile, self.scorer)
            span = None
            if support.level != "missed" and support.span is not None:
                span = request.outside_set_aside(support.span.start, support.span.end)
            claims.append(
                PointClaim(
                    point_id=point_profile.point.id,
                    verdict=support.level if span else "missed",  # type: ignore[arg-type]
                    quote=request.answer[span[0] : span[1]] if span else "",
                    span=span,
                    reason=support.reason,
                    probability={"covered": round(support.p_covered, 4), "credited": round(support.p_credited, 4)}
                    if support.p_covered or support.p_credited
                    else None,
                )
            )
        return JudgeReply(claims=claims, cost_usd=0.0)
