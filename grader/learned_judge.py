"""The learned judge, opt-in (``INTERVIEW_GRADER_OFFLINE_JUDGE=learned``): a pair classifier trained here from
all-MiniLM-L6-v2 (``make train-judge``) that reads "key point [SEP] answer sentence" and says none / covered /
partial / contradicted.
No LLM, no network.

Every point is read against every graded sentence (or, for long answers, against the sentences most similar
to it); a point's verdict comes from its best sentences with cut-offs chosen at training time on questions
held out from training, and its evidence is that sentence. The probabilities go into the verdict for
review; the same answer always gets the same result. The model ships as int8 ONNX in ``grader/data`` with its
metadata (sha256, cut-offs, training data hashes); its model card is ``grader/data/JUDGE_MODEL_CARD.md``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from pathlib import Path

import numpy as np

from config.once import once
from config.settings import get_settings
from grader.judge import JudgeReply, JudgeRequest, PointClaim
from grader.result import GraderKind, Verdict
from rubric.model import KeyPoint

DATA = Path(__file__).with_name("data")
MODEL_PATH = DATA / "judge-cross.onnx"
META_PATH = DATA / "judge-cross.json"
TOKENIZER_PATH = Path(__file__).resolve().parents[1] / "embeddings" / "data" / "minilm-tokenizer.json"
MAX_TOKENS = 96
# Pairs read at once; beyond this many (a long answer), each point is read against its most similar sentences.
MAX_PAIRS = 48
CANDIDATES = 4
LABELS = ("none", "covered", "partial", "contradicted")


class JudgeModelError(RuntimeError):
    """The judge's model is missing or is not the file its metadata names."""


@once
def _runtime(path: Path, sha256: str) -> tuple[object, object, threading.Lock]:
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    import onnxruntime as ort
    from tokenizers import Tokenizer

    if not path.is_file():
        raise JudgeModelError(f"no judge model at {path}; reinstall, or retrain it with make train-judge")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise JudgeModelError(f"{path} has sha256 {digest}, its metadata says {sha256}")
    options = ort.SessionOptions()
    options.intra_op_num_threads = get_settings().inference_threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()
    return session, tokenizer, threading.Lock()


def point_text(point: KeyPoint) -> str:
    """What the judge reads of a point: its text, with its examples."""
    return point.text + (f" (for example: {', '.join(point.examples)})" if point.examples else "")


def verdict_from(scores: np.ndarray, cuts: tuple[float, float, float]) -> Verdict:
    """A point's verdict from its best sentences' (covered, partial, contradicted) probabilities."""
    covered, partial, contradicted = (float(v) for v in scores)
    covered_cut, contradicted_cut, partial_cut = cuts
    if covered >= covered_cut and covered >= contradicted:
        return "covered"
    if contradicted >= contradicted_cut:
        return "contradicted"
    if covered + partial >= partial_cut:
        return "partial"
    return "missed"


_RANK = {"missed": 0, "contradicted": 1, "partial": 2, "covered": 3}
_COLUMN = {"covered": 1, "partial": 2, "contradicted": 3}  # the label's column in a probability row

REASONS: dict[str, str] = {
    "covered": "the answer states this point",
    "partial": "the answer gets part of this point, not all of it",
    "contradicted": "the answer says the opposite of this point",
    "missed": "the answer does not say this",
}


