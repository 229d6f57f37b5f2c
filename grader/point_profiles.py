"""What the matcher knows about each key point: its phrasings, weighted terms, examples, subject and vectors.

Phrasings are the point's text and label plus, for the shipped bank, a few reviewed paraphrases from
``grader/data/point_cues.yaml`` (other words for the same point, never new requirements). Banks without cues
(imported guides, the SAF calibration bank) are graded from text, label and examples alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, OrderedDict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from threading import Lock

import numpy as np
import yaml

from grader.segments import words
from rubric.glossary import glossary
from rubric.model import KeyPoint, Question
from rubric.terms import STOP_WORDS, stem

CUES_PATH = Path(__file__).with_name("data") / "point_cues.yaml"
# Words that say little about which point is meant; they count for less in lexical overlap.
GENERIC = frozenset(
    stem(w)
    for w in """use using used model models data system systems service services make need good based way time level
    thing process step approach strategy strategies ensure help real handle provide support work set build""".split()
)
_NEGATORS = frozenset({"no", "not", "without", "never", "non"})
# "irreversible", "unmonitored", "non-deterministic": the negation of the word after the prefix.
_ANTONYM = re.compile(r"^(?:ir|un|non-?|il)(?P<base>[a-z]{3,}(?:able|ible|ed|al|ent|ant|ic|ive))$")


def antonym_base(lower: str) -> str | None:
    m = _ANTONYM.match(lower)
    return m["base"] if m else None


@dataclass(frozen=True)
class Phrasing:
    text: str
    terms: dict[str, float]  # affirmed term -> weight
    negated: dict[str, float]  # terms the phrasing itself negates ("a notebook with no monitoring")

    @property
    def total(self) -> float:
        return sum(self.terms.values()) + sum(self.negated.values())


@dataclass(frozen=True)
class PointProfile:
    point: KeyPoint
    phrasings: list[Phrasing]
    examples: list[frozenset[str]]  # each example as the set of terms that must all appear
    example_texts: list[str]
    subject: list[re.Pattern[str]]
    vectors: np.ndarray  # one row per phrasing (subject words removed), unit length

    @property
    def subject_key(self) -> str | None:
        """Points about the same thing (q03's four production points) share one key."""
        return self.point.subject[0].lower() if self.point.subject else None

    @property
    def negative(self) -> bool:
        """The point itself says what is absent ("a notebook with no monitoring", "irreversible")."""
        return any(ph.negated for ph in self.phrasings)


@dataclass(frozen=True)
class QuestionProfile:
    question: Question
    points: list[PointProfile]
    question_vector: np.ndarray
    has_subjects: bool
    digest: str

    def subject_patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        """(subject key, pattern) for every alias, longest first so "online store" wins over "online"."""
        pairs = [(prof.subject_key, p) for prof in self.points if prof.subject_key for p in prof.subject]
        return sorted(pairs, key=lambda kp: -len(kp[1].pattern))  # type: ignore[return-value]


@cache
def load_cues(path: Path = CUES_PATH) -> dict[str, list[str]]:
    if not path.exists():
        return {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): [str(v) for v in vs] for k, vs in raw.items()}


def cues_digest() -> str:
    return hashlib.sha256(json.dumps(load_cues(), sort_keys=True).encode()).hexdigest()[:12]


def term_weight(term: str) -> float:
    return 0.3 if term in GENERIC else 1.0


def text_terms(text: str) -> tuple[dict[str, float], dict[str, float]]:
    """Weighted content terms of ``text``, split into affirmed and negated ("no monitoring")."""
    affirmed: dict[str, float] = {}
    negated: dict[str, float] = {}
    ws = words(text)
    for i, w in enumerate(ws):
        lower = w.lower
        if lower in STOP_WORDS or len(lower) < 2:
            continue
        base = antonym_base(lower)
        if base:
            negated[stem(base)] = term_weight(stem(base))
            continue
        target = negated if i > 0 and ws[i - 1].lower in _NEGATORS else affirmed
        target[stem(lower)] = term_weight(stem(lower))
    for group in glossary().groups_in(text):
        affirmed[f"g:{group}"] = 1.0
    return affirmed, negated


