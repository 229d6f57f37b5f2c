"""What the matcher knows about each key point: its phrasings, weighted terms, examples, side and vectors.

Everything comes from the bank: phrasings are the point's text and label plus its optional ``paraphrases``;
synonyms are the question's ``synonyms``; the side a point is about is its ``subject`` or is read from the
question's wording (:mod:`grader.sides`). A bank with none of the optional data (an imported guide, a
recruiter's own questions) is graded from text, label and examples alone.
"""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from threading import Lock

import numpy as np

from grader.negation import negated_flags
from grader.polarity import GENERIC, Polar, antonym_base, polar
from grader.segments import words
from grader.sides import point_sides
from rubric.glossary import Glossary
from rubric.model import KeyPoint, Question
from rubric.terms import STOP_WORDS, stem


@dataclass(frozen=True)
class Phrasing:
    text: str
    terms: dict[str, float]  # affirmed term -> weight
    negated: dict[str, float]  # terms the phrasing itself negates ("a script with no tests")

    @property
    def total(self) -> float:
        return sum(self.terms.values()) + sum(self.negated.values())


@dataclass(frozen=True)
class PointProfile:
    point: KeyPoint
    phrasings: list[Phrasing]
    examples: list[frozenset[str]]  # each example as the set of terms that must all appear
    example_texts: list[str]
    subject: list[re.Pattern[str]]  # how an answer names the side this point is about
    vectors: np.ndarray  # one row per phrasing (subject words removed), unit length
    subject_key: str | None = None  # points about the same side share one key
    subject_name: str = ""
    polar: Polar = field(
        default_factory=lambda: Polar(frozenset(), frozenset())
    )  # what the point's text affirms and denies

    @property
    def negative(self) -> bool:
        """The point itself says what is absent ("a script with no tests", "irreversible")."""
        return any(ph.negated for ph in self.phrasings)


@dataclass(frozen=True)
class QuestionProfile:
    question: Question
    points: list[PointProfile]
    question_vector: np.ndarray
    has_subjects: bool
    digest: str
    glossary: Glossary

    def subject_patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        """(subject key, pattern) for every alias, longest first so "feature store" wins over "store"."""
        pairs = [(prof.subject_key, p) for prof in self.points if prof.subject_key for p in prof.subject]
        return sorted(pairs, key=lambda kp: -len(kp[1].pattern))


def term_weight(term: str) -> float:
    return 0.3 if term in GENERIC else 1.0


def text_terms(text: str, glossary: Glossary) -> tuple[dict[str, float], dict[str, float]]:
    """Weighted content terms of ``text``, split into affirmed and negated ("no tests", "does not
    guarantee ordering"), with the same negation scopes as answers are read with."""
    affirmed: dict[str, float] = {}
    negated: dict[str, float] = {}
    ws = words(text)
    between = [text[(ws[i - 1].end if i else 0) : ws[i].start] for i in range(len(ws))]
    for w, neg in zip(ws, negated_flags(ws, between), strict=True):
        lower = w.lower
        if lower in STOP_WORDS or len(lower) < 2:
            continue
        base = antonym_base(lower)
        if base:
            (affirmed if neg else negated)[stem(base)] = term_weight(stem(base))
            continue
        (negated if neg else affirmed)[stem(lower)] = term_weight(stem(lower))
    for group in glossary.groups_in(text):
        affirmed[f"g:{group}"] = 1.0
    return affirmed, negated


def strip_subjects(text: str, patterns: list[re.Pattern[str]]) -> str:
    for p in patterns:
        text = p.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip(" :=,-")


def _phrasings(point: KeyPoint, all_subjects: list[re.Pattern[str]], glossary: Glossary) -> list[Phrasing]:
    texts = [point.text, point.label, *point.paraphrases]
    out = []
    seen: set[str] = set()
    for text in texts:
        bare = strip_subjects(text, all_subjects) if all_subjects else text
        if not bare or bare.lower() in seen:
            continue
        seen.add(bare.lower())
        affirmed, negated = text_terms(bare, glossary)
        if affirmed or negated:
            out.append(Phrasing(bare, affirmed, negated))
    return out


def _spread(phrasing: Phrasing, shared: Counter[str]) -> Phrasing:
    return Phrasing(
        phrasing.text,
        {t: w / shared[t] for t, w in phrasing.terms.items()},
        {t: w / shared[t] for t, w in phrasing.negated.items()},
    )


def _example_terms(example: str, glossary: Glossary) -> frozenset[str]:
    affirmed, negated = text_terms(example, glossary)
    return frozenset(affirmed) | frozenset(f"not:{t}" for t in negated)


def build_profile(question: Question) -> QuestionProfile:
    from embeddings.minilm import get_encoder

    glossary = Glossary(question.synonyms)
    sides = point_sides(question)
    all_subjects = [pattern for side in {s.key: s for s in sides.values()}.values() for pattern in side.patterns]
    drafts = [(point, _phrasings(point, all_subjects, glossary)) for point in question.points]
    # A term that several points of this question share ("cache" in "cache embeddings" and "cache outputs")
    # tells them apart less, so it weighs less in each of them.
    shared = Counter(t for _, phrasings in drafts for t in {t for ph in phrasings for t in (*ph.terms, *ph.negated)})
    profiles_without_vectors = []
    texts: list[str] = []
    for point, phrasings in drafts:
        phrasings = [_spread(ph, shared) for ph in phrasings]
        examples = [(_example_terms(e, glossary), e) for e in point.examples]
        examples = [(terms, e) for terms, e in examples if terms]
        profiles_without_vectors.append((point, phrasings, examples))
        texts.extend(p.text for p in phrasings)
    vectors = get_encoder().encode([question.text, *texts])
    question_vector, rows = vectors[0], vectors[1:]
    profiles = []
    offset = 0
    for point, phrasings, examples in profiles_without_vectors:
        side = sides.get(point.id)
        profiles.append(
            PointProfile(
                point=point,
                phrasings=phrasings,
                examples=[t for t, _ in examples],
                example_texts=[e for _, e in examples],
                subject=list(side.patterns) if side else [],
                vectors=rows[offset : offset + len(phrasings)],
                subject_key=side.key if side else None,
                subject_name=side.name if side else "",
                polar=polar(point.text),
            )
        )
        offset += len(phrasings)
    return QuestionProfile(question, profiles, question_vector, bool(all_subjects), question.content_hash(), glossary)


_CACHE: OrderedDict[str, QuestionProfile] = OrderedDict()
_LOCK = Lock()
_CACHE_SIZE = 256


def profile_for(question: Question) -> QuestionProfile:
    """Profiles are cached per question content (256 most recent), so a rubric is embedded once."""
    key = question.content_hash()
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    profile = build_profile(question)
    with _LOCK:
        _CACHE[key] = profile
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return profile
