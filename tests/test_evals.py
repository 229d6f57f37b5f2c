"""The eval machinery: metrics, dataset checks, the runner's files, comparison, SAF, the README table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.datasets import DatasetError, load_dataset
from evals.metrics import THREE, cohens_kappa, confusion, covered_prf, macro_f1, pearson, spearman
from evals.report import compare
from evals.runner import evaluate, write_report
from grader.service import offline_grader
from interview_grader.cli import main
from rubric.model import Bank


def test_metrics_on_known_values() -> None:
    truth = ["covered", "covered", "missed", "missed", "partial"]
    predicted = ["covered", "missed", "missed", "covered", "partial"]
    assert covered_prf(truth, predicted) == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2})
    assert confusion(truth, predicted) == [[1, 0, 1, 0], [0, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]]
    assert confusion(truth, predicted, THREE) == [[1, 0, 1], [0, 1, 0], [1, 0, 1]]
    # observed 3/5; expected (2*2 + 1*1 + 2*2)/25 = 9/25 -> kappa = (0.6-0.36)/(1-0.36) = 0.375
    assert cohens_kappa(truth, predicted) == pytest.approx(0.375)
    assert cohens_kappa(truth, truth) == pytest.approx(1.0)
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [10, 20, 30, 1000]) == pytest.approx(1.0)
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert macro_f1(["a", "b"], ["a", "a"], ["a", "b"]) == pytest.approx((2 / 3 + 0) / 2)


def test_datasets_are_valid_and_kept_apart(shipped_bank: Bank) -> None:
    golden = load_dataset("golden", shipped_bank)
    holdout = load_dataset("holdout", shipped_bank)
    assert len(golden.records) + len(holdout.records) >= 250
    assert len({r.question_id for r in golden.records + holdout.records}) >= 30
    injections = [r for r in golden.records + holdout.records if r.kind == "injection"]
    assert len(injections) >= 60
    assert "never tune" in holdout.meta["purpose"]
    assert not {r.answer for r in golden.records if r.answer} & {r.answer for r in holdout.records if r.answer}
    kinds = {r.kind for r in golden.records}
    assert {"paraphrase", "rejection", "swap", "keyword_list", "off_topic", "empty", "garbled", "rambling"} <= kinds


def test_a_malformed_dataset_is_refused_with_its_line(tmp_path: Path, shipped_bank: Bank) -> None:
    bad = tmp_path / "bad.jsonl"
    record = {
        "id": "x-q09-001",
        "question_id": "q09",
        "kind": "strong",
        "answer": "a",
        "labels": {"q09.1": "covered"},
        "base_id": None,
        "injection": None,
        "note": "",
    }
    bad.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"bad\.jsonl:1: labels must cover exactly the points of q09"):
        load_dataset(str(bad), shipped_bank)


def test_the_runner_writes_report_json_and_chart(tmp_path: Path, shipped_bank: Bank) -> None:
    dataset = load_dataset("golden", shipped_bank)
    small = dataset.__class__(dataset.name, dataset.path, dataset.meta, dataset.records[:12])
    report = evaluate(small, shipped_bank, offline_grader(), repeat=2)
    out = write_report(report, tmp_path / "run")
    saved = json.loads((out / "report.json").read_text())
    assert saved["grader"] == "offline" and saved["dataset_version"].startswith("2+")
    assert saved["prompt_hash"] and saved["date"]
    assert saved["stability"]["repeat"] == 2 and saved["stability"]["identical_share"] == 1.0
    assert (out / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| Cohen's kappa (3-way) |" in (out / "report.md").read_text()
    assert "kappa" in compare(saved, report)


def test_cli_eval_run_and_compare(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "a"
    assert main(["eval", "run", "--dataset", "holdout", "--limit", "8", "--out", str(out)]) == 0
    first = capsys.readouterr().out
    assert "covered precision / recall / F1" in first
    assert (
        main(
            [
                "eval",
                "run",
                "--dataset",
                "holdout",
                "--limit",
                "8",
                "--out",
                str(tmp_path / "b"),
                "--compare",
                str(out / "report.json"),
            ]
        )
        == 0
    )
    assert "compare: holdout@" in capsys.readouterr().out


def test_fit_offline_refuses_the_holdout_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "fit-offline", "--dataset", "holdout"]) == 1
    assert "never used for tuning" in capsys.readouterr().err


@pytest.mark.slow  # grades a slice of the SAF data with the offline judge (about 11 s)
def test_saf_pipeline_on_a_slice() -> None:
    from evals.saf import evaluate_saf, half, load_saf

    bank, rows = load_saf()
    assert len(bank.questions) == 26 and len(rows) == 2127
    assert {r["label"] for r in rows} == {"Correct", "Partially correct", "Incorrect"}
    assert half("1.6.55") in ("calibration", "report")
    report = evaluate_saf(offline_grader(), limit=60)
    assert report["type"] == "saf" and report["cost"]["grades"] == 60
    assert report["calibration_half"]["responses"] + report["report_half"]["responses"] == 60
    low, high = report["calibration_half"]["cutoffs"]
    assert 0 <= low <= high <= 1
    # The figures mean something: scores follow the tutors' labels (0.40 measured on these 60) and the labels
    # cut from them beat always answering the commonest label (macro-F1 0.36 against 0.26).
    overall = report["all"]
    assert overall["pearson"] > 0.2
    assert overall["macro_f1"] > overall["baseline_macro_f1"]


def test_readme_results_table_comes_from_published_reports() -> None:
    from evals.published import results_table
    from interview_grader.commands.eval_command import PUBLISHED, README

    table = results_table(PUBLISHED)
    text = README.read_text(encoding="utf-8")
    assert table in text, "run `make evals` to refresh the README's results table"


def test_calibration_reads_each_judges_probability_and_measures_it() -> None:
    from evals.runner import credited_probability

    assert credited_probability({"covered": 0.2, "credited": 0.7}) == 0.7  # the matcher's
    assert credited_probability({"covered": 0.5, "partial": 0.25, "contradicted": 0.1}) == 0.75  # learned, combined
    assert credited_probability(None) is None


def test_calibration_error_tells_an_overconfident_judge_from_a_calibrated_one() -> None:
    from types import SimpleNamespace

    from evals.runner import _calibration

    def graded(p: float, label: str) -> SimpleNamespace:
        point = SimpleNamespace(point_id="x.1", probability={"covered": p, "partial": 0.0})
        result = SimpleNamespace(abstained=False, points=[point])
        return SimpleNamespace(result=result, record=SimpleNamespace(labels={"x.1": label}))

    # Says 0.75 on points humans credit three times in four: calibrated.
    calibrated = [graded(0.75, "covered")] * 3 + [graded(0.75, "missed")]
    # Says 0.95 on the same points: over-confident.
    overconfident = [graded(0.95, "covered")] * 3 + [graded(0.95, "missed")]
    good, bad = _calibration(calibrated), _calibration(overconfident)  # type: ignore[arg-type]
    assert good["points"] == 4 and good["ece"] == 0.0
    assert bad["ece"] == pytest.approx(0.2) and bad["brier"] > good["brier"]
