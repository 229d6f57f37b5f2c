"""Offline grader latency by answer length and number of key points; batch throughput; cached re-grade."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.report import Figure, Section, timed_ms

# Sentences a candidate might write for q06 (fraud API); answers of a given length are built from them.
SENTENCES = [
    "I would ingest card transactions through Kafka so the scoring service sees each event as it happens.",
    "The model is exported to ONNX and served from Triton, which keeps inference well under the 100 ms budget.",
    "Hot features such as recent transaction counts live in a Redis cache next to the model server.",
    "An API gateway in front handles authentication, throttling and request validation.",
    "We monitor p99 latency, error rates and the distribution of scores, with alerts to the on-call engineer.",
    "For the first version I would keep the feature set small and focus on velocity features per card.",
    "The fallback when the model times out is a simple rules engine, so no transaction waits too long.",
    "Deployments go through a canary so a bad model never sees all of the traffic at once.",
    "Historical data for training comes from the warehouse, while online features come from the stream.",
    "I would agree the SLA with the product team and measure it end to end, not only inside the model.",
]


_OPENERS = ["", "Also, ", "In practice, ", "For example, ", "Later on, ", "On top of that, ", "Concretely, "]


def answer_of(words: int) -> str:
    """A realistic answer of about ``words`` words; longer ones vary their sentences instead of repeating them."""
    out: list[str] = []
    i = 0
    while sum(len(s.split()) for s in out) < words:
        sentence = SENTENCES[i % len(SENTENCES)]
        opener = _OPENERS[(i // len(SENTENCES)) % len(_OPENERS)]
        out.append(opener + sentence[0].lower() + sentence[1:] if opener else sentence)
        i += 1
    text = " ".join(out).split()[:words]
    return " ".join(text).rstrip(".,") + "."


def run() -> Section:
    from config.offline import enforce_offline

    enforce_offline()
    from grader.cache import GradeCache
    from grader.service import offline_grader
    from rubric.bank import load_default_bank

    bank = load_default_bank()
    grader = offline_grader()
    q06 = bank.get("q06")
    section = Section("Offline grader (after warm-up; the rubric's embeddings are cached per question)")
    for words in (50, 150, 400, 1000):
        answer = answer_of(words)
        p50, p95, samples = timed_ms(lambda a=answer: grader.grade(q06, a), runs=30, warmup=3)
        target = "< 300 ms" if words == 150 else ""
        section.figures.append(
            Figure(
                f"grade a {words}-word answer (q06, 5 points)",
                p50,
                "ms",
                target,
                p50 < 300 if words == 150 else None,
                p95,
                len(samples),
            )
        )
    answer = answer_of(150)
    for qid in ("q32", "q20", "q21"):
        question = bank.get(qid)
        p50, p95, samples = timed_ms(lambda q=question: grader.grade(q, answer), runs=30, warmup=3)
        section.figures.append(
            Figure(
                f"grade a 150-word answer, {len(question.points)} key points ({qid})",
                p50,
                "ms",
                "",
                None,
                p95,
                len(samples),
            )
        )
    batch = [(bank.questions[i % 50], answer_of(120 + (i % 5) * 20)) for i in range(100)]
    for question, text in batch[:10]:
        grader.grade(question, text)
    started = time.perf_counter()
    for question, text in batch:
        grader.grade(question, text)
    seconds = time.perf_counter() - started
    section.figures.append(
        Figure(
            "batch throughput (100 answers, 50 questions, 120-200 words)",
            len(batch) / seconds,
            "answers/s",
            "",
            None,
            None,
            1,
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        grade_cache = GradeCache(Path(tmp) / "cache.sqlite")
        cached = grader.with_cache(grade_cache)
        cached.grade(q06, answer)
        p50, p95, samples = timed_ms(lambda: cached.grade(q06, answer), runs=50, warmup=3)
        section.figures.append(Figure("cached re-grade", p50, "ms", "< 50 ms", p50 < 50, p95, len(samples)))
    return section