def subject_pattern(alias: str) -> re.Pattern[str]:
    """Matches the alias as a whole word, singular or plural ("ML models" also finds "ML model")."""
    base = alias[:-1] if alias.endswith("s") and len(alias) > 3 and not alias.endswith("ss") else alias
    return re.compile(r"(?<![\w/-])" + re.escape(base).replace(r"\ ", r"[\s-]+") + r"s?(?![\w/-])", re.IGNORECASE)


def strip_subjects(text: str, patterns: list[re.Pattern[str]]) -> str:
    for p in patterns:
        text = p.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip(" :=,-")


def _phrasings(point: KeyPoint, cues: list[str], all_subjects: list[re.Pattern[str]]) -> list[Phrasing]:
    texts = [point.text, point.label, *cues]
    out = []
    seen: set[str] = set()
    for text in texts:
        bare = strip_subjects(text, all_subjects) if all_subjects else text
        if not bare or bare.lower() in seen:
            continue
        seen.add(bare.lower())
        affirmed, negated = text_terms(bare)
        if affirmed or negated:
            out.append(Phrasing(bare, affirmed, negated))
    return out


def _spread(phrasing: Phrasing, shared: Counter[str]) -> Phrasing:
    return Phrasing(
        phrasing.text,
        {t: w / shared[t] for t, w in phrasing.terms.items()},
        {t: w / shared[t] for t, w in phrasing.negated.items()},
    )


def _example_terms(example: str) -> frozenset[str]:
    affirmed, negated = text_terms(example)
    return frozenset(affirmed) | frozenset(f"not:{t}" for t in negated)


def build_profile(question: Question) -> QuestionProfile:
    from embeddings.minilm import get_encoder

    cues = load_cues()
    all_subjects = [subject_pattern(a) for p in question.points for a in sorted(p.subject, key=len, reverse=True)]
    drafts = [(point, _phrasings(point, cues.get(point.id, []), all_subjects)) for point in question.points]
    # A term that several points of this question share ("cache" in "cache embeddings" and "cache outputs")
    # tells them apart less, so it weighs less in each of them.
    shared = Counter(t for _, phrasings in drafts for t in {t for ph in phrasings for t in (*ph.terms, *ph.negated)})
    profiles_without_vectors = []
    texts: list[str] = []
    for point, phrasings in drafts:
        phrasings = [_spread(ph, shared) for ph in phrasings]
        examples = [(_example_terms(e), e) for e in point.examples]
        examples = [(terms, e) for terms, e in examples if terms]
        profiles_without_vectors.append((point, phrasings, examples))
        texts.extend(p.text for p in phrasings)
    vectors = get_encoder().encode([question.text, *texts])
    question_vector, rows = vectors[0], vectors[1:]
    profiles = []
    offset = 0
    for point, phrasings, examples in profiles_without_vectors:
        profiles.append(
            PointProfile(
                point=point,
                phrasings=phrasings,
                examples=[t for t, _ in examples],
                example_texts=[e for _, e in examples],
                subject=[subject_pattern(a) for a in sorted(point.subject, key=len, reverse=True)],
                vectors=rows[offset : offset + len(phrasings)],
            )
        )
        offset += len(phrasings)
    digest = hashlib.sha256(f"{question.content_hash()}:{cues_digest()}".encode()).hexdigest()[:16]
    return QuestionProfile(question, profiles, question_vector, bool(all_subjects), digest)


_CACHE: OrderedDict[str, QuestionProfile] = OrderedDict()
_LOCK = Lock()
_CACHE_SIZE = 256


def profile_for(question: Question) -> QuestionProfile:
    """Profiles are cached per question content (256 most recent), so a rubric is embedded once."""
    key = f"{question.content_hash()}:{cues_digest()}"
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
