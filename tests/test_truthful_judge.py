"""A truthful judge through the real LLM path: a scripted OpenAI-compatible server on loopback answers every
grading request with the human labels of holdout and the humans' own evidence quotes. Verification must accept
what it proposes (at least 97% of the human covered/partial points keep their verdict), and the same judge
told to obey the injections must still win nothing (see tests/test_reliability_injection.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from evals.datasets import Record, load_named
from evals.truthful import human_claims
from grader.llm import llm_grader
from grader.llm_client import LLMClient
from tests.fake_openai import Reply, answer_in, fake_openai
from tests.reliability_figures import record

pytestmark = pytest.mark.slow
ACCEPTANCE_FLOOR = 0.97


def human_reply(record: Record) -> dict[str, Any]:
    return {
        "points": [
            {
                "point_id": c.point_id,
                "evidence_quote": c.quote,
                "reason": "the human label",
                "verdict": c.verdict,
            }
            for c in human_claims(record)
        ]
    }


def test_verification_accepts_a_truthful_judge_on_holdout() -> None:
    dataset, bank = load_named("holdout")
    with fake_openai() as server:
        grader = llm_grader(
            LLMClient(base_url=server.base_url, api_key="k", model="truthful", timeout_s=10, max_retries=0)
        )
        replies: dict[str, dict[str, Any]] = {}
        for r in dataset.records:
            request, _ = grader.request(bank.get(r.question_id), r.answer)
            replies[request.graded_text()] = human_reply(r)
        server.default = Reply(lambda req: json.dumps(replies[answer_in(req)]))
        credited = kept = abstained = 0
        lost: list[str] = []
        for r in dataset.records:
            wanted = {pid: label for pid, label in r.labels.items() if label in ("covered", "partial")}
            if not wanted:
                continue
            result = grader.grade(bank.get(r.question_id), r.answer)
            if result.abstained:
                abstained += len(wanted)
                continue
            verdicts = {p.point_id: p for p in result.points}
            for pid, label in wanted.items():
                credited += 1
                if verdicts[pid].verdict == label:
                    kept += 1
                else:
                    lost.append(f"{r.id} {pid}: {verdicts[pid].reason}")
        asked = len(server.requests)
    acceptance = kept / credited
    record("truthful judge on holdout, real LLM path", human_points=credited, accepted=kept, model_calls=asked)
    assert asked >= 100 and credited >= 250
    assert acceptance >= ACCEPTANCE_FLOOR, lost
    assert abstained <= 10  # human-credited points on answers the pipeline would not grade at all
