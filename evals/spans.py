"""Evidence spans for labelled answers: write quotes, get character offsets.

People labelling answers write each point's evidence as the verbatim words of the answer::

    "evidence": {"cd-net-03.2": ["retransmits only the missing segment"]}

``python -m evals.spans fill FILE.jsonl`` turns every quote into ``{"start", "end", "text"}`` (the quote's
first occurrence, or its n-th with ``{"quote": "...", "occurrence": n}``) and refuses quotes that are not in the
answer. ``python -m evals.spans check FILE.jsonl [--bank BANK.yaml]`` loads the file as the evals do and prints
what is wrong with it, record by record.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


class SpanError(ValueError):
    pass


def _offsets(answer: str, quote: str, occurrence: int = 1) -> dict[str, Any]:
    if not quote.strip():
        raise SpanError("an empty quote")
    start = -1
    for _ in range(occurrence):
        start = answer.find(quote, start + 1)
        if start < 0:
            raise SpanError(f"not in the answer (occurrence {occurrence}): {quote!r}")
    return {"start": start, "end": start + len(quote), "text": quote}


def fill_record(record: dict[str, Any]) -> dict[str, Any]:
    evidence = record.get("evidence")
    if not evidence:
        return record
    filled: dict[str, list[dict[str, Any]]] = {}
    for point_id, spans in evidence.items():
        filled[point_id] = []
        for span in spans:
            if isinstance(span, str):
                filled[point_id].append(_offsets(record["answer"], span))
            elif "quote" in span:
                filled[point_id].append(_offsets(record["answer"], span["quote"], int(span.get("occurrence", 1))))
            else:
                filled[point_id].append(span)
    return {**record, "evidence": filled}


def fill_file(path: Path) -> int:
    """Rewrite ``path`` with offsets; returns the number of records that had quotes turned into offsets."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    changed = 0
    problems = []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        if "_meta" not in record:
            try:
                filled = fill_record(record)
            except SpanError as err:
                problems.append(f"{path}:{lineno} ({record.get('id')}): {err}")
                filled = record
            changed += filled != record
            record = filled
        out.append(json.dumps(record, ensure_ascii=False))
    if problems:
        raise SpanError("\n".join(problems))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.spans", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    fill = sub.add_parser("fill", help="turn evidence quotes into offsets, in place")
    fill.add_argument("files", nargs="+", type=Path)
    check = sub.add_parser("check", help="load a labelled file as the evals do and report problems")
    check.add_argument("file", type=Path)
    check.add_argument("--bank", type=Path, help="the bank the answers are to (default: the shipped bank)")
    args = parser.parse_args(argv)
    if args.action == "fill":
        try:
            for path in args.files:
                print(f"{path}: {fill_file(path)} records filled")
        except SpanError as err:
            print(err, file=sys.stderr)
            return 1
        return 0
    from evals.datasets import DatasetError, load_dataset
    from rubric.bank import load_default_bank
    from rubric.yaml_bank import load_bank

    bank = load_bank(args.bank) if args.bank else load_default_bank()
    try:
        dataset = load_dataset(str(args.file), bank)
    except DatasetError as err:
        print(err, file=sys.stderr)
        return 1
    missing = [
        f"{r.id}: {pid} is {label} without evidence"
        for r in dataset.records
        for pid, label in r.labels.items()
        if label != "missed" and pid not in r.evidence
    ]
    for line in missing:
        print(line)
    print(f"{len(dataset.records)} records, {len(missing)} credited or contradicted points without evidence")
    return 0


if __name__ == "__main__":
    sys.exit(main())
