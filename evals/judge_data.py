"""Training tables for the learned judge, from the team's labelled data only.

``python -m evals.judge_data OUT.npz`` screens every training answer the way the pipeline does, and writes the
features (:mod:`evals.judge_features`) of every (point, graded sentence) pair with its label:

- **crossdomain, train questions** (``evals/datasets/crossdomain/split.json``) and **golden** (the tuning
  set): a sentence that holds the human evidence for a point gets the point's label (covered / partial /
  contradicted), every other sentence "none". golden's swap and rejection records are left out (golden
  labels them missed, where the four-label policy says contradicted), and so are other languages.
- **SAF, every question**: tutor scores per answer, no per-point labels; the trainer uses them as answer-level
  targets and holds out SAF questions by fold (:func:`saf_folds`).

holdout, the edge-case bank and the crossdomain test questions are never read here.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from evals.datasets import Record, load_named
from evals.judge_features import FEATURE_VERSION, WIDTH, pair_features, point_text, sentence_texts
from evals.saf import load_saf
from grader.service import offline_grader
from rubric.model import Question

LABELS = ("none", "covered", "partial", "contradicted")
SAF_FOLDS = 5
_GOLDEN_EXCLUDED = {"swap", "rejection", "other_language"}


def saf_folds(question_ids: list[str]) -> dict[str, int]:
    """SAF questions into ``SAF_FOLDS`` fixed folds by a hash of the question id (grouped cross-validation)."""
    ordered = sorted(set(question_ids), key=lambda q: hashlib.sha256(q.encode()).hexdigest())
    return {q: i % SAF_FOLDS for i, q in enumerate(ordered)}


def _sentence_labels(record: Record, question: Question, graded: list[tuple[int, int]]) -> np.ndarray:
    labels = np.zeros((len(question.points), len(graded)), dtype=np.int8)
    for i, point in enumerate(question.points):
        label = record.labels[point.id]
        if label == "missed":
            continue
        for start, end in record.evidence.get(point.id, []):
            for j, (gs, ge) in enumerate(graded):
                if start < ge and gs < end:
                    labels[i, j] = LABELS.index(label)
    return labels


def _answer(question: Question, answer: str) -> tuple[np.ndarray, list[tuple[int, int]], list[str]] | None:
    request, abstain = offline_grader().request(question, answer)
    if abstain is not None or not request.graded:
        return None
    texts = sentence_texts(request.masked_answer, request.graded)
    return pair_features(question, texts), [(s.start, s.end) for s in request.graded], texts


def build() -> dict[str, Any]:
    features: list[np.ndarray] = []
    pair_labels: list[np.ndarray] = []
    answers: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()

    def add(source: str, question: Question, answer: str, labels: Any, meta: dict[str, Any]) -> None:
        if (question.id, answer) in seen:  # injection variants and repeats add nothing new
            return
        seen.add((question.id, answer))
        built = _answer(question, answer)
        if built is None:
            return
        x, graded, texts = built
        y = labels(graded) if callable(labels) else np.full(x.shape[:2], -1, dtype=np.int8)
        answers.append(
            {
                "source": source,
                "question_id": question.id,
                "points": len(question.points),
                "sentences": x.shape[1],
                "offset": sum(len(f) for f in features),
                "point_texts": [point_text(p) for p in question.points],
                "sentence_texts": texts,
                **meta,
            }
        )
        features.append(x.reshape(-1, WIDTH).astype(np.float16))
        pair_labels.append(y.reshape(-1))

    for name, split in (("crossdomain", "train"), ("golden", "all")):
        dataset, bank = load_named(name, split=split, paraphrases=False)
        for r in dataset.records:
            if (name == "golden" and r.kind in _GOLDEN_EXCLUDED) or r.kind == "injection":
                continue
            q = bank.get(r.question_id)
            add(
                name,
                q,
                r.answer,
                lambda graded, r=r, q=q: _sentence_labels(r, q, graded),
                {"record": r.id, "point_labels": [r.labels[p.id] for p in q.points]},
            )
    bank, rows = load_saf()
    folds = saf_folds([r["question_id"] for r in rows])
    for row in rows:
        q = bank.get(row["question_id"])
        target = row["score"] / row["max_score"] if row["max_score"] else 0.0
        add(
            "saf",
            q,
            row["answer"][:20_000],
            None,
            {
                "record": row["id"],
                "target": target,
                "tutor_label": row["label"],
                "fold": folds[q.id],
                "required": q.required or len(q.points),
            },
        )
    return {"x": np.concatenate(features), "y": np.concatenate(pair_labels), "answers": answers}


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    out = Path(args[0] if args else "evals/results/judge-features.npz")
    out.parent.mkdir(parents=True, exist_ok=True)
    table = build()
    np.savez_compressed(out, x=table["x"], y=table["y"])
    meta = {"feature_version": FEATURE_VERSION, "labels": LABELS, "answers": table["answers"]}
    out.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    by_source: dict[str, int] = {}
    for a in table["answers"]:
        by_source[a["source"]] = by_source.get(a["source"], 0) + 1
    print(f"{out}: {len(table['x'])} pairs from {by_source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
