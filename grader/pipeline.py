"""The grading pipeline: the one path every grade takes, whoever asks for it (practice, the screening worker,
review re-grades, the CLI, the evals).

    check the answer -> screen -> abstain? -> judge -> verify -> assemble        (the cache around it all)

1. **Check** (:mod:`grader.answer_checks`): refuse what cannot be kept (too long, not text) with a message.
2. **Screen** (:mod:`grader.screening`): set aside, by structure, text that addresses the grader or acts on
   the grading, text not in English and garbled text; each set-aside span keeps its reason.
3. **Abstain** when nothing is left to grade (empty, only grader talk, another language, says nothing, a word
   or two where more is asked, nothing in common with the question): "not graded", with the reason, never 0.
   An answer the judge credits nothing in and that is about something else is "not graded: off topic" too.
4. **Judge** (:mod:`grader.judge`): the offline judge or an LLM proposes a verdict per point with a quote.
5. **Verify** (:mod:`grader.verification`): each claim is checked mechanically (verbatim, in the graded
   text, not denying the point, a statement, not plainly unrelated); a failed claim is lowered to missed.
6. **Assemble** (:func:`grader.result.assemble`): the score is arithmetic over the verdicts; the grade is
   stamped with the judge, its model and prompt (or model) hash, the pipeline's own hash and the bank version.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from config.once import once
from grader.answer_checks import Abstain, abstention, check_answer, off_topic_after_judging, rubric_words
from grader.base import GRADER_VERSION, answer_sha256
from grader.cache import GradeCache, cache_key
from grader.feedback import feedback_for
from grader.judge import Judge, JudgeReply, JudgeRequest
from grader.result import GradeMeta, GradeResult, GraderKind, PointVerdict, assemble
from grader.screening import screen
from grader.verification import verify
from rubric.model import Question

_PIPELINE_SOURCES = (
    "answer_checks.py",
    "screening.py",
    "grader_talk.py",
    "verification.py",
    "polarity.py",
    "negation.py",
    "segments.py",
    "question_kind.py",
    "pipeline.py",
    "feedback.py",
    "result.py",
)


@once
def pipeline_version() -> str:
    """A hash of the code that screens, verifies and assembles, so a changed pipeline never reuses old grades."""
    digest = hashlib.sha256(GRADER_VERSION.encode())
    for name in _PIPELINE_SOURCES:
        digest.update((Path(__file__).with_name(name)).read_bytes())
    return digest.hexdigest()[:16]


def _abstained(question: Question, why: Abstain) -> list[PointVerdict]:
    return [
        PointVerdict(point_id=p.id, label=p.label, verdict="missed", reason=f"not graded: {why.value}")
        for p in question.points
    ]


class Pipeline:
    """A grader: the pipeline above, driven by one judge, with an optional cache of finished grades."""

    def __init__(self, judge: Judge, grade_cache: GradeCache | None = None) -> None:
        self.judge = judge
        self.cache = grade_cache

    @property
    def kind(self) -> GraderKind:
        return self.judge.kind

    @property
    def model(self) -> str:
        return self.judge.model

    @property
    def prompt_name(self) -> str:
        return self.judge.prompt_name

    @property
    def prompt_hash(self) -> str:
        return self.judge.prompt_hash

    def with_cache(self, grade_cache: GradeCache | None) -> Pipeline:
        return Pipeline(self.judge, grade_cache)

    def request(self, question: Question, answer: str) -> tuple[JudgeRequest, Abstain | None]:
        """The screened answer as the judge would see it, and the reason to abstain, if any."""
        check_answer(answer)
        screened = screen(answer, frozenset(p.id for p in question.points), rubric_words(question))
        request = JudgeRequest(question, answer, screened.graded, screened.set_aside)
        return request, abstention(question, answer, screened)

    def grade(self, question: Question, answer: str, *, bank_version: str = "") -> GradeResult:
        check_answer(answer)
        key = cache_key(
            question.content_hash(), answer_sha256(answer), self.kind, self.model, self.prompt_hash, pipeline_version()
        )
        if self.cache is not None:
            started = time.perf_counter()
            hit = self.cache.get(key)
            if hit is not None:
                latency = (time.perf_counter() - started) * 1000
                meta = hit.meta.model_copy(update={"cached": True, "latency_ms": latency})
                return hit.model_copy(update={"meta": meta})
        result = self._grade(question, answer, bank_version)
        if self.cache is not None:
            self.cache.put(key, result)
        return result

    def _grade(self, question: Question, answer: str, bank_version: str) -> GradeResult:
        started = time.perf_counter()
        request, why = self.request(question, answer)
        reply = JudgeReply(claims=[], attempts=0)
        rejected = 0
        if why is not None:
            verdicts = _abstained(question, why)
        else:
            reply = self.judge.judge(request)
            verified = verify(request, reply.claims)
            verdicts, rejected = verified.verdicts, len(verified.rejected)
            nothing = all(v.verdict == "missed" for v in verdicts)
            if off_topic_after_judging(question, [s.text for s in request.graded], nothing):
                why = Abstain.OFF_TOPIC
                verdicts = _abstained(question, why)
        meta = GradeMeta(
            grader=self.kind,
            model=self.model,
            prompt_name=self.prompt_name,
            prompt_hash=self.prompt_hash,
            grader_version=GRADER_VERSION,
            rubric_hash=question.content_hash(),
            answer_sha256=answer_sha256(answer),
            tokens_in=reply.tokens_in,
            tokens_out=reply.tokens_out,
            cost_usd=reply.cost_usd,
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            rejected_claims=rejected,
            ignored_sentences=len(request.set_aside),
            attempts=max(reply.attempts, 1),
            judge=self.judge.name,
            pipeline_version=pipeline_version(),
            bank_version=bank_version,
        )
        reason = why.value if why is not None else None
        result = assemble(
            question_id=question.id,
            question_text=question.text,
            points=verdicts,
            meta=meta,
            feedback=feedback_for(question, verdicts, reason),
            abstain_reason=reason,
            required=question.required,
            set_aside=request.set_aside,
        )
        result.check_evidence(answer)
        return result
