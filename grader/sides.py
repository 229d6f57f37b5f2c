"""The two (or more) sides of a comparison question, found from the bank's own text.

"What's the difference between X and Y?", "X vs Y", "compare X with Y": when the points of such a question
each name exactly one side ("X is ...", "Y has ..."), each point is *about* that side, so an answer that gives X's
property to Y can be told from one that gives it to X. A point's ``subject`` in the bank, when there is one,
wins. Nothing here knows any particular question: the sides are read from the wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rubric.model import Question
from rubric.terms import STOP_WORDS, stem

_PAIR = [
    re.compile(
        r"\bdifferences?\s+between\s+(?P<a>.+?)\s+(?:and|vs\.?|versus|or)\s+(?P<b>.+?)(?:\?|$|,|\s+(?:for|in|when|with|at|on|from)\b)",
        re.I,
    ),
    re.compile(
        r"\bcompare\s+(?P<a>.+?)\s+(?:and|with|to|vs\.?|versus)\s+(?P<b>.+?)(?:\?|$|,|\s+(?:for|in|when|with|at|on)\b)",
        re.I,
    ),
    re.compile(
        r"(?P<a>\b[\w/+#.-]+(?:\s+[\w/+#.-]+){0,2})\s+(?:vs\.?|versus)\s+(?P<b>[\w/+#.-]+(?:\s+[\w/+#.-]+){0,2})", re.I
    ),
    re.compile(
        r"(?P<a>\b[\w/+#.-]+(?:\s+[\w/+#.-]+){0,2})\s+(?:\w+\s+){0,2}(?:compared|contrasted)\s+(?:with|to)\s+(?P<b>[\w/+#.-]+(?:\s+[\w/+#.-]+){0,2})",
        re.I,
    ),
    re.compile(
        r"\b(?:use|choose|pick|prefer)\s+(?P<a>[\w/+#.-]+(?:\s+[\w/+#.-]+){0,2})\s+(?:vs\.?|versus|or|over)\s+(?P<b>[\w/+#.-]+(?:\s+[\w/+#.-]+){0,2})",
        re.I,
    ),
]
_ARTICLES = {"a", "an", "the", "your", "our", "its", "their"}


def _words(phrase: str) -> list[str]:
    return [w for w in re.findall(r"[\w/+#.-]+", phrase.lower()) if w not in _ARTICLES and w not in STOP_WORDS]


def _stems_of(ws: list[str]) -> set[str]:
    """Stems of the words, and of the parts of hyphenated ones ("read-only": read, only)."""
    out = set()
    for w in ws:
        out.add(stem(w))
        if "-" in w:
            out |= {stem(part) for part in w.split("-") if len(part) > 2 and part not in STOP_WORDS}
    return out


def _side_terms(a: list[str], b: list[str]) -> tuple[set[str], set[str]]:
    """The words that tell the sides apart, as stems. In "a hot vs cold storage tier" the head
    ("storage tier") belongs to both sides: only "online" and "offline" tell them apart."""
    if len(a) == 1 and len(b) > 1:
        b = b[:1]
    elif len(b) == 1 and len(a) > 1:
        a = a[-1:]
    sa, sb = _stems_of(a), _stems_of(b)
    return sa - sb, sb - sa


def _stems(text: str) -> set[str]:
    return _stems_of([w for w in re.findall(r"[\w/+#.-]+", text.lower()) if w not in STOP_WORDS])


def question_sides(question: Question) -> list[set[str]]:
    """The distinguishing stems of each side the question compares, or [] when it compares nothing."""
    text = question.text
    for pattern in _PAIR:
        m = pattern.search(text)
        if m:
            a, b = _words(m["a"]), _words(m["b"])
            if a and b:
                ta, tb = _side_terms(a, b)
                if ta and tb:
                    return [ta, tb]
    return []


@dataclass(frozen=True)
class Side:
    key: str  # the same for every point about this side
    name: str  # as a learner reads it ("hashing")
    patterns: tuple[re.Pattern[str], ...]  # how an answer names it


def _alias_pattern(alias: str) -> re.Pattern[str]:
    """The alias as a whole word, singular or plural ("ML models" also finds "ML model")."""
    base = alias[:-1] if alias.endswith("s") and len(alias) > 3 and not alias.endswith("ss") else alias
    return re.compile(r"(?<![\w/-])" + re.escape(base).replace(r"\ ", r"[\s-]+") + r"s?(?![\w/-])", re.IGNORECASE)


def _stem_pattern(term: str) -> re.Pattern[str]:
    """Any word starting with the stem ("hash" finds hashing, hashed, hashes)."""
    return re.compile(r"(?<![\w/-])" + re.escape(term) + r"[\w-]*", re.IGNORECASE)


def point_sides(question: Question) -> dict[str, Side]:
    """For each point about exactly one side, that side.

    Bank subjects win; otherwise a point gets the side whose distinguishing words its text or label names,
    when it names one side only and at least two sides have points."""
    if any(p.subject for p in question.points):
        return {
            p.id: Side(
                p.subject[0].lower(),
                p.subject[0],
                tuple(_alias_pattern(a) for a in sorted(p.subject, key=len, reverse=True)),
            )
            for p in question.points
            if p.subject
        }
    sides = [_with_synonyms(terms, question) for terms in question_sides(question)]
    if len(sides) < 2:
        return {}
    owned: dict[str, int] = {}
    for point in question.points:
        named = [i for i, terms in enumerate(sides) if terms & _stems(f"{point.text} {point.label}")]
        if len(named) == 1:
            owned[point.id] = named[0]
    if len(set(owned.values())) < 2:
        return {}
    names = _side_names(question, sides)
    made = [
        Side(
            f"side:{i}",
            names[i][0] if names[i] else sorted(terms)[0],
            tuple(_stem_pattern(t) for t in sorted(terms, key=len, reverse=True)),
        )
        for i, terms in enumerate(sides)
    ]
    return {pid: made[i] for pid, i in owned.items()}


def _with_synonyms(terms: set[str], question: Question) -> set[str]:
    """A side's stems and those of its synonyms in the bank ("pg" for "postgres")."""
    out = set(terms)
    for group in question.synonyms:
        stems = [_stems(term) for term in group]
        if any(s and s <= terms for s in stems):
            out |= set().union(*stems)
    return out


def _side_names(question: Question, sides: list[set[str]]) -> list[list[str]]:
    """Each side's distinguishing words as written in the question and the points ("hashing"), longest first."""
    written: list[set[str]] = [set() for _ in sides]
    texts = [question.text, *(f"{p.text} {p.label}" for p in question.points)]
    for text in texts:
        for w in re.findall(r"[\w/+#.-]+", text):
            for i, terms in enumerate(sides):
                if w.lower() not in STOP_WORDS and stem(w) in terms:
                    written[i].add(w)
    return [sorted(ws, key=len, reverse=True) for ws in written]
