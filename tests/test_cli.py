"""The ``interview-grader`` command: bank, index and rubric lookups, with clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from interview_grader.cli import main


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # One home for this module, so the index is built once and reused by the commands below.
    home = tmp_path_factory.getbasetemp() / "cli-home"
    monkeypatch.setenv("INTERVIEW_GRADER_HOME", str(home))
    # main() sets these from --bank/--home; monkeypatch puts them back after each test.
    monkeypatch.delenv("INTERVIEW_GRADER_BANK", raising=False)


def test_bank_show_lists_and_shows_one_question(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bank", "show"]) == 0
    listing = capsys.readouterr().out
    assert "50 questions" in listing and "Section 10. Cross-Functional Execution" in listing
    assert main(["bank", "show", "q06"]) == 0
    shown = capsys.readouterr().out
    assert "q06.1  stream ingestion: Stream ingestion of the events  (e.g. Kafka)" in shown
    assert main(["bank", "show", "6", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "q06"


def test_unknown_question_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bank", "show", "q77"]) == 1
    assert "no question 'q77'" in capsys.readouterr().err


def test_rubric_by_free_text_prints_match_similarity_and_points(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rubric", "How do I keep tabs on what every prediction costs us?"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("matched q30 with score")
    assert "similarity" in out and "Track the cost per 1k requests" in out


def test_rubric_json_and_no_match(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rubric", "--json", "Explain masking versus anonymization of PII"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["match"]["id"] == "q32" and 0 < payload["similarity"] <= 1
    assert [p["id"] for p in payload["match"]["points"]] == ["q32.1", "q32.2"]

    assert main(["rubric", "--json", "What is your favourite colour?"]) == 1
    miss = json.loads(capsys.readouterr().out)
    assert miss["match"] is None and len(miss["suggestions"]) == 3

    assert main(["rubric", "What is your favourite colour?"]) == 1
    assert "no matching rubric" in capsys.readouterr().err


def test_index_rebuild_and_info(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index", "rebuild"]) == 0
    assert "rebuilt the index of ai-ml-product-builder (50 questions)" in capsys.readouterr().out
    assert main(["index", "info"]) == 0
    assert ", current, opened in" in capsys.readouterr().out


def test_a_custom_bank_from_the_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bank = tmp_path / "k8s.yaml"
    bank.write_text(
        "id: k8s\ntitle: K8s\nquestions:\n  - number: 1\n    text: What does a readiness probe do?\n"
        "    logic: Gates traffic.\n    points:\n      - {label: gates traffic, text: It gates traffic}\n",
        encoding="utf-8",
    )
    assert main(["--bank", str(bank), "--home", str(tmp_path / "h"), "rubric", "readiness probe purpose"]) == 0
    assert "matched q01" in capsys.readouterr().out
    assert main(["bank", "validate", str(bank)]) == 0
    assert "valid bank 'k8s', 1 questions, 1 key points, 1 still draft" in capsys.readouterr().out


def test_a_broken_bank_is_reported_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: y\nquestions: []\n", encoding="utf-8")
    assert main(["--bank", str(bad), "bank", "show"]) == 1
    assert "the bank has no questions" in capsys.readouterr().err


def test_the_installed_entry_point_runs() -> None:
    out = subprocess.run(
        [str(Path(sys.executable).with_name("interview-grader")), "bank", "show", "q32"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "PII masking is reversible" in out.stdout
