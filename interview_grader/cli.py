"""The ``interview-grader`` command. Each command group lives in ``interview_grader/commands``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from interview_grader.commands import (
    app_command,
    bank_command,
    eval_command,
    grade_command,
    index_command,
    rubric_command,
    screening_command,
)
from interview_grader.errors import UserError
from interview_grader.offline import enforce_offline

COMMAND_GROUPS = (
    bank_command,
    index_command,
    rubric_command,
    grade_command,
    eval_command,
    screening_command,
    app_command,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="interview-grader",
        description="Mock interview grading against a rubric, offline by default.",
    )
    parser.add_argument(
        "--bank", type=Path, help="question bank YAML (default: the shipped bank, or $INTERVIEW_GRADER_BANK)"
    )
    parser.add_argument(
        "--home",
        type=Path,
        help="data folder for the index and caches "
        "(default: $INTERVIEW_GRADER_HOME or ~/.local/share/interview-grader)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    overrides = {
        "INTERVIEW_GRADER_BANK": str(args.bank.resolve()) if args.bank else None,
        "INTERVIEW_GRADER_HOME": str(args.home.resolve()) if args.home else None,
    }
    saved = {name: os.environ.get(name) for name, value in overrides.items() if value}
    os.environ.update({name: value for name, value in overrides.items() if value})
    try:
        enforce_offline()
        return int(args.handler(args) or 0)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    finally:  # a caller running several commands in one process gets its environment back
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


if __name__ == "__main__":
    sys.exit(main())
