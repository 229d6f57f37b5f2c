"""The LLM grader: a model proposes per-point verdicts with quotes; code verifies every claim.

The prompt comes from ``prompts/`` (named and hashed), the answer travels as delimited untrusted data with a
boundary tag derived from its own hash, sentences set aside by screening are replaced before sending, and the
reply must match a JSON schema. Empty, garbled, non-English and off-topic answers are abstained on in code,
without a model call.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from grader.base import GRADER_VERSION, GraderError, answer_sha256
from grader.feedback import feedback_for
from grader.llm_client import LLMClient, LLMError
from grader.preparation import abstained_verdicts, prepare
from grader.pricing import estimate_cost
from grader.result import GradeMeta, GradeResult, assemble
from grader.verification import Claim, verify_claims
from interview_grader.tokens import count_tokens
from prompts.loader import Prompt, load_prompt
from rubric.model import Question

REMOVED = "[removed: text addressed to the grader or not in English]"
INVALID_REPLY_RETRIES = 1


class _PointGrade(BaseModel):
    model_config = ConfigDict(extra="forbid")
    point_id: str
    evidence_quote: str
    reason: str
    verdict: Literal["covered", "partial", "missed"]


class _Grades(BaseModel):
    model_config = ConfigDict(extra="forbid")
    points: list[_PointGrade]


QUOTE_CHARS = 240
REASON_CHARS = 160


def reply_schema(question: Question, bounded: bool = False) -> dict[str, object]:
    """Reasoning fields come before the verdict; point ids are an enum, so a model cannot invent points.

    ``bounded`` adds length and count limits, which llama.cpp turns into its decoding grammar (a weak local
    model otherwise runs to the token limit); OpenAI's strict mode does not accept all of them."""
    quote: dict[str, object] = {"type": "string"}
    reason: dict[str, object] = {"type": "string"}
    points: dict[str, object] = {"type": "array"}
    if bounded:
        quote["maxLength"] = QUOTE_CHARS
        reason["maxLength"] = REASON_CHARS
        points["minItems"] = points["maxItems"] = len(question.points)
    points["items"] = {
        "type": "object",
        "properties": {
            "point_id": {"type": "string", "enum": [p.id for p in question.points]},
            "evidence_quote": quote,
            "reason": reason,
            "verdict": {"type": "string", "enum": ["covered", "partial", "missed"]},
        },
        "required": ["point_id", "evidence_quote", "reason", "verdict"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"points": points},
        "required": ["points"],
        "additionalProperties": False,
    }


def reply_token_budget(question: Question) -> int:
    return 300 + 200 * len(question.points)


def points_block(question: Question) -> str:
    lines = []
    for p in question.points:
        example = f" (examples: {', '.join(p.examples)})" if p.examples else ""
        lines.append(f"- {p.id}: {p.text}{example}")
    return "\n".join(lines)


class LLMGrader:
    kind = "llm"

    def __init__(self, client: LLMClient, prompt: Prompt | None = None) -> None:
        self.client = client
        self.prompt = prompt or load_prompt("grade_points")
        self.model = client.model
        self.prompt_name = self.prompt.name
        self.prompt_hash = self.prompt.short_hash

    def messages(
        self, question: Question, answer: str, ignored: list[tuple[int, int]] | None = None
    ) -> list[dict[str, str]]:
        sent = answer
        for start, end in sorted(ignored or [], reverse=True):
            sent = sent[:start] + REMOVED + sent[end:]
        boundary = hashlib.sha256(answer.encode("utf-8")).hexdigest()[:12]
        return self.prompt.render(question=question.text, points=points_block(question), boundary=boundary, answer=sent)

    def show_prompt(self, question: Question, answer: str) -> str:
        prepared = prepare(question, answer)
        ignored = [(s.start, s.end) for s, _ in prepared.screened.ignored]
        return "\n\n".join(f"### {m['role']}\n{m['content']}" for m in self.messages(question, answer, ignored))

    def grade(self, question: Question, answer: str) -> GradeResult:
        started = time.perf_counter()
        prepared = prepare(question, answer)
        ignored_spans = [s for s, _ in prepared.screened.ignored]
        tokens_in = tokens_out = 0
        attempts = 0
        rejected = 0
        abstain = prepared.abstain_reason
        if abstain is not None:
            verdicts = abstained_verdicts(question, abstain)
        else:
            messages = self.messages(question, answer, [(s.start, s.end) for s in ignored_spans])
            grades, tokens_in, tokens_out, attempts = self._ask(question, messages)
            claims = {}
            for g in grades.points:
                claims.setdefault(
                    g.point_id, Claim(g.point_id, g.verdict, g.evidence_quote, " ".join(g.reason.split())[:300])
                )
            verdicts, rejected = verify_claims(
                answer, claims, prepared.profile, prepared.screened.sentences, ignored_spans
            )
        meta = GradeMeta(
            grader="llm",
            model=self.model,
            prompt_name=self.prompt_name,
            prompt_hash=self.prompt_hash,
            grader_version=GRADER_VERSION,
            rubric_hash=question.content_hash(),
            answer_sha256=answer_sha256(answer),
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost_usd=estimate_cost(self.model, tokens_in, tokens_out, local=self.client.is_local),
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            rejected_claims=rejected,
            ignored_sentences=len(ignored_spans),
            attempts=max(attempts, 1),
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

    def _ask(self, question: Question, messages: list[dict[str, str]]) -> tuple[_Grades, int, int, int]:
        schema = reply_schema(question, bounded=self.client.is_local)
        prompt_tokens = sum(count_tokens(m["content"], self.model) for m in messages)
        tokens_in = tokens_out = attempts = 0
        last_problem = ""
        for _ in range(1 + INVALID_REPLY_RETRIES):
            try:
                reply = self.client.chat_json(messages, schema, "point_grades", max_tokens=reply_token_budget(question))
            except LLMError as err:
                raise GraderError(f"LLM grading failed ({err.kind}): {err}") from err
            attempts += reply.attempts
            tokens_in += reply.tokens_in if reply.tokens_in is not None else prompt_tokens
            tokens_out += reply.tokens_out if reply.tokens_out is not None else count_tokens(reply.content, self.model)
            try:
                grades = _Grades.model_validate(json.loads(reply.content))
            except (json.JSONDecodeError, ValidationError) as err:
                last_problem = f"the reply is not valid JSON for the schema ({type(err).__name__})"
                continue
            known = {p.id for p in question.points}
            if any(g.point_id not in known for g in grades.points):
                last_problem = "the reply names points that are not in the rubric"
                continue
            return grades, tokens_in, tokens_out, attempts
        raise GraderError(f"LLM grading failed (invalid_reply): {last_problem} after {attempts} attempts")
