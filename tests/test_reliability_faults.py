"""Faults on the LLM side, through the code the app uses: every fault ends in a verified grade or in a
"failed, retry" state with the answer saved, and a retry once the server is healthy grades it. Answers lost: 0.

The model server is the scriptable fake on loopback; "connection refused" points the client at a closed port.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from grader.llm import llm_grader as pipeline_on
from grader.llm_client import LLMClient
from grader.pipeline import Pipeline
from practice.service import grade_attempt, submit
from rubric.model import Bank
from screening import accounts, candidate, screens, worker
from store.db import Database
from store.practice_store import PracticeStore
from store.tables import ScreenAnswer, ScreenGrade, utcnow
from tests.fake_openai import Behaviour, Dribble, Drop, FakeOpenAI, Reply, Status, fake_openai
from tests.reliability_figures import record
from tests.test_llm_grader import ANSWER, good_reply  # the same answer and a verified reply to it

pytestmark = pytest.mark.slow  # waits out timeouts and retries against a faulty model server


def invented_quotes(request: dict) -> dict:
    return {
        "points": [
            {
                "point_id": pid,
                "evidence_quote": "we shard the vector index by tenant",
                "reason": "x",
                "verdict": "covered",
            }
            for pid in ("q09.1", "q09.2", "q09.3")
        ]
    }


@dataclass(frozen=True)
class Fault:
    name: str
    script: tuple[Behaviour, ...]
    ends: str  # "graded" or "failed"
    refused: bool = False  # the client is pointed at a closed port


SLOW = 1.5  # longer than the client's timeout below
FAULTS = [
    Fault("timeout, every attempt", (Reply(good_reply, delay_s=SLOW),) * 2, "failed"),
    Fault("timeout, then an answer", (Reply(good_reply, delay_s=SLOW), Reply(good_reply)), "graded"),
    Fault("connection refused", (), "failed", refused=True),
    Fault(
        "HTTP 429 with Retry-After, then an answer",
        (Status(429, headers={"retry-after": "0.2"}), Reply(good_reply)),
        "graded",
    ),
    Fault("HTTP 429 on every attempt", (Status(429, headers={"retry-after": "0.1"}),) * 2, "failed"),
    Fault("HTTP 500 on every attempt", (Status(500),) * 2, "failed"),
    Fault("HTTP 502, then an answer", (Status(502), Reply(good_reply)), "graded"),
    Fault("HTTP 503 on every attempt", (Status(503),) * 2, "failed"),
    Fault("truncated reply (token limit)", (Reply('{"points": [', finish_reason="length"),) * 2, "failed"),
    Fault("invalid JSON twice", (Reply("{not json"), Reply("{still not json")), "failed"),
    Fault("invalid JSON, then valid", (Reply("{not json"), Reply(good_reply)), "graded"),
    Fault("JSON of the wrong shape", (Reply('{"points": [{"point_id": "q09.1"}]}'),) * 2, "failed"),
    Fault("a refusal", (Reply("", refusal="I can't help with that."),) * 2, "failed"),
    Fault("slow stream past the timeout", (Dribble(Reply(good_reply), interval_s=0.3),) * 2, "failed"),
    Fault("slow stream within the timeout", (Dribble(Reply(good_reply), interval_s=0.001, chunk=64),), "graded"),
    Fault("server dies mid-request", (Drop(), Drop()), "failed"),
    Fault("server dies mid-request, then answers", (Drop(), Reply(good_reply)), "graded"),
    Fault("model invents its quotes", (Reply(invented_quotes),), "graded"),
]
OUTCOMES: dict[str, dict[str, int]] = {}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    with fake_openai() as s:
        yield s


def llm_grader(base_url: str) -> Pipeline:
    client = LLMClient(
        base_url=base_url, api_key="test-key", model="fake-model", timeout_s=0.8, max_retries=1, backoff_s=0.01
    )
    return pipeline_on(client)


def closed_port_url() -> str:
    from tests.app_server import free_port

    return f"http://127.0.0.1:{free_port()}/v1"


def _tally(path: str, fault: Fault, status: str, saved: bool, recovered: bool) -> None:
    tally = OUTCOMES.setdefault(path, {"faults injected": 0, "answers saved": 0, "graded after retry": 0})
    tally["faults injected"] += 1
    tally["answers saved"] += int(saved)
    tally["graded after retry"] += int(recovered)
    if tally["faults injected"] == len(FAULTS):
        record(
            f"LLM faults, {path}",
            cases=tally["faults injected"],
            answers_saved=tally["answers saved"],
            answers_lost=tally["faults injected"] - tally["answers saved"],
            graded_in_the_end=tally["graded after retry"],
        )


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_practice_answers_survive_every_fault(
    fault: Fault, server: FakeOpenAI, shipped_bank: Bank, tmp_path: Path
) -> None:
    store = PracticeStore(Database(f"sqlite:///{tmp_path / 'faults.db'}"))
    question = shipped_bank.get("q09")
    learner = store.learner("ann")
    server.script.clear()
    server.push(*fault.script)
    grader = llm_grader(closed_port_url() if fault.refused else server.base_url)

    outcome = submit(store, learner, shipped_bank.id, question, ANSWER, grader)

    record_ = store.attempt(outcome.attempt_id)
    assert record_.answer == ANSWER  # saved, whatever happened
    assert record_.status == fault.ends, outcome.error
    if fault.ends == "graded":
        assert outcome.result is not None
        outcome.result.check_evidence(ANSWER)  # every covered point quotes the answer itself
        if fault.name == "model invents its quotes":
            assert outcome.result.score == 0 and outcome.result.meta.rejected_claims == 3
    else:
        assert outcome.result is None and outcome.error and record_.error == outcome.error
    # the retry a candidate gets (a button), once the server is healthy again
    server.script.clear()
    server.push(Reply(good_reply))
    retried = grade_attempt(store, outcome.attempt_id, question, ANSWER, llm_grader(server.base_url))
    recovered = fault.ends == "graded" or (
        retried.result is not None and store.attempt(outcome.attempt_id).status == "graded"
    )
    if fault.ends == "failed":
        assert recovered
    _tally("practice", fault, record_.status, store.attempt(outcome.attempt_id).answer == ANSWER, recovered)
    store.db.dispose()


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_screen_answers_survive_every_fault(
    fault: Fault, server: FakeOpenAI, shipped_bank: Bank, tmp_path: Path
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'faults.db'}")
    me = accounts.add_user(db, "rita@example.com", "Rita", "correct horse battery staple")
    screen_id = screens.create_screen(db, me.id, "LLM screen", "Answer.", [shipped_bank.get("q09")], grader="llm")
    inv, _ = screens.invite(db, screen_id, "Dan", "dan@example.com")
    candidate.consent(db, inv.id)
    q = candidate.current_question(db, inv.id)
    assert q is not None
    candidate.submit(db, inv.id, q.screen_question_id, ANSWER)
    server.script.clear()
    server.push(*fault.script)
    grader = llm_grader(closed_port_url() if fault.refused else server.base_url)

    assert worker.run_pending(db, lambda kind: grader) == 1

    with db.session() as s:
        row = s.scalars(select(ScreenAnswer)).one()
        assert row.answer == ANSWER and row.status == fault.ends, row.error
        if fault.ends == "failed":
            assert row.error and row.next_try_at is not None
            row.next_try_at = utcnow()  # due now rather than after the backoff
    server.script.clear()
    server.push(Reply(good_reply))
    worker.run_pending(db, lambda kind: llm_grader(server.base_url))
    with db.session() as s:
        row = s.scalars(select(ScreenAnswer)).one()
        grades = s.scalar(select(func.count()).select_from(ScreenGrade))
        saved = row.answer == ANSWER
        assert row.status == "graded" and grades == 1  # one grade, not one per try
    _tally("screening", fault, row.status, saved, True)
    db.dispose()
