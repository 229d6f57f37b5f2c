"""The offline judges side by side on a 150-word, 5-point answer: the whole grade through the pipeline, and
for the pair classifier its overhead over the model's own batched forward pass on the same pairs."""

from __future__ import annotations

import numpy as np

from benchmarks.bench_grader import answer_of
from benchmarks.report import Figure, Section, timed_ms


def _batched_forward(judge: object, pairs: list[tuple[str, str]]) -> None:
    """One padded batch through the ONNX session: the floor the judge's own loop is compared with."""
    from grader.learned_judge import _runtime

    session, tokenizer, _ = _runtime(judge.path, judge.sha256)  # type: ignore[attr-defined]
    encs = tokenizer.encode_batch(pairs)  # type: ignore[attr-defined]
    width = max(len(e.ids) for e in encs)
    ids = np.zeros((len(encs), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for row, e in enumerate(encs):
        ids[row, : len(e.ids)] = e.ids
        mask[row, : len(e.ids)] = 1
        types[row, : len(e.ids)] = e.type_ids
    session.run(["logits"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})  # type: ignore[attr-defined]


def run() -> Section:
    from config.offline import enforce_offline

    enforce_offline()
    from grader.learned_judge import CrossJudge, point_text
    from grader.service import offline_grader
    from rubric.bank import load_default_bank

    question = load_default_bank().get("q06")
    answer = answer_of(150)
    section = Section("Offline judges: a 150-word answer to q06 (5 points), whole pipeline, after warm-up")
    for judge in ("matcher", "learned", "combined"):
        grader = offline_grader(judge)
        p50, p95, samples = timed_ms(lambda g=grader: g.grade(question, answer), runs=30, warmup=3)
        section.figures.append(
            Figure(f"grade with the {judge} judge", p50, "ms", "<= 250 ms", p50 <= 250, p95, len(samples))
        )
    learned = CrossJudge()
    request, _ = offline_grader("learned").request(question, answer)
    sentences = [request.masked_answer[s.start : s.end] for s in request.graded]
    points = [point_text(p) for p in question.points]
    pairs = [(points[i], sentences[j]) for i, j in learned._pairs(points, sentences)]
    judge_ms, judge_p95, judge_samples = timed_ms(lambda: learned.judge(request), runs=30, warmup=3)
    forward_ms, forward_p95, forward_samples = timed_ms(lambda: _batched_forward(learned, pairs), runs=30, warmup=3)
    section.figures += [
        Figure(
            f"pair classifier judge call ({len(pairs)} pairs, one at a time)",
            judge_ms,
            "ms",
            "",
            None,
            judge_p95,
            len(judge_samples),
        ),
        Figure(
            "its model's batched forward pass over the same pairs",
            forward_ms,
            "ms",
            "",
            None,
            forward_p95,
            len(forward_samples),
        ),
        Figure(
            "judge / batched forward pass",
            judge_ms / forward_ms,
            "x",
            "<= 1.5x",
            judge_ms / forward_ms <= 1.5,
            None,
            1,
            note="pairs run one at a time so a pair's int8 activations are scaled on its own (deterministic)",
            digits=2,
        ),
    ]
    return section
