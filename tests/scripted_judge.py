"""A scripted judge for UI tests: the test says which words cover which point, so a page test checks what the
page does with a grade, not what the offline matcher happens to decide (a grader change never breaks a UI test).

The judge sits where every judge sits, behind :class:`grader.pipeline.Pipeline`: the answer checks, the
screening of text that talks to the grader, mechanical verification of each quote and the arithmetic score all
run as in the product. Only the proposal is scripted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from grader.base import GraderError
from grader.judge import JudgeReply, JudgeRequest, PointClaim
from grader.pipeline import Pipeline
from grader.result import GraderKind

# The cues the page tests answer with, by point label (q06, q09, q11 of the seed bank).
PAGE_CUES = {
    "stream ingestion": ("Kafka",),
    "low-latency model server": ("Triton",),
    "Redis caching": ("Redis",),
    "API gateway": ("API gateway",),
    "monitoring": ("monitor",),
    "embedding caches": ("cache embeddings",),
    "output caches": ("model outputs",),
    "request deduplication": ("deduplicate",),
    "offline: training/historical": ("offline store",),
    "online: real-time inference": ("serves inference",),
}
PAGE_CONTRADICTIONS = {"offline: training/historical": ("online store keeps history",)}


class ScriptedJudge:
    """Contradicts a point when one of its contradiction cues appears in a graded part of the answer, covers it
    when one of its cue words does (quoting those words as written), misses it otherwise; ``fail(n)`` makes the
    next ``n`` calls raise :class:`GraderError`."""

    kind: GraderKind = "offline"
    name = "scripted"
    model = "scripted-judge"
    prompt_name = "scripted"
    prompt_hash = "scripted"

    def __init__(
        self, cues: Mapping[str, tuple[str, ...]], contradictions: Mapping[str, tuple[str, ...]] | None = None
    ) -> None:
        self.cues = dict(cues)  # point label -> words that cover it
        self.contradictions = dict(contradictions or {})  # point label -> words that contradict it
        self.failures = 0
        self.calls = 0

    def fail(self, times: int = 1) -> None:
        self.failures = times

    def judge(self, request: JudgeRequest) -> JudgeReply:
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise GraderError("the scripted judge was told to fail")
        graded = request.masked_answer
        claims = []
        for point in request.question.points:
            against = _first(self.contradictions.get(point.label, ()), graded)
            found = _first(self.cues.get(point.label, ()), graded)
            if against is not None:
                claims.append(PointClaim(point.id, "contradicted", against.group(0), against.span(), "scripted"))
            elif found is not None:
                claims.append(PointClaim(point.id, "covered", found.group(0), found.span(), "scripted"))
            else:
                claims.append(PointClaim(point.id, "missed", reason="scripted: no cue word"))
        return JudgeReply(claims=claims)


def _first(cues: tuple[str, ...], text: str) -> re.Match[str] | None:
    return next((m for cue in cues if (m := re.search(re.escape(cue), text, re.IGNORECASE))), None)


@contextmanager
def scripted_offline_grader(judge: ScriptedJudge) -> Iterator[ScriptedJudge]:
    """Make the app's offline grader (``ui.resources.offline_grader`` and the background grader's) the pipeline
    over ``judge`` for the duration."""
    import grader.service
    import screening.graders
    from ui import resources

    original = grader.service.offline_grader
    grader.service.offline_grader = lambda judge_name=None: Pipeline(judge)  # type: ignore[assignment]
    resources.offline_grader.clear()
    screening.graders.grader_for.cache_clear()
    try:
        yield judge
    finally:
        grader.service.offline_grader = original
        resources.offline_grader.clear()
        screening.graders.grader_for.cache_clear()
