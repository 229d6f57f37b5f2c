"""Fit the offline grader's scorer on the golden set (``interview-grader eval fit-offline``).

For every labelled (answer, point) with at least one span the rules allow, the span the current scorer likes
best is taken (at first, the one with the highest similarity plus word share), its features recorded, and two
L2-regularised logistic models fitted: P(covered) and P(covered or partial). Three rounds of re-selecting the
span and refitting settle it. Cut-offs maximise Cohen's kappa on golden; a 5-fold cross-validation by question
estimates how much of that is fit rather than skill. Injection variants (duplicates of their base answers) and
answers in other languages are left out. The holdout set is never read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from evals.datasets import Dataset
from evals.metrics import cohens_kappa, covered_prf
from grader.offline_scorer import FEATURES, Head, OfflineScorer
from grader.point_matching import eligible, span_views
from grader.point_profiles import profile_for
from grader.service import offline_grader
from rubric.model import Bank

L2 = 1.0
ROUNDS = 3


@dataclass
class Example:
    record_id: str
    question_id: str
    label: str
    candidates: list[list[float]]  # features of every span the rules allow (empty: always missed)


def collect(dataset: Dataset, bank: Bank) -> list[Example]:
    examples = []
    for record in dataset.records:
        if record.kind in ("injection", "other_language"):
            continue
        question = bank.get(record.question_id)
        request, abstain = offline_grader().request(question, record.answer)
        question_profile = profile_for(question)
        views = span_views(record.answer, request.graded, question_profile) if abstain is None else []
        for index, profile in enumerate(question_profile.points):
            candidates = [
                [j.features[name] for name in FEATURES]  # type: ignore[index]
                for j in eligible(profile, index, views, question_profile)
            ]
            label = record.labels[profile.point.id]
            examples.append(
                Example(record.id, record.question_id, "missed" if label == "contradicted" else label, candidates)
            )
    return examples


def _fit_head(x: np.ndarray, y: np.ndarray) -> Head:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z = (x - mean) / scale
    design = np.hstack([np.ones((len(z), 1)), z])
    w = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], L2)
    penalty[0] = 0.0
    for _ in range(50):  # Newton steps
        p = 1 / (1 + np.exp(-np.clip(design @ w, -40, 40)))
        gradient = design.T @ (p - y) + penalty * w
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return Head(
        tuple(float(v) for v in w[1:]), float(w[0]), tuple(float(v) for v in mean), tuple(float(v) for v in scale)
    )


def _pick(example: Example, head: Head | None) -> list[float]:
    if head is None:
        return max(example.candidates, key=lambda f: f[0] + f[2])
    return max(example.candidates, key=head.probability)


def fit_heads(examples: list[Example]) -> tuple[Head, Head]:
    usable = [e for e in examples if e.candidates]
    covered: Head | None = None
    credited: Head | None = None
    for _ in range(ROUNDS):
        x = np.array([_pick(e, covered) for e in usable])
        covered = _fit_head(x, np.array([e.label == "covered" for e in usable], dtype=float))
        x = np.array([_pick(e, credited) for e in usable])
        credited = _fit_head(x, np.array([e.label != "missed" for e in usable], dtype=float))
    assert covered is not None and credited is not None
    return covered, credited


def _probabilities(examples: list[Example], covered: Head, credited: Head) -> list[tuple[float, float]]:
    out = []
    for e in examples:
        if not e.candidates:
            out.append((0.0, 0.0))
            continue
        best = max(e.candidates, key=covered.probability)
        out.append((covered.probability(best), max(credited.probability(f) for f in e.candidates)))
    return out


def _predict(probabilities: list[tuple[float, float]], covered_cut: float, partial_cut: float) -> list[str]:
    return [
        "covered" if pc >= covered_cut else "partial" if pp >= partial_cut else "missed" for pc, pp in probabilities
    ]


def choose_cuts(examples: list[Example], covered: Head, credited: Head) -> tuple[float, float, float]:
    probabilities = _probabilities(examples, covered, credited)
    truth = [e.label for e in examples]
    best = (-2.0, 0.5, 0.5)
    for covered_cut in np.arange(0.30, 0.81, 0.02):
        for partial_cut in np.arange(0.30, 0.96, 0.02):
            kappa = cohens_kappa(truth, _predict(probabilities, covered_cut, partial_cut))
            if kappa > best[0]:
                best = (kappa, float(covered_cut), float(partial_cut))
    return best


def cross_validate(examples: list[Example], folds: int = 5) -> dict[str, float]:
    """Kappa and F1 of 'covered' on held-out questions, fitting heads and cut-offs on the other folds."""
    questions = sorted({e.question_id for e in examples})
    truth: list[str] = []
    predicted: list[str] = []
    for k in range(folds):
        held = set(questions[k::folds])
        train = [e for e in examples if e.question_id not in held]
        test = [e for e in examples if e.question_id in held]
        covered, credited = fit_heads(train)
        _, covered_cut, partial_cut = choose_cuts(train, covered, credited)
        truth += [e.label for e in test]
        predicted += _predict(_probabilities(test, covered, credited), covered_cut, partial_cut)
    return {"kappa": cohens_kappa(truth, predicted), "covered_f1": covered_prf(truth, predicted)["f1"]}


def fit(dataset: Dataset, bank: Bank) -> tuple[OfflineScorer, dict[str, float]]:
    examples = collect(dataset, bank)
    covered, credited = fit_heads(examples)
    kappa, covered_cut, partial_cut = choose_cuts(examples, covered, credited)
    credited_p = sorted(
        p
        for (_, p), e in zip(_probabilities(examples, covered, credited), examples, strict=True)
        if e.label != "missed" and e.candidates
    )
    lenient_cut = round(max(0.05, float(np.percentile(credited_p, 10))) if credited_p else 0.1, 3)
    cv = cross_validate(examples)
    scorer = OfflineScorer(
        covered=covered,
        credited=credited,
        covered_cut=round(covered_cut, 3),
        partial_cut=round(partial_cut, 3),
        lenient_cut=lenient_cut,
        fitted_on=f"{dataset.name} {dataset.version} on {datetime.now(UTC).date().isoformat()}: "
        f"{len(examples)} labelled points; in-sample kappa {kappa:.3f}, 5-fold CV by question kappa "
        f"{cv['kappa']:.3f} and covered F1 {cv['covered_f1']:.3f}",
    )
    return scorer, {"examples": len(examples), "in_sample_kappa": kappa, **{f"cv_{k}": v for k, v in cv.items()}}
