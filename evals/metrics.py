"""Agreement statistics, in plain numpy: F1 of "covered", Cohen's kappa, confusion, correlations."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

LABELS = ("covered", "partial", "missed", "contradicted")
THREE = ("covered", "partial", "missed")


def collapsed(labels: Sequence[str]) -> list[str]:
    """Labels of a three-label set: "contradicted" earns what "missed" earns, and counts as it."""
    return ["missed" if label == "contradicted" else label for label in labels]


def class_prf(truth: Sequence[str], predicted: Sequence[str], label: str) -> dict[str, float]:
    """Precision, recall and F1 of one label against the rest."""
    tp = sum(t == label and p == label for t, p in zip(truth, predicted, strict=True))
    fp = sum(t != label and p == label for t, p in zip(truth, predicted, strict=True))
    fn = sum(t == label and p != label for t, p in zip(truth, predicted, strict=True))
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": float(tp + fn), "predicted": float(tp + fp)}


def confusion(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str] = LABELS) -> list[list[int]]:
    """Rows are the human label, columns the grader's verdict."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(truth, predicted, strict=True):
        matrix[index[t]][index[p]] += 1
    return matrix


def covered_prf(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Precision, recall and F1 of the verdict "covered" (partial and missed are the negative class)."""
    tp = sum(t == "covered" and p == "covered" for t, p in zip(truth, predicted, strict=True))
    fp = sum(t != "covered" and p == "covered" for t, p in zip(truth, predicted, strict=True))
    fn = sum(t == "covered" and p != "covered" for t, p in zip(truth, predicted, strict=True))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": float(tp + fn)}


def cohens_kappa(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str] = LABELS) -> float:
    n = len(truth)
    if n == 0:
        return float("nan")
    matrix = np.array(confusion(truth, predicted, labels), dtype=float)
    observed = np.trace(matrix) / n
    expected = float((matrix.sum(axis=1) * matrix.sum(axis=0)).sum()) / (n * n)
    if expected >= 1.0:
        return 1.0 if observed >= 1.0 else 0.0
    return float((observed - expected) / (1 - expected))


def errors(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, int]:
    """False-covered (credited but not covered by the human) against false-missed (covered or partial, but
    the grader said missed); and partial mix-ups."""
    pairs = list(zip(truth, predicted, strict=True))
    return {
        "false_covered": sum(p == "covered" and t != "covered" for t, p in pairs),
        "false_covered_from_missed": sum(p == "covered" and t == "missed" for t, p in pairs),
        "false_missed": sum(p == "missed" and t != "missed" for t, p in pairs),
        "false_missed_from_covered": sum(p == "missed" and t == "covered" for t, p in pairs),
        "partial_mixups": sum(
            (p == "partial") != (t == "partial") and p != "missed" and t != "missed" for t, p in pairs
        ),
    }


def pearson(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(a) < 2 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def _ranks(values: np.ndarray) -> np.ndarray:
    order = values.argsort(kind="mergesort")
    ranks = np.empty(len(values), dtype=float)
    ranks[order] = np.arange(len(values), dtype=float)
    for value in np.unique(values):  # ties share their mean rank
        tied = values == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return pearson(_ranks(a), _ranks(b)) if len(a) >= 2 else float("nan")


def macro_f1(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> float:
    scores = []
    for label in labels:
        tp = sum(t == label and p == label for t, p in zip(truth, predicted, strict=True))
        fp = sum(t != label and p == label for t, p in zip(truth, predicted, strict=True))
        fn = sum(t == label and p != label for t, p in zip(truth, predicted, strict=True))
        if tp + fp + fn == 0:
            continue
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return float(np.mean(scores)) if scores else float("nan")


def accuracy(truth: Sequence[str], predicted: Sequence[str]) -> float:
    return sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth) if truth else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else float("nan")
