"""``interview-grader index rebuild|info|calibrate``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from interview_grader.commands.bank_command import _bank
from rubric.index import MATCH_THRESHOLD, RubricIndex, index_size_bytes, open_index

CALIBRATION_SET = Path(__file__).resolve().parents[2] / "rubric" / "data" / "match-calibration.yaml"


def register(commands: argparse._SubParsersAction) -> None:
    index = commands.add_parser("index", help="the rubric index (Chroma, offline embeddings)")
    sub = index.add_subparsers(dest="index_command", required=True, metavar="ACTION")
    rebuild = sub.add_parser("rebuild", help="rebuild the index from the bank now")
    rebuild.set_defaults(handler=_rebuild)
    info = sub.add_parser("info", help="where the index is and whether it is current")
    info.set_defaults(handler=_info)
    cal = sub.add_parser("calibrate", help="measure free-text matching and recommend a threshold")
    cal.add_argument("--set", type=Path, default=CALIBRATION_SET, help="calibration YAML")
    cal.set_defaults(handler=_calibrate)


def _rebuild(args: argparse.Namespace) -> int:
    bank = _bank()
    started = time.perf_counter()
    index = open_index(bank, rebuild=True)
    print(
        f"rebuilt the index of {bank.id} ({len(bank.questions)} questions) in "
        f"{time.perf_counter() - started:.2f} s at {_where(index)}"
    )
    return 0


def _info(args: argparse.Namespace) -> int:
    bank = _bank()
    started = time.perf_counter()
    index = open_index(bank)
    took = time.perf_counter() - started
    state = "rebuilt now (it was missing or out of date)" if index.rebuilt else "current"
    print(f"index: {_where(index)}, {state}, opened in {took:.2f} s")
    print(f"bank: {bank.id}, {len(bank.questions)} questions, fingerprint {index.fingerprint}")
    print(f"match threshold: {MATCH_THRESHOLD}")
    return 0


def _where(index: RubricIndex) -> str:
    if index.chroma_url is not None:
        return f"the Chroma server at {index.chroma_url}"
    assert index.directory is not None
    return f"{index.directory} ({index_size_bytes(index.directory) / 1e6:.1f} MB)"


def _calibrate(args: argparse.Namespace) -> int:
    from rubric.calibration import calibrate

    report = calibrate(open_index(_bank()), args.set)
    print(f"{args.set}: {report.paraphrases} paraphrases, {report.unrelated} unrelated questions")
    print(f"own rubric ranked first: {report.top1}/{report.paraphrases}")
    print("threshold  correct  refused  wrong-rubric  unrelated-accepted  cost")
    for row in report.rows:
        if round(row.threshold * 100) % 5 == 0 or row == report.best:
            mark = "  <- recommended" if row == report.best else ""
            mark += "  (current)" if abs(row.threshold - MATCH_THRESHOLD) < 1e-9 else ""
            print(
                f"{row.threshold:9.2f}  {row.correct:7d}  {row.refused:7d}  {row.wrong:12d}  "
                f"{row.unrelated_accepted:18d}  {row.cost:.3f}{mark}"
            )
    for qid, text, got, score in report.misses:
        print(f"miss: {qid} ranked below {got} ({score:.2f}): {text}")
    return 0
