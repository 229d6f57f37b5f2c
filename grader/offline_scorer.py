"""How strongly one span shows one key point: two small logistic models over six explainable features.

Features of a (span, point) pair, after the rules in :mod:`grader.point_matching` have ruled out rejected,
swapped and bare-keyword spans:

- ``dense``: cosine similarity between the span and the point's best phrasing (MiniLM);
- ``margin``: ``dense`` minus the best similarity to any other point of the same question (a vague sentence
  resembles every point a little; a real statement of this point resembles it more than its siblings);
- ``share``: the weighted share of the point's words (with glossary synonyms) that the span affirms;
- ``example``: whether the span names one of the point's examples;
- ``question``: similarity to the question itself (restating the question is not answering it);
- ``dense_x_share``.

``covered`` estimates P(covered); ``credited`` estimates P(covered or partial). Both are fitted, and their
cut-offs chosen, on the golden eval set only (``interview-grader eval fit-offline``); the file records when
and on what. The holdout set is never used.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

SCORER_PATH = Path(__file__).with_name("data") / "offline_scorer.json"
FEATURES = ("dense", "margin", "share", "example", "question", "dense_x_share")


@dataclass(frozen=True)
class Head:
    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]

    def probability(self, x: list[float]) -> float:
        z = self.bias + sum(w * (v - m) / s for w, v, m, s in zip(self.weights, x, self.mean, self.scale, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


@dataclass(frozen=True)
class OfflineScorer:
    covered: Head
    credited: Head
    covered_cut: float
    partial_cut: float
    lenient_cut: float  # for checking an LLM's claim: is this span about the point at all?
    fitted_on: str

    def probabilities(self, features: dict[str, float]) -> tuple[float, float]:
        x = [features[name] for name in FEATURES]
        return self.covered.probability(x), self.credited.probability(x)

    def level(self, p_covered: float, p_credited: float, *, lenient: bool = False) -> str:
        if lenient:
            return "covered" if max(p_covered, p_credited) >= self.lenient_cut else "missed"
        if p_covered >= self.covered_cut:
            return "covered"
        if p_credited >= self.partial_cut:
            return "partial"
        return "missed"

    def digest_source(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def save(self, path: Path = SCORER_PATH) -> None:
        payload = {"features": list(FEATURES), **asdict(self)}
        path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def _head(raw: dict[str, object]) -> Head:
    return Head(
        weights=tuple(raw["weights"]),  # type: ignore[arg-type]
        bias=float(raw["bias"]),  # type: ignore[arg-type]
        mean=tuple(raw["mean"]),  # type: ignore[arg-type]
        scale=tuple(raw["scale"]),  # type: ignore[arg-type]
    )


@cache
def load_scorer(path: Path = SCORER_PATH) -> OfflineScorer:
    raw = json.loads(path.read_text(encoding="utf-8"))
    if tuple(raw["features"]) != FEATURES:
        raise ValueError(f"{path} was fitted on features {raw['features']}, the grader computes {FEATURES}")
    return OfflineScorer(
        covered=_head(raw["covered"]),
        credited=_head(raw["credited"]),
        covered_cut=float(raw["covered_cut"]),
        partial_cut=float(raw["partial_cut"]),
        lenient_cut=float(raw["lenient_cut"]),
        fitted_on=str(raw["fitted_on"]),
    )
