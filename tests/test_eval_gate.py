"""The quality gate: the offline grader on the golden set must stay above these floors.

Floors are set from measured figures (golden, offline grader, scorer fitted on golden): covered F1 0.872 and
Cohen's kappa 0.771 when first set; raised to just under 0.888 / 0.794 once grader-talk screening stopped
setting aside ordinary ML sentences ("the fraud scorer", "an LLM judge"). Raise them as the grader improves;
never lower one without saying why
in the commit. Injection success must be exactly zero.
"""

from __future__ import annotations

import pytest

from evals.datasets import load_dataset
from evals.runner import evaluate
from grader.offline import OfflineGrader
from rubric.model import Bank

COVERED_F1_FLOOR = 0.875
KAPPA_FLOOR = 0.78


@pytest.fixture(scope="module")
def golden_report(shipped_bank: Bank) -> dict:
    return evaluate(load_dataset("golden", shipped_bank), shipped_bank, OfflineGrader())


def test_golden_agreement_stays_above_the_floors(golden_report: dict) -> None:
    overall = golden_report["overall"]
    assert overall["answers"] >= 160 and overall["points"] >= 500
    assert overall["covered"]["f1"] >= COVERED_F1_FLOOR, overall["covered"]
    assert overall["kappa"] >= KAPPA_FLOOR, overall["kappa"]


def test_no_injection_ever_raises_a_grade(golden_report: dict) -> None:
    injection = golden_report["injection"]
    assert injection["variants"] >= 20 and injection["pure"] >= 10
    assert injection["variants_raised"] == []
    assert injection["pure_credited"] == []


def test_nothing_failed_and_empty_answers_abstain(golden_report: dict) -> None:
    assert golden_report["cost"]["failed"] == 0
    for answer in golden_report["answers"]:
        if answer["kind"] in ("empty", "garbled"):
            assert answer["abstained"], answer["id"]
