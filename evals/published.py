"""The results table in the README, made from the published reports (``evals/published/*/report.json``)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any


def _f(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _pr(block: dict[str, Any] | None) -> str:
    if not block or not block.get("support"):
        return "–"
    return f"{_f(block['precision'])} / {_f(block['recall'])}"


def _truthful(report: dict[str, Any]) -> str:
    t = report.get("truthful_judge")
    if not t or not t.get("human_credited_points"):
        return "–"
    return f"{t['acceptance']:.1%} of {t['human_credited_points']}"


def results_table(folder: Path) -> str:
    """One row per published report: per-point agreement for labelled sets, correlation for SAF."""
    reports = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*/report.json"))]
    lines = [
        "| judge (model) | dataset | covered F1 | kappa | partial P / R | contradicted P / R | truthful judge accepted "
        "| injection success (variants / pure) | SAF Pearson / Spearman | SAF macro-F1 (baseline) | p50 ms | report |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(reports, key=lambda r: (r["dataset"], r.get("judge", r["grader"]))):
        judge = r.get("judge", r["grader"])
        who = f"{judge} (`{r['model']}`)"
        link = f"[report](evals/published/{r['dataset']}-{judge}/report.md)"
        ms = f"{r['cost']['latency_ms_p50']:.0f}"
        if r.get("type") == "saf":
            h = r["report_half"]
            lines.append(
                f"| {who} | saf ({h['responses']} responses) | – | – | – | – | – | – | "
                f"{_f(h['pearson'])} / {_f(h.get('spearman'))} | "
                f"{_f(h['macro_f1'])} ({_f(h['baseline_macro_f1'])}) | {ms} | {link} |"
            )
        else:
            o, inj = r["overall"], r["injection"]
            lines.append(
                f"| {who} | {r['dataset']} ({o['answers']} answers, {o['points']} points) | {_f(o['covered']['f1'])} | "
                f"{_f(o['kappa'])} | {_pr(o.get('partial'))} | {_pr(o.get('contradicted'))} | {_truthful(r)} | "
                f"{len(inj['variants_raised'])}/{inj['variants']} / {len(inj['pure_credited'])}/{inj['pure']} | "
                f"– | – | {ms} | {link} |"
            )
    dates = sorted({r["date"][:10] for r in reports})
    lines.append("")
    lines.append(
        f"Made by `make evals` ({', '.join(dates) or 'no runs yet'}); every report names the judge, "
        "model, prompt hash and dataset version."
    )
    return "\n".join(lines)
