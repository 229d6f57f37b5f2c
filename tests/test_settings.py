"""One settings object: every variable the product reads is a field, bad values name their variable, the CLI's
overrides never touch os.environ, and the README's table is the one the object makes."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from config.settings import Settings, SettingsError, get_settings, load_settings, markdown_table, use_settings
from interview_grader.cli import main
from interview_grader.commands.settings_command import README, readme_block, with_table

REPO = Path(__file__).resolve().parents[1]
PRODUCT = ["config", "grader", "rubric", "store", "embeddings", "prompts", "practice", "screening", "ui"]


def test_a_field_name_never_picks_up_an_unrelated_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("INTERVIEW_GRADER_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    monkeypatch.setenv("MODEL", "not-this-one")
    monkeypatch.setenv("PASSWORD", "not-this-either")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    settings = load_settings()
    assert settings.home is None and settings.model == "gpt-4o-mini" and settings.password is None
    assert settings.data_home() == tmp_path / "xdg" / "interview-grader"


def test_values_come_from_their_variables_and_overrides_by_field_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVIEW_GRADER_LEASE_SECONDS", "42")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:secret@db/x")
    settings = load_settings(concurrency=3)
    assert settings.lease_seconds == 42 and settings.concurrency == 3
    assert "secret" not in repr(settings)  # the URL's password is a secret
    assert settings.updated(model="m").model == "m" and settings.updated(model="m").lease_seconds == 42


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("INTERVIEW_GRADER_LEASE_SECONDS", "soon"),
        ("INTERVIEW_GRADER_CONCURRENCY", "0"),
        ("INTERVIEW_GRADER_GRADER", "x"),
    ],
)
def test_a_bad_value_names_its_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings()


def test_the_cli_reports_a_bad_setting_and_stops(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("INTERVIEW_GRADER_RETENTION_DAYS", "-3")
    assert main(["settings"]) == 2
    assert "INTERVIEW_GRADER_RETENTION_DAYS" in capsys.readouterr().err


def test_cli_overrides_live_in_the_settings_not_the_environment(tmp_path: Path, capsys) -> None:
    before = dict(os.environ)
    assert main(["--home", str(tmp_path / "other"), "settings"]) == 0
    assert str(tmp_path / "other") in capsys.readouterr().out
    assert dict(os.environ) == before
    assert get_settings().home != tmp_path / "other"


def test_use_settings_puts_the_earlier_settings_back(tmp_path: Path) -> None:
    outer = get_settings()
    with use_settings(load_settings(home=tmp_path)):
        assert get_settings().home == tmp_path
    assert get_settings() == outer


def test_environment_carries_the_overrides_to_a_child(tmp_path: Path) -> None:
    env = load_settings(home=tmp_path, concurrency=2).environment()
    assert env["INTERVIEW_GRADER_HOME"] == str(tmp_path) and env["INTERVIEW_GRADER_CONCURRENCY"] == "2"
    assert "INTERVIEW_GRADER_LEASE_SECONDS" not in env  # left at its default


def test_the_readme_lists_every_setting_as_generated() -> None:
    text = README.read_text(encoding="utf-8")
    assert readme_block() in text, "README settings table is stale: run interview-grader settings --readme"
    for field in Settings.model_fields.values():
        assert field.description, "every setting says what it does"
    assert markdown_table().count("\n| `") == len(Settings.model_fields)
    assert with_table("a\n<!-- settings:start -->\nold\n<!-- settings:end -->\nb").startswith(
        "a\n<!-- settings:start -->\n|"
    )


def _environment_reads(path: Path) -> list[int]:
    """Lines that read a variable: os.environ.get / os.environ[...] / os.getenv (setting defaults is allowed)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = ast.unparse(node.func)
            if target in ("os.environ.get", "os.getenv", "environ.get"):
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Subscript)
            and ast.unparse(node.value) == "os.environ"
            and isinstance(node.ctx, ast.Load)
        ):
            lines.append(node.lineno)
    return lines


def test_nothing_outside_the_settings_reads_the_environment_for_a_setting() -> None:
    found = []
    for package in [*PRODUCT, "interview_grader"]:
        for path in (REPO / package).rglob("*.py"):
            if path.parent.name == "config" or "migrations" in path.parts:
                continue
            found += [f"{path.relative_to(REPO)}:{n}" for n in _environment_reads(path)]
    found += [f"app.py:{n}" for n in _environment_reads(REPO / "app.py")]
    assert not found, found


def test_the_environment_check_catches_a_read(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import os\nx = os.environ.get('A')\ny = os.environ['B']\nos.environ.setdefault('C', '1')\n")
    assert _environment_reads(probe) == [2, 3]
