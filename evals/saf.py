"""SAF calibration: real student answers to networking questions, graded by tutors (Filighera et al., ACL 2022).

``interview-grader eval saf-import --source DIR`` reads the XML files once and writes
``evals/datasets/saf/responses.jsonl`` (every response with its tutor score, maximum and label) and, if it does
not exist yet, a draft bank whose points are the reference answers' sentences. The checked-in
``evals/datasets/saf/bank.yaml`` is that draft reviewed by hand: each reference answer split into the key
points a tutor checks. ``interview-grader eval run --dataset saf`` grades every response and compares coverage
with the tutors: Pearson and Spearman against the score, and a three-way label (Incorrect / Partially correct
/ Correct) from coverage cut-offs chosen on one half of the responses and reported on the other half, beside
the majority-class baseline.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from evals.metrics import accuracy, macro_f1, pearson, percentile, spearman
from grader.base import Grader, GraderError, judge_name
from rubric.model import Bank, KeyPoint, Question
from rubric.yaml_bank import load_bank

SAF_DIR = Path(__file__).resolve().parent / "datasets" / "saf"
SAF_LABELS = ("Incorrect", "Partially correct", "Correct")


def question_id(raw_id: str) -> str:
    return "saf-" + re.sub(r"[^a-z0-9.]+", "-", raw_id.lower()).strip("-")


def read_xml(source: Path) -> list[tuple[ET.Element, Path]]:
    files = sorted(source.glob("*.xml"))
    if not files:
        raise FileNotFoundError(f"no SAF XML files in {source}")
    return [(ET.parse(f).getroot(), f) for f in files]


def import_responses(source: Path) -> list[dict[str, Any]]:
    rows = []
    for root, _ in read_xml(source):
        answers = root.findall("studentAnswers/studentAnswer")
        maximum = max(float(a.findtext("score", "0")) for a in answers)
        for a in answers:
            rows.append(
                {
                    "id": a.get("id"),
                    "question_id": question_id(root.get("id", "")),
                    "answer": (a.findtext("response") or "").strip(),
                    "score": float(a.findtext("score", "0")),
                    "max_score": maximum,
                    "label": (a.findtext("verification_feedback") or "").strip(),
                    "feedback": (a.findtext("response_feedback") or "").strip(),
                }
            )
    return rows


def draft_bank(source: Path) -> Bank:
    """One point per sentence of each reference answer; a person reviews it into bank.yaml."""
    questions = []
    for number, (root, _) in enumerate(read_xml(source), start=1):
        qid = question_id(root.get("id", ""))
        reference = " ".join((root.findtext("referenceAnswers/referenceAnswer") or "").split())
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", reference) if len(s.split()) >= 3] or [reference]
        questions.append(
            Question(
                id=qid,
                number=number,
                section=1,
                section_title="Networking",
                text=" ".join((root.findtext("questionText") or "").split()),
                logic=reference,
                points=[
                    KeyPoint(id=f"{qid}.{i}", label=" ".join(s.split()[:5]).lower(), text=s)
                    for i, s in enumerate(sentences, start=1)
                ],
            )
        )
    return Bank(id="saf-networking", title="SAF communication networks (training split)", questions=questions)


def write_import(source: Path, force: bool = False) -> list[Path]:
    from rubric.yaml_bank import save_bank

    SAF_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    responses = SAF_DIR / "responses.jsonl"
    with open(responses, "w", encoding="utf-8") as handle:
        for row in import_responses(source):
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    written.append(responses)
    bank = SAF_DIR / "bank.yaml"
    if force or not bank.exists():
        save_bank(draft_bank(source), bank)
        written.append(bank)
    return written


def load_saf() -> tuple[Bank, list[dict[str, Any]]]:
    bank = load_bank(SAF_DIR / "bank.yaml")
    rows = [json.loads(line) for line in (SAF_DIR / "responses.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return bank, rows


def half(response_id: str) -> str:
    """A fixed split: half the responses choose the cut-offs, the other half is reported."""
    return "calibration" if int(hashlib.sha256(response_id.encode()).hexdigest(), 16) % 2 == 0 else "report"


def _labels_from(coverages: list[float], low: float, high: float) -> list[str]:
    return [SAF_LABELS[0] if c < low else SAF_LABELS[2] if c >= high else SAF_LABELS[1] for c in coverages]


def choose_cutoffs(coverages: list[float], labels: list[str]) -> tuple[float, float, float]:
    best = (-1.0, 0.3, 0.7)
    grid = np.round(np.arange(0.0, 1.01, 0.025), 3)
    for low in grid:
        for high in grid[grid >= low]:
            score = macro_f1(labels, _labels_from(coverages, float(low), float(high)), SAF_LABELS)
            if score > best[0]:
                best = (score, float(low), float(high))
    return best


def _block(rows: list[dict[str, Any]], low: float, high: float, majority: str) -> dict[str, Any]:
    coverages = [r["coverage"] for r in rows]
    relative = [r["score"] / r["max_score"] if r["max_score"] else 0.0 for r in rows]
    labels = [r["label"] for r in rows]
    predicted = _labels_from(coverages, low, high)
    baseline = [majority] * len(rows)
    return {
        "responses": len(rows),
        "pearson": pearson(coverages, relative),
        "spearman": spearman(coverages, relative),
        "macro_f1": macro_f1(labels, predicted, SAF_LABELS),
        "accuracy": accuracy(labels, predicted),
        "baseline_macro_f1": macro_f1(labels, baseline, SAF_LABELS),
        "baseline_accuracy": accuracy(labels, baseline),
        "label_counts": dict(Counter(labels)),
    }


def evaluate_saf(grader: Grader, limit: int | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    bank, rows = load_saf()
    if limit:  # an even sample over every question, not the first questions only
        step = max(1, len(rows) // limit)
        rows = rows[::step][:limit]
    graded = []
    latencies = []
    failed = 0
    for row in rows:
        try:
            result = grader.grade(bank.get(row["question_id"]), row["answer"][:20_000])
        except GraderError:
            failed += 1
            continue
        latencies.append(result.meta.latency_ms)
        graded.append({**row, "coverage": result.coverage, "abstained": result.abstained})
    calibration = [r for r in graded if half(r["id"]) == "calibration"]
    report = [r for r in graded if half(r["id"]) == "report"]
    cal_f1, low, high = choose_cutoffs([r["coverage"] for r in calibration], [r["label"] for r in calibration])
    majority = Counter(r["label"] for r in calibration).most_common(1)[0][0]
    by_question: dict[str, Any] = {}
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in report:
        grouped[r["question_id"]].append(r)
    for qid, items in sorted(grouped.items()):
        block = _block(items, low, high, majority)
        by_question[qid] = {k: block[k] for k in ("responses", "pearson", "spearman", "accuracy")}
    return {
        "type": "saf",
        "dataset": "saf",
        "dataset_version": hashlib.sha256((SAF_DIR / "responses.jsonl").read_bytes()).hexdigest()[:12]
        + "+bank"
        + bank.content_hash()[:8],
        "dataset_purpose": "real student answers graded by tutors (SAF, training split)",
        "grader": grader.kind,
        "judge": judge_name(grader),
        "model": grader.model,
        "prompt_name": grader.prompt_name,
        "prompt_hash": grader.prompt_hash,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "calibration_half": {
            "responses": len(calibration),
            "cutoffs": [low, high],
            "macro_f1": cal_f1,
            "majority_label": majority,
        },
        "report_half": _block(report, low, high, majority),
        "all": _block(graded, low, high, majority),
        "by_question": by_question,
        "cost": {
            "latency_ms_p50": percentile(latencies, 50),
            "latency_ms_p95": percentile(latencies, 95),
            "failed": failed,
            "grades": len(graded),
        },
        "points": [[r["coverage"], r["score"] / r["max_score"] if r["max_score"] else 0.0] for r in report],
    }
