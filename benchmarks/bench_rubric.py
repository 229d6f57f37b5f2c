"""Rubric index: build from scratch, reopen, and fetch by free text with the index open."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.report import Figure, Section, timed_ms

QUERIES = [
    "How would you keep the cost of LLM calls down with caching?",
    "What is the difference between online and offline feature stores?",
    "Walk me through a RAG pipeline over internal documents.",
    "How do you explain model limitations to business people?",
    "What is your favourite colour?",
]


def run() -> Section:
    from config.offline import enforce_offline

    enforce_offline()
    from embeddings.minilm import get_encoder
    from rubric.bank import load_default_bank
    from rubric.index import RubricIndex

    bank = load_default_bank()
    section = Section("Rubric index (50-question bank)")
    get_encoder()  # model load is measured separately below; keep it out of the build figure
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        index = RubricIndex(bank, Path(tmp))
        build_s = time.perf_counter() - started
        section.figures.append(Figure("index build from scratch", build_s, "s", "< 10 s", build_s < 10))

        reopen_ms, reopen_p95, _ = timed_ms(lambda: RubricIndex(bank, Path(tmp)), runs=10, warmup=1)
        section.figures.append(
            Figure("index reopen (no rebuild)", reopen_ms, "ms", "< 1000 ms", reopen_ms < 1000, reopen_p95, 10)
        )
        cycle = iter(QUERIES * 1000)
        fetch_ms, fetch_p95, samples = timed_ms(lambda: index.search(next(cycle)), runs=200, warmup=10)
        section.figures.append(
            Figure(
                "fetch by free text, index open",
                fetch_ms,
                "ms",
                "< 5 ms (issue 8), < 50 ms (issue 2)",
                fetch_ms < 5,
                fetch_p95,
                len(samples),
            )
        )
        id_ms, id_p95, _ = timed_ms(lambda: index.resolve("q21"), runs=200, warmup=10)
        section.figures.append(Figure("fetch by id", id_ms, "ms", "", None, id_p95, 200))
    return section
