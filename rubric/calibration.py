"""Measure free-text matching on a labelled set and pick the threshold (``interview-grader index calibrate``).

A calibration set is YAML: ``paraphrases`` maps a question id to one or more wordings of that question;
``unrelated`` lists questions the bank has no rubric for. The recommended threshold maximises accuracy
where accepting a wrong rubric counts as two errors and refusing a right one as one, because grading
against the wrong points misleads, while "no matching rubric, did you mean ...?" only costs a click.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from rubric.index import RubricIndex


@dataclass(frozen=True)
class ThresholdRow:
    threshold: float
    correct: int  # paraphrases whose own rubric is first and accepted
    refused: int  # paraphrases whose best score is below the threshold
    wrong: int  # paraphrases accepted with another question's rubric
    unrelated_accepted: int
    cost: float


@dataclass(frozen=True)
class CalibrationReport:
    paraphrases: int
    unrelated: int
    top1: int  # paraphrases whose own rubric scores highest, whatever the threshold
    rows: list[ThresholdRow]
    misses: list[tuple[str, str, str, float]]  # (expected id, text, got id, score)

    @property
    def best(self) -> ThresholdRow:
        return min(self.rows, key=lambda r: (r.cost, -r.threshold))

    def row(self, threshold: float) -> ThresholdRow:
        return min(self.rows, key=lambda r: abs(r.threshold - threshold))


def load_set(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    pairs = []
    for qid, texts in raw["paraphrases"].items():
        for text in [texts] if isinstance(texts, str) else texts:
            pairs.append((qid, str(text)))
    return pairs, [str(u) for u in raw["unrelated"]]


def calibrate(index: RubricIndex, path: Path) -> CalibrationReport:
    pairs, unrelated = load_set(path)
    tops = [(qid, text, index.search(text, k=1)[0]) for qid, text in pairs]
    unrelated_scores = np.array([index.search(text, k=1)[0].score for text in unrelated])
    hit = np.array([m.question.id == qid for qid, _, m in tops])
    scores = np.array([m.score for _, _, m in tops])
    rows = []
    for threshold in np.round(np.arange(0.20, 0.701, 0.01), 2):
        accepted = scores >= threshold
        wrong = int((accepted & ~hit).sum())
        unrelated_accepted = int((unrelated_scores >= threshold).sum())
        refused = int((~accepted).sum())
        correct = int((accepted & hit).sum())
        total = len(pairs) + len(unrelated)
        cost = (2 * (wrong + unrelated_accepted) + refused) / total
        rows.append(ThresholdRow(float(threshold), correct, refused, wrong, unrelated_accepted, cost))
    misses = [(qid, text, m.question.id, m.score) for qid, text, m in tops if m.question.id != qid]
    return CalibrationReport(len(pairs), len(unrelated), int(hit.sum()), rows, misses)
