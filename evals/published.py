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


def results_table(folder: Path) -> str:
    reports = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*/report.json"))]
    lines = [
        "| grader (model) | dataset | covered F1 | kappa | injection success (variants / pure) | SAF Pearson | "
        "SAF macro-F1 (baseline) | p50 ms | report |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(reports, key=lambda r: (r["grader"], r["dataset"])):
        who = f"{r['grader']} (`{r['model']}`)"
        link = f"[report](evals/published/{r['dataset']}-{r['grader']}/report.md)"
        if r.get("type") == "saf":
            h = r["report_half"]
            lines.append(
                f"| {who} | saf ({h['responses']} responses) | – | – | – | {_f(h['pearson'])} | "
                f"{_f(h['macro_f1'])} ({_f(h['baseline_macro_f1'])}) | {r['cost']['latency_ms_p50']:.0f} | {link} |"
            )
        else:
            o, inj = r["overall"], r["injection"]
            lines.append(
                f"| {who} | {r['dataset']} ({o['answers']} answers, {o['points']} points) | {_f(o['covered']['f1'])} | "
                f"{_f(o['kappa'])} | {len(inj['variants_raised'])}/{inj['variants']} / "
                f"{len(inj['pure_credited'])}/{inj['pure']} | – | – | {r['cost']['latency_ms_p50']:.0f} | {link} |"
            )
    dates = sorted({r["date"][:10] for r in reports})
    lines.append("")
    lines.append(
        f"Made by `make evals` ({', '.join(dates) or 'no runs yet'}); every report names the grader, "
        "model, prompt hash and dataset version."
    )
    return "\n".join(lines)
