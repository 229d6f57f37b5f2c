"""Load, through the code the app uses, on SQLite and on a real PostgreSQL: 20 candidates answering at once
while graders work, 20 learners practising at once. Every answer stored once, none lost, none duplicated,
every answer graded exactly once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grader.service import offline_grader
from practice.service import submit
from rubric.model import Bank
from screening import accounts, candidate, screens, worker
from store import screen_queue
from store.db import Database
from store.practice_store import PracticeStore
from store.tables import Attempt, Grade, ScreenAnswer, ScreenGrade, utcnow
from tests.reliability_figures import record

pytestmark = pytest.mark.slow  # many writers at once against each database

CANDIDATES = 20
ANSWERS = [
    "I would stream card events through Kafka into a low-latency scoring service with a feature store.",
    "The offline store holds history for training; the online store serves the latest features at inference.",
]


def _run_together(targets: list, timeout_s: float = 240) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(targets))

    def wrap(target) -> None:
        try:
            barrier.wait()
            target()
        except BaseException as err:  # collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=wrap, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout_s)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return errors


def test_twenty_candidates_answer_at_once_while_graders_run(db: Database, shipped_bank: Bank) -> None:
    me = accounts.add_user(db, "rita@example.com", "Rita", "correct horse battery staple")
    screen_id = screens.create_screen(db, me.id, "Load", "Answer.", [shipped_bank.get("q06"), shipped_bank.get("q11")])
    invites = [screens.invite(db, screen_id, f"C{i}", f"c{i}@example.com")[0].id for i in range(CANDIDATES)]
    expected = {(inv, k): f"{ANSWERS[k]} (candidate {inv})" for inv in invites for k in range(2)}
    done = threading.Event()
    grader = offline_grader()

    def answer(invite_id: int):
        def run() -> None:
            candidate.consent(db, invite_id)
            for k in range(2):
                q = candidate.current_question(db, invite_id)
                assert q is not None and q.position == k + 1
                for cut in (20, 60):  # drafts saved while typing
                    candidate.save_draft(db, invite_id, q.screen_question_id, expected[(invite_id, k)][:cut])
                candidate.submit(db, invite_id, q.screen_question_id, expected[(invite_id, k)])

        return run

    def grade_until_done() -> None:  # two graders, as two app processes would run
        while True:
            finished = done.is_set()
            taken = worker.run_pending(db, lambda kind: grader, concurrency=2)
            if finished and taken == 0:
                return
            time.sleep(0.05)

    graders = [threading.Thread(target=grade_until_done) for _ in range(2)]
    for g in graders:
        g.start()
    started = time.perf_counter()
    errors = _run_together([answer(inv) for inv in invites])
    done.set()
    for g in graders:
        g.join(300)
    elapsed = time.perf_counter() - started
    assert errors == []

    with db.session() as s:
        rows = s.execute(
            select(ScreenAnswer.invite_id, ScreenAnswer.answer, ScreenAnswer.status, ScreenAnswer.id)
        ).all()
        grades_per_answer = dict(
            s.execute(select(ScreenGrade.screen_answer_id, func.count()).group_by(ScreenGrade.screen_answer_id)).all()
        )
    stored = {r.answer for r in rows}
    assert len(rows) == CANDIDATES * 2  # none duplicated
    assert stored == set(expected.values())  # none lost, none mixed up
    assert all(r.status == "graded" for r in rows)
    assert all(grades_per_answer.get(r.id) == 1 for r in rows)  # graded exactly once
    record(
        f"{CANDIDATES} candidates at once, {db.engine.dialect.name}",
        writers=CANDIDATES,
        answers_submitted=len(expected),
        answers_stored=len(rows),
        lost=len(set(expected.values()) - stored),
        duplicated=len(rows) - len(stored),
        graded_exactly_once=sum(grades_per_answer.get(r.id) == 1 for r in rows),
        seconds=round(elapsed, 1),
    )


def test_twenty_learners_practise_at_once(db: Database, shipped_bank: Bank) -> None:
    store = PracticeStore(db)
    grader = offline_grader()
    question = shipped_bank.get("q06")
    learners = [store.learner(f"learner {i}") for i in range(CANDIDATES)]
    texts = {lid: f"{ANSWERS[0]} (learner {lid})" for lid in learners}

    def practise(learner_id: int):
        def run() -> None:
            outcome = submit(store, learner_id, shipped_bank.id, question, texts[learner_id], grader)
            assert outcome.error is None, outcome.error

        return run

    errors = _run_together([practise(lid) for lid in learners])
    assert errors == []
    with db.session() as s:
        rows = s.execute(select(Attempt.id, Attempt.learner_id, Attempt.answer, Attempt.status)).all()
        grades = dict(s.execute(select(Grade.attempt_id, func.count()).group_by(Grade.attempt_id)).all())
    assert len(rows) == CANDIDATES
    assert {r.learner_id: r.answer for r in rows} == texts
    assert all(r.status == "graded" and grades.get(r.id) == 1 for r in rows)
    record(
        f"{CANDIDATES} learners at once, {db.engine.dialect.name}",
        writers=CANDIDATES,
        answers_stored=len(rows),
        lost=len(texts) - len({r.answer for r in rows}),
        duplicated=len(rows) - len({r.answer for r in rows}),
        graded_exactly_once=sum(grades.get(r.id) == 1 for r in rows),
    )


def test_a_worker_whose_lease_expired_cannot_store_a_second_grade(db: Database, shipped_bank: Bank) -> None:
    me = accounts.add_user(db, "rita@example.com", "Rita", "correct horse battery staple")
    screen_id = screens.create_screen(db, me.id, "Lease", "Answer.", [shipped_bank.get("q06")])
    inv, _ = screens.invite(db, screen_id, "Dan", "dan@example.com")
    candidate.consent(db, inv.id)
    q = candidate.current_question(db, inv.id)
    assert q is not None
    candidate.submit(db, inv.id, q.screen_question_id, ANSWERS[0])
    grader = offline_grader()

    slow = screen_queue.claim_next(db)  # a worker that stalls past its lease
    assert slow is not None and screen_queue.claim_next(db) is None
    with db.session() as s:
        s.get(ScreenAnswer, slow.answer_id).lease_until = utcnow() - timedelta(seconds=1)  # type: ignore[union-attr]
    fast = screen_queue.claim_next(db)  # another worker takes the expired claim over and finishes first
    assert fast is not None and fast.token != slow.token
    assert worker.grade_claimed(db, fast, lambda kind: grader) is not None
    assert worker.grade_claimed(db, slow, lambda kind: grader) is None  # the stale claim stores nothing

    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(ScreenGrade)) == 1
        assert s.get(ScreenAnswer, slow.answer_id).status == "graded"  # type: ignore[union-attr]
