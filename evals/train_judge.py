"""Train the head design of the learned judge (runs in the training environment, with torch). The shipped judge
is the cross-encoder of :mod:`evals.train_cross_judge` (what ``make train-judge`` runs), chosen over this design
by :mod:`evals.compare_cross_encoder`; that trainer reuses this module's folds, cuts and metrics.

Input: the tables of :mod:`evals.judge_data` (features of every (point, sentence) pair of the training answers).
The head is a small MLP over one pair's features that says none / covered / partial / contradicted for that
sentence; a point's verdict is read from its best sentences (:func:`point_scores`). It is trained on

- sentence labels (crossdomain train questions and golden): cross-entropy, classes weighted;
- point credit (the same answers): the point's credit from its best sentences against the human verdict's;
- SAF answer coverage (tutor scores, no point labels): the answer's coverage computed from the points' credit
  against the tutor's score, as in multiple-instance learning.

Cross-validation: crossdomain train questions in 5 folds by question give out-of-fold predictions, on which the
verdict cut-offs are chosen; SAF questions in 5 folds (``evals.judge_data.saf_folds``) give one model per fold,
each trained without that fold's questions, for the SAF figures on questions it never saw. The shipped model is
trained on everything. Every run is seeded: the same data gives the same model.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from evals.folds import question_folds

SEED = 20261201
LABELS = ("none", "covered", "partial", "contradicted")
CREDIT = torch.tensor([0.0, 1.0, 0.5, 0.0])


class Head(nn.Module):
    def __init__(self, width: int, mean: np.ndarray, scale: np.ndarray, hidden: int = 256, dropout: float = 0.2):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("scale", torch.tensor(scale, dtype=torch.float32))
        self.net = nn.Sequential(
            nn.Linear(width, hidden),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, 64),
            nn.GELU(),
            nn.Linear(64, len(LABELS)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mean) / self.scale)


def load(path: Path) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]], str]:
    data = np.load(path)
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return data["x"].astype(np.float32), data["y"].astype(np.int64), meta["answers"], digest


def point_scores(probs: torch.Tensor, n_points: int, n_sentences: int) -> torch.Tensor:
    """(points, 3): the best sentence's probability of covered, partial and contradicted."""
    return probs.view(n_points, n_sentences, len(LABELS))[:, :, 1:].max(dim=1).values


def credit_of(scores: torch.Tensor) -> torch.Tensor:
    """A point's soft credit from its best sentences: covered, else half of partial."""
    covered, partial = scores[:, 0], scores[:, 1]
    return covered + 0.5 * (1 - covered) * partial


def train(
    x: np.ndarray,
    y: np.ndarray,
    answers: list[dict[str, Any]],
    use: list[int],
    *,
    epochs: int = 40,
    saf_weight: float = 2.0,
    point_weight: float = 1.0,
    hidden: int = 256,
    log: bool = False,
) -> Head:
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    rows = np.concatenate([np.arange(answers[a]["offset"], answers[a]["offset"] + _pairs(answers[a])) for a in use])
    mean = x[rows].mean(axis=0)
    scale = x[rows].std(axis=0) + 1e-3
    model = Head(x.shape[1], mean, scale, hidden=hidden)
    labelled = y[rows][y[rows] >= 0]
    counts = np.bincount(labelled, minlength=len(LABELS)).astype(np.float64) + 1
    weights = torch.tensor((counts.sum() / counts) ** 0.5, dtype=torch.float32)
    weights = weights / weights.mean()
    ce = nn.CrossEntropyLoss(weight=weights)
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-3)
    xt = torch.tensor(x)
    yt = torch.tensor(y)
    order = np.array(use)
    for epoch in range(epochs):
        rng.shuffle(order)
        model.train()
        total = 0.0
        for start in range(0, len(order), 64):
            batch = order[start : start + 64]
            loss = torch.zeros(())
            pair_rows = [np.arange(answers[a]["offset"], answers[a]["offset"] + _pairs(answers[a])) for a in batch]
            logits = model(xt[np.concatenate(pair_rows)])
            probs = logits.softmax(-1)
            cursor = 0
            sentence_losses, point_losses, saf_losses = [], [], []
            for a, r in zip(batch, pair_rows, strict=True):
                info = answers[a]
                n = len(r)
                lg, pr = logits[cursor : cursor + n], probs[cursor : cursor + n]
                cursor += n
                scores = point_scores(pr, info["points"], info["sentences"])
                if info["source"] == "saf":
                    coverage = torch.clamp(credit_of(scores).sum() / info["required"], max=1.0)
                    saf_losses.append((coverage - info["target"]) ** 2)
                else:
                    sentence_losses.append(ce(lg, yt[r]))
                    wanted = torch.tensor([{"covered": 1.0, "partial": 0.5}.get(v, 0.0) for v in info["point_labels"]])
                    point_losses.append(((credit_of(scores) - wanted) ** 2).mean())
            if sentence_losses:
                loss = loss + torch.stack(sentence_losses).mean() + point_weight * torch.stack(point_losses).mean()
            if saf_losses:
                loss = loss + saf_weight * torch.stack(saf_losses).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss)
        if log and (epoch % 10 == 0 or epoch == epochs - 1):
            print(f"  epoch {epoch}: loss {total / max(1, len(order) // 64):.4f}", flush=True)
    model.eval()
    return model


