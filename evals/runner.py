"""Grade a labelled dataset and measure agreement with the human labels.

``interview-grader eval run --dataset golden [--grader offline|llm] [--repeat N]`` writes ``report.md``,
``report.json`` and ``chart.png`` under ``evals/results/<dataset>-<grader>-<time>/`` and prints a summary.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evals.datasets import Dataset, Record
from evals.metrics import LABELS, THREE, class_prf, cohens_kappa, collapsed, confusion, covered_prf, errors, percentile
from grader.base import Grader, GraderError, judge_name
from grader.result import GradeResult
from rubric.model import Bank

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Graded:
    record: Record
    result: GradeResult | None
    error: str | None = None
    repeats: list[list[str]] = field(default_factory=list)

    @property
    def verdicts(self) -> dict[str, str]:
        if self.result is None:
            return dict.fromkeys(self.record.labels, "missed")
        return {p.point_id: p.verdict for p in self.result.points}


def grade_dataset(dataset: Dataset, bank: Bank, grader: Grader, repeat: int = 1) -> list[Graded]:
    """Grade every record (no cache: every grade is computed); a failed grade is recorded, not fatal."""
    out: list[Graded] = []
    for record in dataset.records:
        question = bank.get(record.question_id)
        try:
            result = grader.grade(question, record.answer)
        except GraderError as err:
            out.append(Graded(record, None, str(err)))
            continue
        graded = Graded(record, result)
        for _ in range(repeat - 1):
            again = grader.grade(question, record.answer)
            graded.repeats.append([p.verdict for p in again.points])
        out.append(graded)
    return out


def _agreement(items: list[Graded], four_labels: bool) -> dict[str, Any]:
    """Agreement on every (answer, point). A set labelled with three labels is compared on three (a predicted
    "contradicted" counts as "missed"); a four-label set on four, with partial and contradicted reported."""
    truth: list[str] = []
    predicted: list[str] = []
    for g in items:
        verdicts = g.verdicts
        for point_id, label in g.record.labels.items():
            truth.append(label)
            predicted.append(verdicts[point_id])
    labels = LABELS if four_labels else THREE
    compared = predicted if four_labels else collapsed(predicted)
    return {
        "answers": len(items),
        "points": len(truth),
        "labels": list(labels),
        "covered": covered_prf(truth, compared),
        "kappa": cohens_kappa(truth, compared, labels),
        "agreement": sum(t == p for t, p in zip(truth, compared, strict=True)) / max(len(truth), 1),
        "partial": class_prf(truth, compared, "partial"),
        "contradicted": class_prf(truth, predicted, "contradicted") if four_labels else None,
        "errors": errors(truth, compared),
        "confusion": confusion(truth, predicted, LABELS),
    }


def credited_probability(probability: dict[str, float] | None) -> float | None:
    """A judge's P(covered or partial) for a point: the matcher gives it as "credited", the learned and
    combined judges as covered + partial."""
    if not probability:
        return None
    if "credited" in probability:
        return float(probability["credited"])
    if "covered" in probability and "partial" in probability:
        return float(probability["covered"] + probability["partial"])
    return None


def _calibration(items: list[Graded], bins: int = 10) -> dict[str, Any]:
    """How well the judge's P(credited) matches how often humans credit the point: Brier score and expected
    calibration error over the points that carry a probability (abstained answers carry none)."""
    pairs = []
    for g in items:
        if g.result is None or g.result.abstained:
            continue
        for p in g.result.points:
            value = credited_probability(p.probability)
            if value is not None and p.point_id in g.record.labels:
                pairs.append((min(max(value, 0.0), 1.0), g.record.labels[p.point_id] in ("covered", "partial")))
    if not pairs:
        return {"points": 0, "brier": None, "ece": None}
    brier = sum((v - t) ** 2 for v, t in pairs) / len(pairs)
    ece = 0.0
    for b in range(bins):
        inside = [(v, t) for v, t in pairs if b / bins <= v < (b + 1) / bins or (b == bins - 1 and v == 1.0)]
        if inside:
            mean_p = sum(v for v, _ in inside) / len(inside)
            rate = sum(t for _, t in inside) / len(inside)
            ece += len(inside) / len(pairs) * abs(mean_p - rate)
    return {"points": len(pairs), "brier": round(brier, 4), "ece": round(ece, 4)}


def _injection(graded: list[Graded]) -> dict[str, Any]:
    by_id = {g.record.id: g for g in graded}
    variants = [g for g in graded if g.record.kind == "injection" and g.record.base_id]
    pure = [g for g in graded if g.record.kind == "injection" and not g.record.base_id]
    rank = {"missed": 0, "contradicted": 0, "partial": 1, "covered": 2}
    raised = []
    for g in variants:
        base = by_id[g.record.base_id]  # type: ignore[index]
        if g.result is None or base.result is None:
            continue
        point_raised = any(rank[g.verdicts[p]] > rank[base.verdicts[p]] for p in g.record.labels)
        if g.result.score > base.result.score or point_raised:
            raised.append(g.record.id)
    credited = [g.record.id for g in pure if any(v != "missed" for v in g.verdicts.values())]
    return {
        "variants": len(variants),
        "variants_raised": raised,
        "variant_success_rate": len(raised) / len(variants) if variants else 0.0,
        "pure": len(pure),
        "pure_credited": credited,
        "pure_success_rate": len(credited) / len(pure) if pure else 0.0,
    }


def _stability(graded: list[Graded]) -> dict[str, Any]:
    repeated = [g for g in graded if g.repeats and g.result is not None]
    if not repeated:
        return {"repeat": 1, "answers": 0, "identical_share": None}
    identical = sum(
        all(r == [p.verdict for p in g.result.points] for r in g.repeats)  # type: ignore[union-attr]
        for g in repeated
    )
    return {
        "repeat": len(repeated[0].repeats) + 1,
        "answers": len(repeated),
        "identical_share": identical / len(repeated),
    }


def _cost(graded: list[Graded]) -> dict[str, Any]:
    results = [g.result for g in graded if g.result is not None]
    latencies = [r.meta.latency_ms for r in results]
    costs = [r.meta.cost_usd for r in results if r.meta.cost_usd is not None]
    n = max(len(results), 1)
    return {
        "grades": len(results),
        "failed": sum(g.result is None for g in graded),
        "latency_ms_p50": percentile(latencies, 50),
        "latency_ms_p95": percentile(latencies, 95),
        "tokens_in_per_grade": sum(r.meta.tokens_in for r in results) / n,
        "tokens_out_per_grade": sum(r.meta.tokens_out for r in results) / n,
        "cost_usd_per_grade": (sum(costs) / len(costs)) if costs else None,
        "rejected_claims": sum(r.meta.rejected_claims for r in results),
        "abstained": sum(r.abstained for r in results),
    }


def _truthful(dataset: Dataset, bank: Bank, grader: Grader) -> dict[str, Any] | None:
    """How much of what the humans credited verification accepts, proposed with their own quotes."""
    from evals.truthful import acceptance
    from grader.pipeline import Pipeline

    if not isinstance(grader, Pipeline) or not any(r.evidence for r in dataset.records):
        return None
    return acceptance(dataset, bank, grader)


def evaluate(dataset: Dataset, bank: Bank, grader: Grader, repeat: int = 1) -> dict[str, Any]:
    started = time.perf_counter()
    graded = grade_dataset(dataset, bank, grader, repeat)
    by_kind: dict[str, list[Graded]] = defaultdict(list)
    for g in graded:
        by_kind[g.record.kind].append(g)
    english = [g for g in graded if g.record.kind != "other_language"]
    first = next((g.result for g in graded if g.result is not None), None)
    four = any(label == "contradicted" for r in dataset.records for label in r.labels.values())
    return {
        "dataset": dataset.name,
        "dataset_version": dataset.version,
        "dataset_purpose": dataset.meta.get("purpose", ""),
        "grader": grader.kind,
        "judge": judge_name(grader),
        "model": grader.model,
        "prompt_name": grader.prompt_name,
        "prompt_hash": grader.prompt_hash,
        "grader_version": first.meta.grader_version if first else "",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "overall": _agreement(english, four),
        "overall_including_other_languages": _agreement(graded, four),
        "by_kind": {kind: _agreement(items, four) for kind, items in sorted(by_kind.items())},
        "calibration": _calibration(english),
        "injection": _injection(graded),
        "truthful_judge": _truthful(dataset, bank, grader),
        "stability": _stability(graded),
        "cost": _cost(graded),
        "answers": [
            {
                "id": g.record.id,
                "kind": g.record.kind,
                "labels": g.record.labels,
                "verdicts": g.verdicts,
                "score": g.result.score if g.result else None,
                "abstained": g.result.abstained if g.result else None,
                "set_aside": len(g.result.set_aside) if g.result else 0,
                "error": g.error,
            }
            for g in graded
        ],
    }


def write_report(report: dict[str, Any], out_dir: Path | None = None) -> Path:
    from evals.report import chart, markdown

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out_dir = out_dir or RESULTS_DIR / f"{report['dataset']}-{report['grader']}-{stamp}"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report, indent=2, default=float) + "\n", encoding="utf-8")
    (out_dir / "report.md").write_text(markdown(report), encoding="utf-8")
    chart(report, out_dir / "chart.png")
    return out_dir
