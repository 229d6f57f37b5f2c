"""The combined judge: both offline judges read the answer and a fitted combiner decides; its verdict is
always one it can point at in the answer. (Grading an unseen bank, determinism and set-aside text are tested
for it and the pair classifier alike in test_learned_judge.py.)"""

from __future__ import annotations

import numpy as np

from grader.combined_judge import CLASSES, FEATURES, CombinedJudge, Combiner, load_combiner
from grader.pipeline import Pipeline
from tests.test_learned_judge import ANSWER, BANK


def _always(verdict: str) -> Combiner:
    bias = np.full(len(CLASSES), -10.0)
    bias[CLASSES.index(verdict)] = 10.0  # type: ignore[arg-type]
    return Combiner(np.zeros((len(FEATURES), len(CLASSES))), bias, "test")


def test_a_verdict_nobody_can_point_at_is_missed() -> None:
    # The combiner says "covered" for everything, but neither judge finds anything in an off-topic answer.
    pipeline = Pipeline(CombinedJudge(combiner=_always("covered")))
    result = pipeline.grade(
        BANK.get("u1"), "Sourdough needs a starter fed with flour and water, a long cold proof and a hot oven."
    )
    assert result.abstained or all(p.verdict == "missed" for p in result.points)


def test_the_combiner_decides_and_evidence_follows() -> None:
    # Told to say "partial" everywhere, it says partial on the points a judge found and quotes that judge.
    result = Pipeline(CombinedJudge(combiner=_always("partial"))).grade(BANK.get("u1"), ANSWER)
    partial = [p for p in result.points if p.verdict == "partial"]
    assert partial and all(p.verdict in ("partial", "missed") for p in result.points)
    assert all(p.evidence for p in partial)


def test_the_shipped_weights_match_the_features() -> None:
    combiner = load_combiner()
    assert combiner.weights.shape == (len(FEATURES), len(CLASSES))
    assert "validation fold" in combiner.fitted_on