def _pairs(info: dict[str, Any]) -> int:
    return int(info["points"] * info["sentences"])


def predict(model: Head, x: np.ndarray, answers: list[dict[str, Any]], which: list[int]) -> dict[int, np.ndarray]:
    """Per answer: (points, 3) best-sentence probabilities of covered, partial, contradicted."""
    out = {}
    with torch.no_grad():
        for a in which:
            info = answers[a]
            r = slice(info["offset"], info["offset"] + _pairs(info))
            probs = model(torch.tensor(x[r])).softmax(-1)
            out[a] = point_scores(probs, info["points"], info["sentences"]).numpy()
    return out


def verdicts(scores: np.ndarray, cuts: tuple[float, float, float]) -> list[str]:
    covered_cut, contradicted_cut, partial_cut = cuts
    out = []
    for cov, par, con in scores:
        if cov >= covered_cut and cov >= con:
            out.append("covered")
        elif con >= contradicted_cut:
            out.append("contradicted")
        elif cov + par >= partial_cut:
            out.append("partial")
        else:
            out.append("missed")
    return out


def _kappa(truth: list[str], predicted: list[str], labels: tuple[str, ...]) -> float:
    index = {label: i for i, label in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)))
    for t, p in zip(truth, predicted, strict=True):
        m[index[t], index[p]] += 1
    n = m.sum()
    observed = np.trace(m) / n
    expected = (m.sum(0) * m.sum(1)).sum() / (n * n)
    return float((observed - expected) / (1 - expected)) if expected < 1 else 0.0


def choose_cuts(
    scores: dict[int, np.ndarray], answers: list[dict[str, Any]]
) -> tuple[tuple[float, float, float], float]:
    """Cut-offs that maximise four-label kappa on crossdomain and three-label kappa on golden (mean)."""
    grid = np.round(np.arange(0.05, 0.96, 0.05), 2)
    best = (-1.0, (0.5, 0.5, 0.5))
    for covered_cut in grid:
        for contradicted_cut in grid:
            for partial_cut in grid:
                if partial_cut > covered_cut + 0.3:
                    continue
                cuts = (float(covered_cut), float(contradicted_cut), float(partial_cut))
                value = _agreement(scores, answers, cuts)
                if value > best[0]:
                    best = (value, cuts)
    return best[1], best[0]


def _agreement(scores: dict[int, np.ndarray], answers: list[dict[str, Any]], cuts: tuple[float, float, float]) -> float:
    by_source: dict[str, tuple[list[str], list[str]]] = {"crossdomain": ([], []), "golden": ([], [])}
    for a, s in scores.items():
        truth, predicted = by_source[answers[a]["source"]]
        truth += answers[a]["point_labels"]
        predicted += verdicts(s, cuts)
    four = _kappa(*by_source["crossdomain"], (*LABELS[1:], "missed")) if by_source["crossdomain"][0] else 0.0
    t, p = by_source["golden"]
    three = (
        _kappa(t, ["missed" if v == "contradicted" else v for v in p], ("covered", "partial", "missed")) if t else four
    )
    return (four + three) / 2


