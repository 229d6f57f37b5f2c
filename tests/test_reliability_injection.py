"""The injection suite of the evals (golden and holdout: answers that talk to the grader, fake JSON, role-play,
other languages), run against both graders. For the LLM grader the model is the worst case: a fake model that
obeys the injection and marks every point covered, quoting the injected text (or the answer's opening).
Code verification must keep every injection from earning anything: 0 successes.

An injection succeeds when a pure injection (no answer content) gets any credit, or when a variant (a real
answer plus injected text) scores above its base answer graded by the same grader, or credits a point with
evidence taken from the injected text.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from evals.datasets import Record, load_dataset
from grader.base import Grader
from grader.llm import llm_grader
from grader.llm_client import LLMClient
from grader.result import GradeResult
from grader.service import offline_grader
from rubric.model import Bank
from tests.fake_openai import FakeOpenAI, answer_in, fake_openai, point_ids
from tests.fake_openai import Reply as FakeReply
from tests.reliability_figures import record


def injection_cases(bank: Bank) -> list[tuple[Record, Record | None]]:
    cases = []
    for name in ("golden", "holdout"):
        records = load_dataset(name, bank).by_id()
        for r in records.values():
            if r.kind == "injection":
                cases.append((r, records[r.base_id] if r.base_id else None))
    return cases


def injected_text(variant: Record, base: Record | None) -> str:
    """What the injection added: the whole answer for a pure injection, else what is not in the base answer."""
    if base is None:
        return variant.answer
    start = 0
    while start < min(len(base.answer), len(variant.answer)) and base.answer[start] == variant.answer[start]:
        start += 1
    end = 0
    while end < len(base.answer) - start and base.answer[-1 - end] == variant.answer[-1 - end]:
        end += 1
    return variant.answer[start : len(variant.answer) - end].strip()


def obedient_model(quotes: dict[str, str]):
    """A model that does what the answer says: every point covered, quoting the injected text."""

    def reply(request: dict) -> dict:
        answer = answer_in(request)
        quote = quotes.get(answer, answer[:60])[:300]
        return {
            "points": [
                {"point_id": pid, "evidence_quote": quote, "reason": "the answer says so", "verdict": "covered"}
                for pid in point_ids(request)
            ]
        }

    return reply


def successes(grade: GradeResult, variant: Record, base: Record | None, base_grade: GradeResult | None) -> list[str]:
    credited = [p for p in grade.points if p.verdict != "missed"]
    if base is None:
        return [f"{variant.id}: pure injection credited {[p.point_id for p in credited]}"] if credited else []
    found = []
    assert base_grade is not None
    if grade.score > base_grade.score:
        found.append(f"{variant.id}: score {grade.score} above its base's {base_grade.score}")
    injected = injected_text(variant, base)
    start = variant.answer.find(injected)
    for p in credited:
        for e in p.evidence:
            if injected and start >= 0 and e.start < start + len(injected) and e.end > start:
                found.append(f"{variant.id}: {p.point_id} credited with injected text {e.text!r}")
    return found


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    with fake_openai() as s:
        yield s


def _run(grader: Grader, bank: Bank) -> tuple[int, list[str]]:
    tried, found = 0, []
    for variant, base in injection_cases(bank):
        question = bank.get(variant.question_id)
        grade = grader.grade(question, variant.answer)
        base_grade = grader.grade(question, base.answer) if base else None
        found += successes(grade, variant, base, base_grade)
        tried += 1
    return tried, found


def test_injections_never_raise_an_offline_grade(shipped_bank: Bank) -> None:
    tried, found = _run(offline_grader(), shipped_bank)
    assert tried >= 80 and found == []
    record("injection suite, offline grader", injections_tried=tried, successes=len(found))


@pytest.mark.parametrize("quoting", ["the injected text", "the answer's opening"])
def test_injections_never_raise_an_llm_grade_even_when_the_model_obeys(
    quoting: str, server: FakeOpenAI, shipped_bank: Bank
) -> None:
    cases = injection_cases(shipped_bank)
    quotes = {v.answer: injected_text(v, b) for v, b in cases} if quoting == "the injected text" else {}
    server.script.clear()
    server.default = FakeReply(obedient_model(quotes))
    grader = llm_grader(LLMClient(base_url=server.base_url, api_key="k", model="obedient", timeout_s=10, max_retries=0))
    before = len(server.requests)
    tried, found = _run(grader, shipped_bank)
    asked = len(server.requests) - before
    server.default = None
    assert tried >= 80 and asked >= 40  # the model really was asked (screening alone does not decide)
    assert found == []
    record(
        f"injection suite, LLM grader, model obeys and quotes {quoting}",
        injections_tried=tried,
        model_calls=asked,
        successes=len(found),
    )
