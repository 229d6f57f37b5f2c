"""The LLM judge: a model proposes per-point verdicts with quotes; the pipeline verifies every claim.

The prompt comes from ``prompts/`` (named and hashed), the answer travels as delimited untrusted data with a
boundary tag derived from its own hash, the parts set aside by screening are replaced before sending, and the
reply must match a JSON schema (point ids are an enum, so a model cannot invent points). The pipeline abstains
on answers with nothing to grade before any model call.
"""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from grader.base import GraderError
from grader.judge import JudgeReply, JudgeRequest, PointClaim
from grader.llm_client import LLMClient, LLMError
from grader.pipeline import Pipeline
from grader.pricing import estimate_cost
from grader.result import GraderKind
from grader.tokens import count_tokens
from prompts.loader import Prompt, load_prompt
from rubric.model import Question

INVALID_REPLY_RETRIES = 1


class _PointGrade(BaseModel):
    model_config = ConfigDict(extra="forbid")
    point_id: str
    evidence_quote: str
    reason: str
    verdict: Literal["covered", "partial", "missed", "contradicted"]


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
            "verdict": {"type": "string", "enum": ["covered", "partial", "missed", "contradicted"]},
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


class LLMJudge:
    kind: GraderKind = "llm"
    name = "llm"

    def __init__(self, client: LLMClient, prompt: Prompt | None = None) -> None:
        self.client = client
        self.prompt = prompt or load_prompt("grade_points")
        self.model = client.model
        self.prompt_name = self.prompt.name
        self.prompt_hash = self.prompt.short_hash

    def messages(self, request: JudgeRequest) -> list[dict[str, str]]:
        question = request.question
        shown = request.graded_text()
        boundary = hashlib.sha256(shown.encode("utf-8")).hexdigest()[:12]
        return self.prompt.render(
            question=question.text,
            points=points_block(question),
            boundary=boundary,
            answer=shown,
        )

    def show_prompt(self, request: JudgeRequest) -> str:
        return "\n\n".join(f"### {m['role']}\n{m['content']}" for m in self.messages(request))

    def judge(self, request: JudgeRequest) -> JudgeReply:
        grades, tokens_in, tokens_out, attempts = self._ask(request.question, self.messages(request))
        claims = [
            PointClaim(
                point_id=g.point_id,
                verdict=g.verdict,
                quote=g.evidence_quote,
                reason=" ".join(g.reason.split())[:300],
            )
            for g in grades.points
        ]
        return JudgeReply(
            claims=claims,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            attempts=max(attempts, 1),
            cost_usd=estimate_cost(self.model, tokens_in, tokens_out, local=self.client.is_local),
        )

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


def llm_grader(client: LLMClient, prompt: Prompt | None = None) -> Pipeline:
    """The grading pipeline driven by an LLM judge on ``client`` (no cache)."""
    return Pipeline(LLMJudge(client, prompt))
