"""Fit the combined judge's weights (``grader/data/judge-combined.json``).

The combiner must learn how far to trust each judge on questions they were not fitted on, so it is fitted on
out-of-fold readings: the crossdomain train split and golden are folded by question (5 folds), and each
fold's points are read by a *validation* pair classifier trained without that fold
(``python -m evals.train_cross_judge ... --validation-only --validation-fold N`` keeps it as
``judge-cross.validation-foldN.onnx``), with the shipped judge's cut-offs. Golden is read both with and
without the bank's paraphrases, so the combiner learns what a paraphrase match is worth. Holdout, the
crossdomain test questions, edge and SAF are never read here. (The matcher's scorer was fitted on golden, so
on golden it looks better than it is; crossdomain keeps that honest.)

    python -m evals.fit_combined evals/results/judge-folds     # what make train-judge runs

prints grouped cross-validation figures (by question) of the matcher, the pair classifier and the combiner,
picks the regularisation and class weighting by them, and writes the fitted weights with those figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from evals.datasets import load_named
from evals.folds import question_folds
from evals.metrics import class_prf, cohens_kappa, collapsed, covered_prf
from grader.combined_judge import CLASSES, COMBINER_PATH, FEATURES, CombinedJudge, Combiner, pair_features
from grader.learned_judge import META_PATH, CrossJudge
from grader.offline import OfflineJudge
from grader.pipeline import Pipeline


def _rows(folder: Path, features: Path) -> tuple[np.ndarray, list[str], list[str], list[str], list[str]]:
    """Features, labels, question ids and each judge's own verdicts for the points of every validation fold
    found in ``folder``, each read by the validation model that never saw that fold's questions. The folds are
    the training's own, computed from the answers in its tables (``features``): a question the tables do not
    hold was never trained on, and is read by the fold-4 model."""
    trained_on = json.loads(features.read_text(encoding="utf-8"))["answers"]
    shipped = json.loads(META_PATH.read_text(encoding="utf-8"))
    matcher = OfflineJudge()
    readers: dict[int, CombinedJudge] = {}
    for info_path in sorted(folder.glob("judge-cross.validation-fold*.json")):
        info = json.loads(info_path.read_text(encoding="utf-8"))
        if info.get("options", {}).get("epochs") is None or "validation_model_sha256" not in info:
            continue
        meta = info_path.with_suffix(".meta.json")
        # The shipped cut-offs, so the verdicts read here are the ones the shipped judge would give.
        meta.write_text(json.dumps({"sha256": info["validation_model_sha256"], "cuts": shipped["cuts"], "layers": 4}))
        learned = CrossJudge(info_path.with_suffix(".onnx"), meta)
        blank = Combiner(np.zeros((len(FEATURES), len(CLASSES))), np.zeros(len(CLASSES)), "none")
        readers[int(info["validation_fold"])] = CombinedJudge(matcher=matcher, learned=learned, combiner=blank)
    if not readers:
        raise SystemExit(f"no judge-cross.validation-fold*.json in {folder}")
    pipelines = {judge: Pipeline(judge) for judge in readers.values()}
    x: list[np.ndarray] = []
    y: list[str] = []
    groups: list[str] = []
    m_says: list[str] = []
    l_says: list[str] = []
    sets = [("crossdomain", "train", True), ("golden", "test", True), ("golden", "test", False)]
    for name, split, paraphrases in sets:
        dataset, bank = load_named(name, split=split, paraphrases=paraphrases)
        source = "golden" if name == "golden" else "crossdomain"
        folds = question_folds(trained_on, source)
        for record in dataset.records:
            judge = readers.get(folds.get(record.question_id, 4))
            if judge is None or record.kind == "injection":
                continue
            question = bank.get(record.question_id)
            request, abstain = pipelines[judge].request(question, record.answer)
            if abstain is not None:
                continue
            said_m, said_l = judge.both(request)
            for point, m, lc in zip(question.points, said_m, said_l, strict=True):
                if point.id not in record.labels:
                    continue
                x.append(pair_features(m, lc, point))
                y.append(record.labels[point.id])
                groups.append(f"{source}:{record.question_id}")
                m_says.append(m.verdict)
                l_says.append(lc.verdict)
    return np.stack(x), y, groups, m_says, l_says


def fit(x: np.ndarray, y: list[str], l2: float, balance: float, steps: int = 3000) -> Combiner:
    """Multinomial logistic regression by gradient descent; class weights (1/frequency)**balance."""
    target = np.zeros((len(y), len(CLASSES)))
    for row, label in enumerate(y):
        target[row, CLASSES.index(label)] = 1.0
    freq = target.mean(axis=0) + 1e-3
    sample = (target @ (1.0 / freq) ** balance)[:, None]
    sample = sample / sample.mean()
    w = np.zeros((x.shape[1], len(CLASSES)))
    b = np.log(freq)
    for _ in range(steps):
        model = Combiner(w, b, "")
        grad = (model.probabilities(x) - target) * sample / len(y)
        w = w - 0.5 * (x.T @ grad + l2 * w)
        b = b - 0.5 * grad.sum(axis=0)
    return Combiner(w, b, "")


def figures(truth: list[str], predicted: list[str]) -> dict[str, float]:
    t3, p3 = collapsed(truth), collapsed(predicted)
    out = {
        "covered_f1": round(covered_prf(t3, p3)["f1"], 3),
        "kappa": round(cohens_kappa(t3, p3, ("covered", "partial", "missed")), 3),
    }
    for label in ("partial", "contradicted"):
        prf = class_prf(truth, predicted, label)
        out[f"{label}_p"], out[f"{label}_r"] = round(prf["precision"], 3), round(prf["recall"], 3)
    return out


def grouped_cv(x: np.ndarray, y: list[str], groups: list[str], l2: float, balance: float, k: int = 5) -> list[str]:
    """Out-of-fold verdicts, folding by question."""
    names = sorted(set(groups))
    fold_of = {g: i % k for i, g in enumerate(names)}
    out = [""] * len(y)
    for fold in range(k):
        train = [i for i, g in enumerate(groups) if fold_of[g] != fold]
        model = fit(x[train], [y[i] for i in train], l2, balance)
        for i in (i for i, g in enumerate(groups) if fold_of[g] == fold):
            out[i] = CLASSES[int(np.argmax(model.probabilities(x[i])))]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.fit_combined", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where --validation-only runs left judge-cross.validation-fold*")
    parser.add_argument("--features", type=Path, default=Path("evals/results/judge-features.json"))
    parser.add_argument("--out", type=Path, default=COMBINER_PATH)
    args = parser.parse_args(argv)
    x, y, groups, m_says, l_says = _rows(args.folder, args.features)
    by_source: dict[str, int] = defaultdict(int)
    for g in groups:
        by_source[g.split(":")[0]] += 1
    print(f"{len(y)} points from {len(set(groups))} questions {dict(by_source)}")
    report: dict[str, Any] = {"matcher": figures(y, m_says), "learned": figures(y, l_says), "search": {}}
    print("matcher ", report["matcher"])
    print("learned ", report["learned"])
    best: tuple[float, float, float] = (-1.0, 0.0, 0.0)
    for l2 in (0.001, 0.01, 0.1):
        for balance in (0.0, 0.5, 1.0):
            result = figures(y, grouped_cv(x, y, groups, l2, balance))
            report["search"][f"l2={l2} balance={balance}"] = result
            print(f"combined l2={l2} balance={balance}", result)
            # Kappa, with partial and contradicted recall as a small tie-breaker: both must be real classes.
            value = result["kappa"] + 0.02 * float(np.nansum([result["partial_r"], result["contradicted_r"]]))
            if value > best[0]:
                best = (value, l2, balance)
    _, l2, balance = best
    model = fit(x, y, l2, balance)
    fitted_on = (
        f"validation folds of the pair classifier (crossdomain train and golden points, each read by a model that "
        f"never saw its question; {len(y)} points of {len(set(groups))} questions), l2={l2}, balance={balance}"
    )
    Combiner(model.weights, model.bias, fitted_on).save(
        args.out,
        cross_validation=report["search"][f"l2={l2} balance={balance}"],
        baselines={"matcher": report["matcher"], "learned": report["learned"]},
        search=report["search"],
    )
    print(f"wrote {args.out}: {fitted_on}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
