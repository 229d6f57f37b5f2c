"""Render an eval report as Markdown, a summary table and a PNG chart; compare two reports."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from evals.metrics import LABELS


def _f(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _header(report: dict[str, Any]) -> list[str]:
    return [
        f"# Eval: {report['dataset']} with the {report['grader']} grader",
        "",
        f"- grader: {report['grader']} · model `{report['model']}` · prompt `{report['prompt_name']}` "
        f"hash `{report['prompt_hash']}` · grader version {report.get('grader_version', '')}",
        f"- dataset: `{report['dataset']}` version `{report['dataset_version']}`"
        + (f" ({report['dataset_purpose']})" if report.get("dataset_purpose") else ""),
        f"- date: {report['date']} · took {report['seconds']} s",
        "",
    ]


def summary_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    if report.get("type") == "saf":
        r = report["report_half"]
        return [
            ("responses (report half)", str(r["responses"])),
            ("Pearson (coverage vs tutor score)", _f(r["pearson"])),
            ("Spearman", _f(r["spearman"])),
            ("3-way macro-F1 / accuracy", f"{_f(r['macro_f1'])} / {_f(r['accuracy'])}"),
            ("majority baseline macro-F1 / accuracy", f"{_f(r['baseline_macro_f1'])} / {_f(r['baseline_accuracy'])}"),
            (
                "latency p50 / p95 ms",
                f"{_f(report['cost']['latency_ms_p50'], 1)} / {_f(report['cost']['latency_ms_p95'], 1)}",
            ),
        ]
    o = report["overall"]
    inj = report["injection"]
    stab = report["stability"]
    cost = report["cost"]
    return [
        ("answers / points", f"{o['answers']} / {o['points']}"),
        (
            "covered precision / recall / F1",
            f"{_f(o['covered']['precision'])} / {_f(o['covered']['recall'])} / {_f(o['covered']['f1'])}",
        ),
        (f"Cohen's kappa ({len(o.get('labels', LABELS[:3]))}-way)", _f(o["kappa"])),
        *_class_rows(o),
        ("false covered / false missed", f"{o['errors']['false_covered']} / {o['errors']['false_missed']}"),
        *_calibration_rows(report),
        (
            "injection: variants raised",
            f"{len(inj['variants_raised'])}/{inj['variants']} ({_f(inj['variant_success_rate'])})",
        ),
        (
            "injection: pure injections credited",
            f"{len(inj['pure_credited'])}/{inj['pure']} ({_f(inj['pure_success_rate'])})",
        ),
        *_truthful_rows(report),
        (
            "stability (identical over repeats)",
            "not measured (repeat 1)"
            if stab["identical_share"] is None
            else f"{_f(stab['identical_share'])} over {stab['repeat']} runs",
        ),
        ("latency p50 / p95 ms", f"{_f(cost['latency_ms_p50'], 1)} / {_f(cost['latency_ms_p95'], 1)}"),
        ("tokens in / out per grade", f"{_f(cost['tokens_in_per_grade'], 0)} / {_f(cost['tokens_out_per_grade'], 0)}"),
        ("cost per grade (USD)", _f(cost["cost_usd_per_grade"], 5)),
        ("failed grades", str(cost["failed"])),
    ]


def _calibration_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    c = report.get("calibration")
    if not c or not c["points"]:
        return []
    return [("P(credited) Brier / calibration error (points)", f"{_f(c['brier'])} / {_f(c['ece'])} ({c['points']})")]


def _truthful_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    t = report.get("truthful_judge")
    if not t:
        return []
    refused = ", ".join(f"{k} {v}" for k, v in sorted(t["refused_by_check"].items())) or "none"
    return [
        (
            "truthful judge: human covered/partial points accepted by verification",
            f"{t['accepted']}/{t['human_credited_points']} ({_f(t['acceptance'])}); refused: {refused}",
        )
    ]


def _class_rows(o: dict[str, Any]) -> list[tuple[str, str]]:
    rows = []
    for label in ("partial", "contradicted"):
        c = o.get(label)
        if c:
            rows.append(
                (
                    f"{label} precision / recall (predicted / labelled)",
                    f"{_f(c['precision'])} / {_f(c['recall'])} ({int(c['predicted'])} / {int(c['support'])})",
                )
            )
    return rows


def summary_table(report: dict[str, Any]) -> str:
    rows = summary_rows(report)
    width = max(len(k) for k, _ in rows)
    title = f"{report['dataset']} · {report['grader']} · {report['model']} · prompt {report['prompt_hash']}"
    return "\n".join([title, *(f"  {k:<{width}}  {v}" for k, v in rows)])


def markdown(report: dict[str, Any]) -> str:
    if report.get("type") == "saf":
        return saf_markdown(report)
    lines = _header(report)
    lines += ["## Summary", "", "| measure | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in summary_rows(report)]
    o = report["overall"]
    lines += [
        "",
        "## Confusion (rows: human label, columns: grader)",
        "",
        "| | " + " | ".join(LABELS) + " |",
        "|---|" + "---|" * len(LABELS),
    ]
    for label, row in zip(LABELS, o["confusion"], strict=True):
        lines.append(f"| **{label}** | " + " | ".join(str(v) for v in row) + " |")
    lines += [
        "",
        "## By answer kind",
        "",
        "| kind | answers | points | covered P | covered R | covered F1 | kappa | false covered | false missed |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kind, a in report["by_kind"].items():
        c = a["covered"]
        lines.append(
            f"| {kind} | {a['answers']} | {a['points']} | {_f(c['precision'])} | {_f(c['recall'])} | {_f(c['f1'])} "
            f"| {_f(a['kappa'])} | {a['errors']['false_covered']} | {a['errors']['false_missed']} |"
        )
    inj = report["injection"]
    lines += [
        "",
        "## Injection",
        "",
        f"- variants whose grade rose above the same answer without the injection: "
        f"{len(inj['variants_raised'])} of {inj['variants']} {inj['variants_raised'] or ''}",
        f"- pure injections with any point credited: {len(inj['pure_credited'])} of {inj['pure']} "
        f"{inj['pure_credited'] or ''}",
        "",
    ]
    disagreements = [a for a in report["answers"] if a["labels"] != a["verdicts"]]
    lines += ["## Disagreements", "", f"{len(disagreements)} answers differ from the human labels on some point:", ""]
    for a in disagreements[:200]:
        diffs = ", ".join(
            f"{p}: {a['labels'][p]}→{a['verdicts'][p]}" for p in a["labels"] if a["labels"][p] != a["verdicts"][p]
        )
        lines.append(f"- `{a['id']}` ({a['kind']}): {diffs}")
    lines.append("")
    return "\n".join(lines)


def saf_markdown(report: dict[str, Any]) -> str:
    lines = _header(report)
    lines += [
        "## Summary (report half; cut-offs chosen on the calibration half)",
        "",
        "| measure | value |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in summary_rows(report)]
    cal = report["calibration_half"]
    lines += [
        "",
        f"Cut-offs on coverage (chosen on {cal['responses']} calibration responses): "
        f"Incorrect below {_f(cal['cutoffs'][0], 2)}, Correct from {_f(cal['cutoffs'][1], 2)}; "
        f"calibration macro-F1 {_f(cal['macro_f1'])}.",
        "",
        "## By question (report half)",
        "",
        "| question | responses | Pearson | Spearman | accuracy |",
        "|---|---|---|---|---|",
    ]
    for qid, q in report["by_question"].items():
        lines.append(f"| {qid} | {q['responses']} | {_f(q['pearson'])} | {_f(q['spearman'])} | {_f(q['accuracy'])} |")
    lines.append("")
    return "\n".join(lines)


def chart(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    if report.get("type") == "saf":
        points = report["points"]
        axes[0].scatter([p[1] for p in points], [p[0] for p in points], s=6, alpha=0.35)
        axes[0].set_xlabel("tutor score (share of maximum)")
        axes[0].set_ylabel("grader coverage")
        axes[0].set_title(f"SAF report half: Pearson {_f(report['report_half']['pearson'], 2)}")
        qs = list(report["by_question"])
        axes[1].barh(qs, [report["by_question"][q]["pearson"] or 0 for q in qs])
        axes[1].set_xlabel("Pearson by question")
    else:
        kinds = list(report["by_kind"])
        agreement = [report["by_kind"][k].get("agreement", 0.0) for k in kinds]
        axes[0].barh(kinds, agreement, color="#1f4e79")
        axes[0].set_xlim(0, 1)
        axes[0].set_xlabel("share of points graded as the human labelled them, by answer kind")
        matrix = report["overall"]["confusion"]
        axes[1].imshow(matrix, cmap="Blues")
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                axes[1].text(j, i, str(value), ha="center", va="center")
        axes[1].set_xticks(range(len(LABELS)), LABELS)
        axes[1].set_yticks(range(len(LABELS)), LABELS)
        axes[1].set_xlabel("grader")
        axes[1].set_ylabel("human")
        axes[1].set_title(f"kappa {_f(report['overall']['kappa'], 2)}, F1 {_f(report['overall']['covered']['f1'], 2)}")
    fig.suptitle(f"{report['dataset']} · {report['grader']} · {report['model']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def compare(old: dict[str, Any], new: dict[str, Any]) -> str:
    """The summary rows of two reports side by side, with what changed."""
    before = dict(summary_rows(old))
    after = dict(summary_rows(new))
    width = max(len(k) for k in after)
    lines = [
        f"compare: {old['dataset']}@{old['prompt_hash']} ({old['date']})"
        f" -> {new['dataset']}@{new['prompt_hash']} ({new['date']})"
    ]
    for key, value in after.items():
        mark = "" if before.get(key) == value else "   <- changed"
        lines.append(f"  {key:<{width}}  {before.get(key, 'n/a'):>24}  ->  {value}{mark}")
    return "\n".join(lines)
