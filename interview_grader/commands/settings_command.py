"""``interview-grader settings``: every setting with its value here (secrets masked), or the README's table."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from config.settings import Settings, get_settings, markdown_table, variable

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def register(commands: argparse._SubParsersAction) -> None:
    settings = commands.add_parser("settings", help="show every setting and its value (secrets masked)")
    settings.add_argument("--markdown", action="store_true", help="print the README's settings table instead")
    settings.add_argument("--readme", action="store_true", help="write that table into README.md")
    settings.set_defaults(handler=_settings)


def readme_block() -> str:
    return f"{START}\n{markdown_table()}\n{END}"


def with_table(readme: str) -> str:
    """The README text with its settings block replaced by the table made from the settings object."""
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(readme):
        raise ValueError(f"README has no {START} ... {END} block")
    return pattern.sub(lambda _: readme_block(), readme)


def _settings(args: argparse.Namespace) -> int:
    if args.readme:
        README.write_text(with_table(README.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"wrote the settings table into {README}")
        return 0
    if args.markdown:
        print(markdown_table())
        return 0
    current = get_settings()
    for name in Settings.model_fields:
        value = getattr(current, name)
        shown = "unset" if value is None else ("(set, hidden)" if "Secret" in type(value).__name__ else value)
        print(f"{variable(name):38} {shown}")
    return 0
