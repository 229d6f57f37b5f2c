"""Batch grading of a screen: 20 submitted answers graded by ``screening.worker.run_pending`` with the LLM grader,
against an OpenAI-compatible server on loopback that answers every request after 1 s (``tests/fake_openai.py``).

The screen is real (recruiter, screen with the "llm" grader, invites, consent, submitted answers, in a throwaway
SQLite database), and so is everything on the grading side: claims, the LLM grader and client, verification and
storing the grade. Wall time at several concurrencies is compared with ceil(20 / C) x 1 s; then the server allows
only 4 requests at once (HTTP 429 with Retry-After beyond that) while the worker runs 8 at once.
"""

from __future__ import annotations

import json
import math
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.report import Figure, Section

GOLDEN = Path(__file__).resolve().parents[1] / "evals" / "datasets" / "golden.jsonl"
QUESTIONS = ("q01", "q04", "q06", "q08", "q11")
CANDIDATES = 4  # 4 candidates x 5 questions = 20 answers
ANSWERS = len(QUESTIONS) * CANDIDATES
KINDS = ("strong", "partial", "paraphrase", "weak", "swap", "rejection")  # never abstained on: each one is sent
DELAY_S = 1.0
CONCURRENCY = (1, 2, 4, 8, 20)
SPEEDUP_AT, SPEEDUP_TARGET = 8, 4.0
LIMIT_IN_FLIGHT, LIMIT_CONCURRENCY = 4, 8
PASS_DEADLINE_S = 120.0
PASSWORD = "benchmark password, not a secret"


@dataclass
class Sleeps:
    """The client's sleep between attempts (it only sleeps after a retryable failure), recorded."""

    waits: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, seconds: float) -> None:
        with self.lock:
            self.waits.append(seconds)
        time.sleep(seconds)


@dataclass
class Outcome:
    seconds: float
    graded: int
    grade_rows: int
    requests: int
    rate_limited: int
    peak_in_flight: int
    passes: int
    failed_attempts: int
    waits: list[float]


def golden_answers() -> dict[str, list[str]]:
    by_question: dict[str, list[str]] = {}
    for line in GOLDEN.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("kind") in KINDS and row.get("question_id") in QUESTIONS:
            by_question.setdefault(row["question_id"], []).append(row["answer"])
    return by_question


def build_screen(url: str, bank: Any, answers: dict[str, list[str]]) -> Any:
    """A database holding one "llm" screen of 5 questions that 4 candidates have answered: 20 pending answers."""
    from screening import accounts, candidate, screens
    from store.db import Database

    db = Database(url)
    recruiter = accounts.add_user(db, "bench@example.com", "Bench", PASSWORD)
    screen_id = screens.create_screen(
        db, recruiter.id, "Benchmark screen", "Answer briefly.", [bank.get(q) for q in QUESTIONS], grader="llm"
    )
    for n in range(CANDIDATES):
        invite, _token = screens.invite(db, screen_id, f"Candidate {n + 1}", f"candidate{n + 1}@example.com")
        candidate.consent(db, invite.id)
        for qid in QUESTIONS:
            shown = candidate.current_question(db, invite.id)
            assert shown is not None
            candidate.submit(db, invite.id, shown.screen_question_id, answers[qid][n])
    return db


def counts(db: Any) -> tuple[int, int, int, datetime | None]:
    """Graded answers, stored grades, failed attempts so far, and when the next failed one is due."""
    from sqlalchemy import func, select

    from store.tables import ScreenAnswer, ScreenGrade

    with db.session() as s:
        graded = s.scalar(select(func.count()).where(ScreenAnswer.status == "graded")) or 0
        rows = s.scalar(select(func.count()).select_from(ScreenGrade)) or 0
        failed = s.scalar(select(func.count()).where(ScreenAnswer.error.is_not(None))) or 0
        due = s.scalar(select(func.min(ScreenAnswer.next_try_at)).where(ScreenAnswer.status == "failed"))
    return graded, rows, failed, due


def grade_screen(db: Any, server: Any, grader: Any, sleeps: Sleeps, concurrency: int) -> Outcome:
    """Run the worker until every answer is graded, as the background grader would: a failed answer is retried
    on a later pass once it is due. The first pass is the whole story unless the server refused too often."""
    from screening.worker import run_pending

    server.requests.clear()
    server.rate_limited = server.peak_in_flight = 0
    sleeps.waits.clear()
    passes = failed_attempts = 0
    started = time.perf_counter()
    while True:
        passes += 1
        run_pending(db, lambda kind: grader, concurrency=concurrency)
        graded, rows, failed, due = counts(db)
        failed_attempts = max(failed_attempts, failed)
        if graded >= ANSWERS or due is None or time.perf_counter() - started > PASS_DEADLINE_S:
            break
        due = due if due.tzinfo else due.replace(tzinfo=UTC)
        time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.05)
    seconds = time.perf_counter() - started
    return Outcome(
        seconds,
        graded,
        rows,
        len(server.requests),
        server.rate_limited,
        server.peak_in_flight,
        passes,
        failed_attempts,
        list(sleeps.waits),
    )


