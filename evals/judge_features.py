"""The feature vector of one (key point, answer sentence) pair, for the training tables (:mod:`evals.judge_data`)
and the design the shipped judge was chosen over: a small head over these features, trained by
:mod:`evals.train_judge` and compared with the cross-encoder by :mod:`evals.compare_cross_encoder`. The shipped
learned judge (:mod:`grader.learned_judge`, a cross-encoder) reads the pair's text and does not use them.

Everything comes from the bank (question text, point text and examples, the question's synonyms) and from the
packaged MiniLM encoder's token vectors; nothing knows a particular question. Per pair:

- ``semantic``: the elementwise product of the point's and the sentence's pooled vectors (384 numbers: which
  directions of meaning they share), and the cosine similarities of the sentence to the point, to the question,
  and its margin over the question's other points;
- ``alignment``: for the point's content tokens, the best-matching sentence token (MaxSim) as mean, minimum
  and lower quartile, and the same the other way round;
- ``lexical``: the share of the point's content words (with the bank's synonyms) the sentence says, whether it
  names one of the point's examples, whether it is a claim or a bare list, how long it is;
- ``polarity``: whether the point states an absence; how much of the sentence is negated, and how much of what
  aligns with the point sits inside a negation scope (read with :mod:`grader.negation`); whether the sentence
  restricts its claim ("only", "within"); antonyms ("irreversible");
- ``sides``: for two-sided comparisons, whether the sentence names this point's side or another one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np

from grader.negation import negated_flags
from grader.point_matching import makes_a_claim
from grader.polarity import RESTRICTIVE, antonym_base, polar
from grader.segments import Span, words
from grader.sides import point_sides
from rubric.model import KeyPoint, Question
from rubric.terms import STOP_WORDS, content_terms

FEATURE_VERSION = "1"
SCALARS = (
    "cos_point",
    "cos_question",
    "margin_siblings",
    "maxsim_mean",
    "maxsim_min",
    "maxsim_q25",
    "reverse_maxsim_mean",
    "term_share",
    "example_hit",
    "claim",
    "log_tokens",
    "point_negative",
    "sentence_negated_share",
    "aligned_negated_share",
    "polarity_mismatch",
    "restrictive",
    "antonym_in_sentence",
    "names_own_side",
    "names_other_side",
    "has_sides",
)
DIMENSION = 384
WIDTH = DIMENSION + len(SCALARS)


@dataclass(frozen=True)
class Encoded:
    """A text through the encoder: unit-length token vectors, which of them are content words (not stop words)
    and negated, and the pooled vector."""

    tokens: np.ndarray  # (n, 384), unit rows
    content: np.ndarray  # (n,) bool
    negated: np.ndarray  # (n,) bool
    pooled: np.ndarray  # (384,)


def _encode(texts: list[str]) -> list[Encoded]:
    from embeddings.minilm import get_encoder

    out = []
    for text, tv in zip(texts, get_encoder().encode_tokens(texts, batch_size=16), strict=True):
        ws = words(text)
        between = [text[(ws[i - 1].end if i else 0) : ws[i].start] for i in range(len(ws))]
        flags = negated_flags(ws, between)
        content, negated = [], []
        for start, _end in tv.offsets:
            word = next((w for w in ws if w.start <= start < w.end), None)
            index = ws.index(word) if word is not None else -1
            content.append(word is not None and word.lower not in STOP_WORDS and len(word.lower) > 1)
            negated.append(index >= 0 and flags[index])
        vectors = tv.vectors / np.clip(np.linalg.norm(tv.vectors, axis=1, keepdims=True), 1e-9, None)
        if not len(vectors):
            vectors = np.zeros((1, DIMENSION), dtype=np.float32)
            content, negated = [False], [False]
        out.append(Encoded(vectors, np.array(content), np.array(negated), tv.pooled))
    return out


def point_text(point: KeyPoint) -> str:
    """What the judge reads of a point: its text, with its examples."""
    return point.text + (f" (for example: {', '.join(point.examples)})" if point.examples else "")


@cache
def _side_patterns_cached(question_json: str) -> dict[str, tuple[str, tuple[re.Pattern[str], ...]]]:
    question = Question.model_validate_json(question_json)
    return {pid: (side.key, side.patterns) for pid, side in point_sides(question).items()}


def _sides(question: Question) -> dict[str, tuple[str, tuple[re.Pattern[str], ...]]]:
    return _side_patterns_cached(question.model_dump_json())


def _terms_with_synonyms(text: str, question: Question) -> set[str]:
    terms = set(content_terms(text))
    for group in question.synonyms:
        stems = [set(content_terms(t)) for t in group]
        if any(s and s <= terms for s in stems):
            terms |= {f"syn:{'|'.join(sorted(group))}"}
    return terms


def _quantile(values: np.ndarray, q: float) -> float:
    return float(np.quantile(values, q)) if len(values) else 0.0


def pair_features(question: Question, sentences: list[str]) -> np.ndarray:
    """Features of every (point, sentence) pair: shape (points, sentences, WIDTH), float32."""
    points = question.points
    encoded = _encode([point_text(p) for p in points] + [question.text] + sentences)
    enc_points, enc_question, enc_sentences = encoded[: len(points)], encoded[len(points)], encoded[len(points) + 1 :]
    sides = _sides(question)
    has_sides = float(bool(sides))
    point_polar = [polar(p.text) for p in points]
    point_terms = [_terms_with_synonyms(f"{p.text} {p.label}", question) for p in points]
    example_terms = [[set(content_terms(e)) for e in p.examples] for p in points]
    pooled_points = np.stack([e.pooled for e in enc_points])
    out = np.zeros((len(points), len(sentences), WIDTH), dtype=np.float32)
    for j, (text, sent) in enumerate(zip(sentences, enc_sentences, strict=True)):
        ws = words(text)
        stems = _terms_with_synonyms(text, question)
        lowers = {w.lower for w in ws}
        claim = float(makes_a_claim(text, ws))
        restrictive = float(bool(lowers & RESTRICTIVE))
        antonym = float(any(antonym_base(w.lower) for w in ws))
        negated_share = float(sent.negated[sent.content].mean()) if sent.content.any() else 0.0
        cos_all = pooled_points @ sent.pooled
        cos_question = float(enc_question.pooled @ sent.pooled)
        for i, (point, enc) in enumerate(zip(points, enc_points, strict=True)):
            sim = enc.tokens @ sent.tokens.T  # (point tokens, sentence tokens)
            rows = sim[enc.content] if enc.content.any() else sim
            best = rows.max(axis=1)
            best_at = rows.argmax(axis=1)
            cols = sim[:, sent.content] if sent.content.any() else sim
            aligned_negated = float(sent.negated[best_at].mean()) if len(best_at) else 0.0
            point_negative = float(bool(point_polar[i].denied))
            terms = point_terms[i]
            share = len(terms & stems) / len(terms) if terms else 0.0
            example = float(any(t and t <= stems for t in example_terms[i]))
            own = sides.get(point.id)
            names = {key for key, patterns in sides.values() if any(p.search(text) for p in patterns)}
            siblings = np.delete(cos_all, i)
            scalars = [
                float(cos_all[i]),
                cos_question,
                float(cos_all[i] - (siblings.max() if len(siblings) else 0.0)),
                float(best.mean()),
                float(best.min()),
                _quantile(best, 0.25),
                float(cols.max(axis=0).mean()),
                share,
                example,
                claim,
                float(np.log1p(len(sent.tokens))),
                point_negative,
                negated_share,
                aligned_negated,
                abs(point_negative - float(aligned_negated > 0.5)),
                restrictive,
                antonym,
                float(own is not None and own[0] in names),
                float(own is not None and bool(names - {own[0]})),
                has_sides,
            ]
            out[i, j, :DIMENSION] = enc.pooled * sent.pooled * np.sqrt(DIMENSION)
            out[i, j, DIMENSION:] = scalars
    return out


def sentence_texts(masked_answer: str, graded: list[Span]) -> list[str]:
    """The graded parts as the judge reads them (set-aside text blanked, runs of white space folded)."""
    return [re.sub(r"\s+", " ", masked_answer[s.start : s.end]).strip() for s in graded]