class CrossJudge:
    kind: GraderKind = "offline"
    name = "learned-judge"
    prompt_name = "learned-judge"

    def __init__(self, model: Path = MODEL_PATH, meta: Path = META_PATH) -> None:
        info = json.loads(meta.read_text(encoding="utf-8"))
        self.path = model
        self.sha256 = str(info["sha256"])
        self.cuts: tuple[float, float, float] = tuple(float(c) for c in info["cuts"])  # type: ignore[assignment]
        self.layers = int(info.get("layers", 0))
        self.model = f"all-MiniLM-L6-v2 pair classifier ({self.layers} layers, trained here, int8 ONNX)"
        self.prompt_hash = hashlib.sha256(f"{self.sha256}:{self.cuts}:{MAX_TOKENS}".encode()).hexdigest()[:16]

    def probabilities(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """Softmax over (none, covered, partial, contradicted) for every (point, sentence) pair.

        Each pair is run on its own: the int8 model quantizes its activations with a scale taken over the whole
        input, so in a padded batch a pair's probabilities would depend on the other pairs (and an appended
        sentence could move the verdict on a sentence it does not touch).
        """
        session, tokenizer, lock = _runtime(self.path, self.sha256)
        encs = tokenizer.encode_batch(pairs)  # type: ignore[attr-defined]
        rows = []
        with lock:
            for e in encs:
                ids = np.asarray([e.ids], dtype=np.int64)
                feeds = {
                    "input_ids": ids,
                    "attention_mask": np.ones_like(ids),
                    "token_type_ids": np.asarray([e.type_ids], dtype=np.int64),
                }
                (logits,) = session.run(["logits"], feeds)  # type: ignore[attr-defined]
                rows.append(logits[0])
        logits = np.asarray(rows, dtype=np.float64).reshape(len(encs), len(LABELS))
        logits = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def _pairs(self, points: list[str], sentences: list[str]) -> list[tuple[int, int]]:
        everything = [(i, j) for i in range(len(points)) for j in range(len(sentences))]
        if len(everything) <= MAX_PAIRS:
            return everything
        from embeddings.minilm import get_encoder

        vectors = get_encoder().encode([*points, *sentences])
        similarity = vectors[: len(points)] @ vectors[len(points) :].T
        return [(i, int(j)) for i in range(len(points)) for j in np.argsort(-similarity[i])[:CANDIDATES]]

    def judge(self, request: JudgeRequest) -> JudgeReply:
        question = request.question
        masked = request.masked_answer
        sentences = [re.sub(r"\s+", " ", masked[s.start : s.end]).strip() for s in request.graded]
        if not sentences:
            return JudgeReply(claims=[PointClaim(point_id=p.id, verdict="missed") for p in question.points])
        points = [point_text(p) for p in question.points]
        readable = [j for j, s in enumerate(sentences) if re.search(r"\w{2,}", s)]  # not a blanked-out part
        picks = [(i, readable[j]) for i, j in self._pairs(points, [sentences[k] for k in readable])]
        probs = np.zeros((len(points), len(sentences), len(LABELS)), dtype=np.float32)
        probs[:, :, 0] = 1.0  # sentences not read for a point say nothing about it
        for (i, j), row in zip(picks, self.probabilities([(points[i], sentences[j]) for i, j in picks]), strict=True):
            probs[i, j] = row
        claims = []
        for i, point in enumerate(question.points):
            # The verdict and its evidence come from the same sentence: the one whose own verdict credits the
            # point most (covered, then partial, then contradicted), the strongest of those.
            verdict: Verdict = "missed"
            best_j, scores = 0, probs[i, :, 1:].max(axis=0)  # for a miss: the strongest signal anywhere
            for j in range(len(sentences)):
                v = verdict_from(probs[i, j, 1:], self.cuts)
                key = (_RANK[v], float(probs[i, j, _COLUMN.get(v, 1)]))
                if key > (_RANK[verdict], float(probs[i, best_j, _COLUMN.get(verdict, 1)])):
                    best_j, verdict, scores = j, v, probs[i, j, 1:]
            span = None
            if verdict != "missed":
                best = request.graded[best_j]
                span = request.outside_set_aside(best.start, best.end)
            if span is None:
                verdict = "missed"
            claims.append(
                PointClaim(
                    point_id=point.id,
                    verdict=verdict,
                    quote=request.answer[span[0] : span[1]] if span else "",
                    span=span,
                    reason=REASONS[verdict],
                    probability={label: round(float(v), 4) for label, v in zip(LABELS[1:], scores, strict=True)},
                )
            )
        return JudgeReply(claims=claims, cost_usd=0.0)
