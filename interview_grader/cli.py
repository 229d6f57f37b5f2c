"""The ``interview-grader`` command. Each command group lives in ``interview_grader/commands``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from config.offline import enforce_offline
from config.settings import Settings, SettingsError, load_settings, use_settings
from interview_grader.commands import (
    app_command,
    bank_command,
    eval_command,
    grade_command,
    index_command,
    regrade_command,
    rubric_command,
    screening_command,
    settings_command,
)
from interview_grader.errors import UserError
from rubric.index import IndexUnavailable

COMMAND_GROUPS = (
    bank_command,
    index_command,
    rubric_command,
    grade_command,
    eval_command,
    screening_command,
    regrade_command,
    settings_command,
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
    try:
        settings = load_settings(
            bank=args.bank.resolve() if args.bank else None, home=args.home.resolve() if args.home else None
        )
    except SettingsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    # The overrides live in the settings object for this command, not in os.environ: a caller running several
    # commands in one process gets its own settings back afterwards.
    with use_settings(settings):
        return _run(args, settings)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        enforce_offline(settings)
        return int(args.handler(args) or 0)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    except SettingsError as err:  # an option that makes an unusable setting (--judge, --base-url...)
        print(f"error: {err}", file=sys.stderr)
        return 2
    except IndexUnavailable as err:  # CHROMA_URL names a server that does not answer
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
