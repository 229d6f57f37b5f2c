"""The offline grader, the embedded default: packaged MiniLM embeddings plus code, no LLM, no network.

It grades each key point from the answer's own sentences (see :mod:`grader.point_matching`), sets aside
sentences addressed to the grader, abstains on answers with nothing to grade, and computes the score from
the verdicts. Its ``meta`` says plainly that this is the offline grader.
"""

from __future__ import annotations

import hashlib
import json
import time
from functools import cache
from pathlib import Path

from grader.base import GRADER_VERSION, answer_sha256
from grader.feedback import feedback_for
from grader.offline_scorer import OfflineScorer, load_scorer
from grader.point_matching import best_support
from grader.point_profiles import cues_digest
from grader.preparation import abstained_verdicts, prepare
from grader.result import Evidence, GradeMeta, GradeResult, PointVerdict, assemble
from rubric.glossary import glossary
from rubric.model import Question

OFFLINE_MODEL = "all-MiniLM-L6-v2-onnx-int8 + rules"
OFFLINE_LABEL = "Offline grader (embedded default: packaged MiniLM embeddings and rules, no LLM)"


_SOURCES = ("grader/*.py", "grader/data/*", "rubric/terms.py", "rubric/glossary.py", "rubric/data/glossary.yaml")


@cache
def source_digest() -> str:
    """A hash of the code and data that decide an offline grade, so a changed matcher never reuses old grades."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(p for pattern in _SOURCES for p in root.glob(pattern) if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class OfflineGrader:
    kind = "offline"
    model = OFFLINE_MODEL
    prompt_name = "offline-matcher"

    def __init__(self, scorer: OfflineScorer | None = None) -> None:
        self.scorer = scorer or load_scorer()
        config = {
            "version": GRADER_VERSION,
            "code": source_digest(),
            "scorer": self.scorer.digest_source(),
            "cues": cues_digest(),
            "glossary": glossary().digest,
        }
        self.prompt_hash = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]

    def grade(self, question: Question, answer: str) -> GradeResult:
        started = time.perf_counter()
        prepared = prepare(question, answer)
        abstain = prepared.abstain_reason
        if abstain is not None:
            verdicts = abstained_verdicts(question, abstain)
        else:
            verdicts = []
            for index, point_profile in enumerate(prepared.profile.points):
                s = best_support(point_profile, index, prepared.views, prepared.profile, self.scorer)
                credited = s.span is not None and s.level != "missed"
                verdicts.append(
                    PointVerdict(
                        point_id=point_profile.point.id,
                        label=point_profile.point.label,
                        verdict=s.level,  # type: ignore[arg-type]
                        evidence=[Evidence(start=s.span.start, end=s.span.end, text=s.span.text)] if credited else [],
                        reason=s.reason,
                    )
                )
        meta = GradeMeta(
            grader="offline",
            model=self.model,
            prompt_name=self.prompt_name,
            prompt_hash=self.prompt_hash,
            grader_version=GRADER_VERSION,
            rubric_hash=question.content_hash(),
            answer_sha256=answer_sha256(answer),
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            ignored_sentences=len(prepared.screened.ignored),
            cost_usd=0.0,
        )
        result = assemble(
            question_id=question.id,
            question_text=question.text,
            points=verdicts,
            meta=meta,
            feedback=feedback_for(question, verdicts, abstain),
            abstain_reason=abstain,
            required=question.required,
        )
        result.check_evidence(answer)
        return result
