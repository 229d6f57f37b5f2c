"""Timing helpers and the results file every benchmark writes into."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None
    p95: float | None = None
    runs: int = 1
    note: str = ""
    digits: int = 1  # decimals shown in results.md


@dataclass
class Section:
    title: str
    figures: list[Figure] = field(default_factory=list)


def timed_ms(fn: Callable[[], object], runs: int, warmup: int = 3) -> tuple[float, float, list[float]]:
    """Median and p95 wall time of ``fn`` in milliseconds, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, samples


def machine() -> dict[str, str]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=RESULTS_DIR, check=False
        ).stdout.strip()
    except OSError:
        commit = "unknown"
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit or "unknown",
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def write(sections: list[Section], stem: str = "results") -> Path:
    info = machine()
    payload = {"machine": info, "sections": [asdict(s) for s in sections]}
    (RESULTS_DIR / f"{stem}.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Benchmark results",
        "",
        f"Measured {info['date']} on commit `{info['commit']}`: {info['cpu']}, {info['cores']} cores, "
        f"Python {info['python']}. Produced by `make bench`; medians and p95 after warm-up.",
        "",
    ]
    for section in sections:
        lines += [
            f"## {section.title}",
            "",
            "| figure | median | p95 | runs | target | met |",
            "|---|---|---|---|---|---|",
        ]
        for f in section.figures:
            value = f"{f.value:.{f.digits}f} {f.unit}"
            p95 = f"{f.p95:.{f.digits}f} {f.unit}" if f.p95 is not None else ""
            met = "" if f.met is None else ("yes" if f.met else "**no**")
            note = f" ({f.note})" if f.note else ""
            lines.append(f"| {f.name}{note} | {value} | {p95} | {f.runs} | {f.target} | {met} |")
        lines.append("")
    path = RESULTS_DIR / f"{stem}.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