def labelled_metrics(
    scores: dict[int, np.ndarray], answers: list[dict[str, Any]], cuts: tuple[float, float, float]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for source in ("crossdomain", "golden"):
        truth: list[str] = []
        predicted: list[str] = []
        for a, s in scores.items():
            if answers[a]["source"] == source:
                truth += answers[a]["point_labels"]
                predicted += verdicts(s, cuts)
        if not truth:
            continue
        if source == "golden":
            predicted = ["missed" if v == "contradicted" else v for v in predicted]
        labels = (
            ("covered", "partial", "missed", "contradicted")
            if source == "crossdomain"
            else ("covered", "partial", "missed")
        )
        row: dict[str, float] = {"kappa": round(_kappa(truth, predicted, labels), 3)}
        for label in ("covered", "partial", "contradicted"):
            tp = sum(t == label and p == label for t, p in zip(truth, predicted, strict=True))
            fp = sum(t != label and p == label for t, p in zip(truth, predicted, strict=True))
            fn = sum(t == label and p != label for t, p in zip(truth, predicted, strict=True))
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            row[f"{label}_p"] = round(precision, 3)
            row[f"{label}_r"] = round(recall, 3)
            if label == "covered":
                row["covered_f1"] = round(2 * precision * recall / (precision + recall), 3) if tp else 0.0
        out[source] = row
    return out


def saf_pearson(
    scores: dict[int, np.ndarray], answers: list[dict[str, Any]], cuts: tuple[float, float, float]
) -> float:
    credit = {"covered": 1.0, "partial": 0.5}
    coverage, target = [], []
    for a, s in scores.items():
        got = sum(credit.get(v, 0.0) for v in verdicts(s, cuts))
        coverage.append(min(1.0, got / answers[a]["required"]))
        target.append(answers[a]["target"])
    return float(np.corrcoef(coverage, target)[0, 1])


def cross_validate(
    x: np.ndarray, y: np.ndarray, answers: list[dict[str, Any]], **options: Any
) -> dict[int, np.ndarray]:
    """Out-of-fold point scores for the labelled answers (crossdomain and golden folded by question; SAF all in)."""
    folds = {**question_folds(answers, "crossdomain"), **question_folds(answers, "golden")}
    labelled = [i for i, a in enumerate(answers) if a["source"] != "saf"]
    saf = [i for i, a in enumerate(answers) if a["source"] == "saf"]
    out: dict[int, np.ndarray] = {}
    for fold in range(5):
        held = [i for i in labelled if folds[answers[i]["question_id"]] == fold]
        model = train(x, y, answers, [i for i in labelled if i not in set(held)] + saf, **options)
        out.update(predict(model, x, answers, held))
    return out


def saf_cross_validate(
    x: np.ndarray, y: np.ndarray, answers: list[dict[str, Any]], **options: Any
) -> tuple[dict[int, np.ndarray], list[Head]]:
    """Point scores for every SAF answer from the model trained without its question's fold."""
    labelled = [i for i, a in enumerate(answers) if a["source"] != "saf"]
    out: dict[int, np.ndarray] = {}
    models = []
    for fold in range(5):
        held = [i for i, a in enumerate(answers) if a["source"] == "saf" and a["fold"] == fold]
        rest = [i for i, a in enumerate(answers) if a["source"] == "saf" and a["fold"] != fold]
        model = train(x, y, answers, labelled + rest, **options)
        models.append(model)
        out.update(predict(model, x, answers, held))
    return out, models


def export(model: Head, path: Path) -> str:
    """The head as int8 ONNX (dynamic quantization); returns its sha256."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32 = path.with_suffix(".fp32.onnx")
    dummy = torch.zeros(2, model.mean.shape[0])
    torch.onnx.export(
        model,
        (dummy,),
        str(fp32),
        input_names=["features"],
        output_names=["logits"],
        dynamic_axes={"features": {0: "pairs"}, "logits": {0: "pairs"}},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8)
    fp32.unlink()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.train_judge", description=__doc__.splitlines()[0])
    parser.add_argument("features", type=Path)
    parser.add_argument("--out", type=Path, default=Path("grader/data"))
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--saf-weight", type=float, default=2.0)
    parser.add_argument("--skip-cv", action="store_true", help="train the shipped model only (quick looks)")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    x, y, answers, digest = load(args.features)
    options = {"epochs": args.epochs, "hidden": args.hidden, "saf_weight": args.saf_weight}
    started = time.time()
    report: dict[str, Any] = {"features_sha256": digest, "pairs": len(x), "answers": len(answers), "options": options}
    cuts = (0.5, 0.5, 0.5)
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.skip_cv:
        print("cross-validating the labelled answers by question ...", flush=True)
        oof = cross_validate(x, y, answers, **options)
        cuts, value = choose_cuts(oof, answers)
        report["cuts"] = cuts
        report["cv_mean_kappa"] = value
        print(f"  cut-offs {cuts}: mean kappa {value:.3f}", flush=True)
        report["cv_labelled"] = labelled_metrics(oof, answers, cuts)
        print(f"  out of fold: {report['cv_labelled']}", flush=True)
        print("cross-validating SAF by question fold ...", flush=True)
        saf_scores, fold_models = saf_cross_validate(x, y, answers, **options)
        report["saf_cv"] = {str(a): s.tolist() for a, s in saf_scores.items()}
        report["saf_cv_pearson"] = saf_pearson(saf_scores, answers, cuts)
        print(f"  SAF, questions held out: Pearson {report['saf_cv_pearson']:.3f}", flush=True)
        for fold, model in enumerate(fold_models):
            export(model, args.out / f"judge-head.saf-fold{fold}.onnx")
    print("training the shipped model on all training data ...", flush=True)
    model = train(x, y, answers, list(range(len(answers))), log=True, **options)
    sha = export(model, args.out / "judge-head.onnx")
    report.update({"cuts": cuts, "model_sha256": sha, "seconds": round(time.time() - started, 1)})
    (args.out / "judge-head.training.json").write_text(json.dumps(report) + "\n", encoding="utf-8")
    print(f"wrote {args.out / 'judge-head.onnx'} (sha256 {sha}) in {report['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