def run() -> Section:
    from config.offline import enforce_offline

    enforce_offline()
    from grader.llm import llm_grader
    from grader.llm_client import LLMClient
    from rubric.bank import load_default_bank
    from tests.fake_openai import FakeOpenAI, Reply, everything_covered

    bank = load_default_bank()
    answers = golden_answers()
    section = Section(
        f"Screen batch grading: {ANSWERS} answers ({CANDIDATES} candidates x {len(QUESTIONS)} questions), "
        f"LLM grader against a loopback server that answers after {DELAY_S:g} s"
    )
    server = FakeOpenAI().start()
    try:
        server.default = Reply(everything_covered(), delay_s=DELAY_S)
        sleeps = Sleeps()
        client = LLMClient(base_url=server.base_url, api_key="bench", model="fake-model", sleep=sleeps)
        grader = llm_grader(client)
        grader.grade(bank.get(QUESTIONS[0]), answers[QUESTIONS[0]][0])  # warm-up: encoder, tokenizer, connection

        outcomes: dict[int, Outcome] = {}
        with tempfile.TemporaryDirectory() as tmp:
            for c in CONCURRENCY:
                db = build_screen(f"sqlite:///{Path(tmp) / f'c{c}.db'}", bank, answers)
                try:
                    outcomes[c] = grade_screen(db, server, grader, sleeps, c)
                finally:
                    db.dispose()
            server.max_in_flight, server.retry_after_s = LIMIT_IN_FLIGHT, 1.0
            db = build_screen(f"sqlite:///{Path(tmp) / 'limited.db'}", bank, answers)
            try:
                limited = grade_screen(db, server, grader, sleeps, LIMIT_CONCURRENCY)
            finally:
                db.dispose()
    finally:
        server.stop()

    base = outcomes[1].seconds
    for c, o in outcomes.items():
        ideal = math.ceil(ANSWERS / c) * DELAY_S
        complete = o.graded == ANSWERS and o.requests == ANSWERS
        problems = "" if complete else f"; {o.graded} graded, {o.requests} requests"
        section.figures.append(
            Figure(
                f"grade the screen, concurrency {c}",
                o.seconds,
                "s",
                f"~ {ideal:g} s (ceil(20/{c}) x {DELAY_S:g} s)",
                None,
                note=f"+{o.seconds - ideal:.2f} s over ceil, at most {o.peak_in_flight} requests at once{problems}",
            )
        )
    for c, o in outcomes.items():
        if c == 1:
            continue
        speedup = base / o.seconds
        section.figures.append(
            Figure(
                f"speed-up over concurrency 1, at {c}",
                speedup,
                "x",
                f">= {SPEEDUP_TARGET:g}x" if c == SPEEDUP_AT else "",
                speedup >= SPEEDUP_TARGET if c == SPEEDUP_AT else None,
                note=f"ideal {ANSWERS / math.ceil(ANSWERS / c):.1f}x",
            )
        )
    section.figures += limit_figures(limited)
    return section


def limit_figures(o: Outcome) -> list[Figure]:
    ideal = math.ceil(ANSWERS / LIMIT_IN_FLIGHT) * DELAY_S
    where = f"server allows {LIMIT_IN_FLIGHT} at once, worker runs {LIMIT_CONCURRENCY}"
    shortest = min(o.waits) if o.waits else 0.0
    return [
        Figure(
            f"rate-limited: grade the screen ({where})",
            o.seconds,
            "s",
            f"~ {ideal:g} s (ceil(20/{LIMIT_IN_FLIGHT}) x {DELAY_S:g} s)",
            None,
            note=f"{o.passes} worker pass{'es' if o.passes > 1 else ''}, {o.requests} requests",
        ),
        Figure(
            "rate-limited: HTTP 429 answers sent by the server",
            o.rate_limited,
            "responses",
            note=f"the client waited {len(o.waits)} times; {o.requests} requests for {ANSWERS} answers",
            digits=0,
        ),
        Figure(
            "rate-limited: answers graded",
            o.graded,
            f"of {ANSWERS}",
            f"{ANSWERS} of {ANSWERS}",
            o.graded == ANSWERS and o.grade_rows == o.graded,
            note=f"{o.grade_rows} grade rows; {o.failed_attempts} answers ran out of client retries in a pass",
            digits=0,
        ),
        Figure(
            "rate-limited: shortest client wait after a 429",
            shortest,
            "s",
            ">= 1 s (Retry-After)",
            bool(o.waits) and shortest >= 1.0,
            note=f"longest {max(o.waits, default=0):.2f} s; at most {o.peak_in_flight} requests at once",
            digits=2,
        ),
    ]
