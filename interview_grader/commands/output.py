"""Printing helpers shared by the commands."""

from __future__ import annotations

import json
import sys
from typing import Any

from rubric.model import Question


def print_json(payload: Any) -> None:
    json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def question_lines(q: Question, *, logic: bool = True) -> list[str]:
    lines = [f"{q.id}  (section {q.section}: {q.section_title}, {q.review})", f"  {q.text}"]
    if logic:
        lines.append(f"  Logic: {q.logic}")
        lines.extend(f"  Note: {n}" for n in q.notes)
    lines.append("  Key points:")
    for p in q.points:
        example = f"  (e.g. {', '.join(p.examples)})" if p.examples else ""
        lines.append(f"    {p.id}  {p.label}: {p.text}{example}")
    return lines
