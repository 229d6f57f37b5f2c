"""Figures the reliability tests measure (faults injected and survived, answers lost, concurrent writers...).

Each test records what it measured under a name. ``make reliability`` runs those tests with
``RECORD_RELIABILITY=1`` so the figures land in ``tests/reliability-figures.json``, and prints the README's
Reliability table from them. A plain test run asserts the same invariants and writes nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FIGURES = Path(__file__).resolve().parent / "reliability-figures.json"
_LOCK = threading.Lock()


def record(name: str, **figures: Any) -> None:
    if os.environ.get("RECORD_RELIABILITY") != "1":
        return
    with _LOCK:
        data = json.loads(FIGURES.read_text(encoding="utf-8")) if FIGURES.exists() else {}
        data[name] = figures
        FIGURES.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def table(data: dict[str, dict[str, Any]]) -> str:
    lines = ["| what was tried | figures |", "|---|---|"]
    for name, figures in sorted(data.items()):
        described = ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in figures.items())
        lines.append(f"| {name} | {described} |")
    return "\n".join(lines)


def update_readme(readme: Path, rendered: str) -> None:
    """Put the table between the README's reliability markers."""
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- reliability:start -->", "<!-- reliability:end -->"
    if start not in text or end not in text:
        sys.exit(f"{readme} has no {start} ... {end} markers")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=readme.parent
    ).stdout.strip()
    measured = datetime.fromtimestamp(FIGURES.stat().st_mtime, UTC).strftime("%Y-%m-%d")
    provenance = f"Measured {measured} on commit `{commit or 'unknown'}` by `make reliability`:\n\n"
    readme.write_text(f"{head}{start}\n{provenance}{rendered}\n{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    if not FIGURES.exists():
        sys.exit("no figures yet: run `make reliability`")
    rendered = table(json.loads(FIGURES.read_text(encoding="utf-8")))
    if "--readme" in sys.argv:
        update_readme(FIGURES.parents[1] / "README.md", rendered)
    print(rendered)
