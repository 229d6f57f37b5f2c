"""The screening commands: user add, export, candidate delete, retention purge, worker."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from interview_grader.cli import main
from rubric.bank import load_default_bank
from screening import candidate, screens
from store.db import Database

PASSWORD = "correct horse battery staple"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INTERVIEW_GRADER_HOME", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return tmp_path


def _finished_invite(db: Database, recruiter_id: int) -> tuple[int, int]:
    bank = load_default_bank()
    screen_id = screens.create_screen(db, recruiter_id, "CLI screen", "x", [bank.get("q09")])
    info, _ = screens.invite(db, screen_id, "Dee", "dee@example.com")
    candidate.consent(db, info.id)
    q = candidate.current_question(db, info.id)
    assert q is not None
    candidate.submit(db, info.id, q.screen_question_id, "=1+1 We cache embeddings so nothing is embedded twice.")
    return screen_id, info.id


def test_the_whole_cli_loop(home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("INTERVIEW_GRADER_PASSWORD", PASSWORD)
    assert main(["user", "add", "rita@example.com", "--name", "Rita"]) == 0
    assert "created recruiter account 1" in capsys.readouterr().out
    assert main(["user", "add", "rita@example.com"]) == 1
    assert "exists already" in capsys.readouterr().err

    db = Database()
    screen_id, invite_id = _finished_invite(db, 1)
    assert main(["worker", "--once"]) == 0
    assert "graded 1 answers" in capsys.readouterr().out

    assert main(["export", "--screen", str(screen_id), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["answer"].startswith("'=1+1") and rows[0]["grading"] == "graded"
    out = home / "screen.json"
    assert main(["export", "--screen", str(screen_id), "--format", "json", "-o", str(out)]) == 0
    assert json.loads(out.read_text())["candidates"][0]["name"] == "Dee"
    pdf = home / "report.pdf"
    assert main(["export", "--candidate", str(invite_id), "--format", "pdf", "-o", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert main(["export", "--candidate", str(invite_id), "--format", "md"]) == 0
    assert "# CLI screen: Dee" in capsys.readouterr().out
    assert main(["export", "--candidate", "999", "--format", "md"]) == 1
    assert "nothing to export" in capsys.readouterr().err

    assert main(["candidate", "delete", str(invite_id)]) == 1  # no terminal: --yes is required
    assert main(["candidate", "delete", str(invite_id), "--yes"]) == 0
    assert "deleted candidate" in capsys.readouterr().out
    assert main(["retention", "purge", "--days", "1"]) == 0
    assert "purged 0 screens older than 1 days" in capsys.readouterr().out


def test_user_add_refuses_weak_passwords_and_missing_input(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INTERVIEW_GRADER_PASSWORD", "short")
    assert main(["user", "add", "x@example.com"]) == 1
    assert "12 characters" in capsys.readouterr().err
    monkeypatch.delenv("INTERVIEW_GRADER_PASSWORD")
    assert main(["user", "add", "x@example.com"]) == 1
    assert "INTERVIEW_GRADER_PASSWORD" in capsys.readouterr().err
