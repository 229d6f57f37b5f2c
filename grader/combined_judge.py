"""The combined offline judge (``INTERVIEW_GRADER_OFFLINE_JUDGE=combined``): the similarity matcher and the
learned pair classifier both read the answer, and a small multinomial logistic model over what each said
(its verdict and its probabilities, and whether the point has paraphrases in the bank) gives the verdict.

The two judges fail differently: the matcher is strong where the bank has phrasings for a point and weak on
words it has never seen; the pair classifier reads a paraphrase it has no phrasing for and tells partial and
contradicted apart, but is less sure of itself. The combining weights are fitted on the validation fold of
the pair classifier's training data (questions its own validation model never saw), with
``python -m evals.fit_combined``; ``grader/data/judge-combined.json`` records what they were fitted on.

The evidence is the span of a judge that said the same verdict, or else one that credited the point at all;
a verdict nobody can point at is "missed". Nothing here knows a particular question.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from config.once import once
from grader.judge import JudgeReply, JudgeRequest, PointClaim
from grader.learned_judge import REASONS, CrossJudge
from grader.offline import OfflineJudge
from grader.result import GraderKind, Verdict
from rubric.model import KeyPoint

COMBINER_PATH = Path(__file__).with_name("data") / "judge-combined.json"
CLASSES: tuple[Verdict, ...] = ("missed", "covered", "partial", "contradicted")
FEATURES = (
    "m_covered",
    "m_partial",
    "m_contradicted",
    "m_p_covered",
    "m_p_credited",
    "l_covered",
    "l_partial",
    "l_contradicted",
    "l_p_covered",
    "l_p_partial",
    "l_p_contradicted",
    "paraphrased",
    "paraphrased_x_m_covered",
    "agree_covered",
)
_RANK = {"missed": 0, "contradicted": 1, "partial": 2, "covered": 3}


def pair_features(matcher: PointClaim, learned: PointClaim, point: KeyPoint) -> np.ndarray:
    """What the combiner reads for one point: both judges' verdicts and probabilities, and the bank's data."""
    mp = matcher.probability or {}
    lp = learned.probability or {}
    paraphrased = 1.0 if point.paraphrases else 0.0
    values = {
        "m_covered": float(matcher.verdict == "covered"),
        "m_partial": float(matcher.verdict == "partial"),
        "m_contradicted": float(matcher.verdict == "contradicted"),
        "m_p_covered": float(mp.get("covered", 0.0)),
        "m_p_credited": float(mp.get("credited", 0.0)),
        "l_covered": float(learned.verdict == "covered"),
        "l_partial": float(learned.verdict == "partial"),
        "l_contradicted": float(learned.verdict == "contradicted"),
        "l_p_covered": float(lp.get("covered", 0.0)),
        "l_p_partial": float(lp.get("partial", 0.0)),
        "l_p_contradicted": float(lp.get("contradicted", 0.0)),
        "paraphrased": paraphrased,
        "paraphrased_x_m_covered": paraphrased * float(matcher.verdict == "covered"),
        "agree_covered": float(matcher.verdict == "covered" and learned.verdict == "covered"),
    }
    return np.asarray([values[name] for name in FEATURES], dtype=np.float64)


@dataclass(frozen=True)
class Combiner:
    weights: np.ndarray  # (features, classes)
    bias: np.ndarray  # (classes,)
    fitted_on: str

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        z = x @ self.weights + self.bias
        z = z - z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=-1, keepdims=True))

    def digest(self) -> str:
        raw = json.dumps({"w": self.weights.round(8).tolist(), "b": self.bias.round(8).tolist()})
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def save(self, path: Path = COMBINER_PATH, **record: object) -> None:
        payload = {
            "features": list(FEATURES),
            "classes": list(CLASSES),
            "weights": self.weights.round(6).tolist(),
            "bias": self.bias.round(6).tolist(),
            "fitted_on": self.fitted_on,
            **record,
        }
        path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


@once
def load_combiner(path: Path = COMBINER_PATH) -> Combiner:
    raw = json.loads(path.read_text(encoding="utf-8"))
    if list(raw["features"]) != list(FEATURES) or list(raw["classes"]) != list(CLASSES):
        raise ValueError(f"{path} was fitted on other features; refit it with python -m evals.fit_combined")
    return Combiner(np.asarray(raw["weights"], dtype=np.float64), np.asarray(raw["bias"]), str(raw["fitted_on"]))


def _evidence(verdict: Verdict, claims: tuple[PointClaim, PointClaim]) -> PointClaim | None:
    """The claim whose span shows ``verdict``: one that said it, else one that credited the point most."""
    same = [c for c in claims if c.verdict == verdict and c.span]
    if same:
        return same[0]
    pointing = sorted((c for c in claims if c.verdict != "missed" and c.span), key=lambda c: -_RANK[c.verdict])
    return pointing[0] if pointing else None


class CombinedJudge:
    kind: GraderKind = "offline"
    name = "combined-judge"
    prompt_name = "combined-judge"

    def __init__(
        self, matcher: OfflineJudge | None = None, learned: CrossJudge | None = None, combiner: Combiner | None = None
    ) -> None:
        self.matcher = matcher or OfflineJudge()
        self.learned = learned or CrossJudge()
        self.combiner = combiner or load_combiner()
        self.model = f"offline matcher + {self.learned.model}, combined"
        parts = f"{self.matcher.prompt_hash}:{self.learned.prompt_hash}:{self.combiner.digest()}"
        self.prompt_hash = hashlib.sha256(parts.encode()).hexdigest()[:16]

    def both(self, request: JudgeRequest) -> tuple[list[PointClaim], list[PointClaim]]:
        """Each judge's claims, in the question's point order."""
        order = [p.id for p in request.question.points]
        m = {c.point_id: c for c in self.matcher.judge(request).claims}
        lc = {c.point_id: c for c in self.learned.judge(request).claims}
        return [m[p] for p in order], [lc[p] for p in order]

    def judge(self, request: JudgeRequest) -> JudgeReply:
        matcher, learned = self.both(request)
        points = request.question.points
        x = np.stack([pair_features(m, lc, p) for m, lc, p in zip(matcher, learned, points, strict=True)])
        probs = self.combiner.probabilities(x)
        claims = []
        for point, m, lc, row in zip(points, matcher, learned, probs, strict=True):
            verdict: Verdict = CLASSES[int(np.argmax(row))]
            source = _evidence(verdict, (m, lc)) if verdict != "missed" else None
            if source is None:
                verdict = "missed"
            reason = source.reason if source is not None and source.verdict == verdict else REASONS[verdict]
            claims.append(
                PointClaim(
                    point_id=point.id,
                    verdict=verdict,
                    quote=source.quote if source else "",
                    span=source.span if source else None,
                    reason=reason,
                    probability={c: round(float(v), 4) for c, v in zip(CLASSES[1:], row[1:], strict=True)},
                )
            )
        return JudgeReply(claims=claims, cost_usd=0.0)
