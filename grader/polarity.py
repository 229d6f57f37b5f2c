"""Which content words a text affirms and which it denies, for points and answers alike.

The same negation scopes (:mod:`grader.negation`) are applied to a key point and to the answer, so "X does
not guarantee ordering across shards" and "X doesn't guarantee order across shards" agree, while
"no rate limits per user" denies what "Use rate limits per user" affirms. Words such as "irreversible" deny
their base ("reversible"). Terms are stems, without stop words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.negation import negated_flags
from grader.segments import Span, Word, words
from rubric.terms import STOP_WORDS, stem

# "irreversible", "unmonitored", "non-deterministic": the negation of the word after the prefix.
_ANTONYM = re.compile(r"^(?:ir|un|non-?|il)(?P<base>[a-z]{3,}(?:able|ible|ed|al|ent|ant|ic|ive))$")
# Words that restrict a statement rather than deny it ("ordering only holds within a partition").
RESTRICTIVE = frozenset("only just solely merely within inside per except unless but single one".split())
# Common words that say little about which point is meant.
GENERIC = frozenset(
    stem(w)
    for w in """use using used make need good based way time level thing process step approach ensure help real
    handle provide support work set build have has get keep kept put""".split()
)


def antonym_base(lower: str) -> str | None:
    m = _ANTONYM.match(lower)
    return m["base"] if m else None


@dataclass(frozen=True)
class Polar:
    affirmed: frozenset[str]
    denied: frozenset[str]
    restrictive: bool = False  # the text restricts its claim ("only", "within")


def _between(text: str, ws: list[Word], start: int) -> list[str]:
    return [text[(ws[i - 1].end if i else start) : ws[i].start] for i in range(len(ws))]


def polar(text: str, span: Span | None = None, *, strict: bool = False) -> Polar:
    """The stems ``text`` (or ``text[span]``) affirms and denies, negation read within the span (``strict``:
    grammatical negation only, see :func:`grader.negation.negated_flags`)."""
    ws = words(text, span)
    if not ws:
        return Polar(frozenset(), frozenset())
    return polar_of(ws, negated_flags(ws, _between(text, ws, span.start if span else 0), strict=strict))


def polar_of(ws: list[Word], flags: list[bool]) -> Polar:
    """The stems of ``ws`` split by their negation flags."""
    affirmed: set[str] = set()
    denied: set[str] = set()
    for w, negated in zip(ws, flags, strict=True):
        lower = w.lower
        if lower in STOP_WORDS or len(lower) < 2:
            continue
        base = antonym_base(lower)
        if base:  # "irreversible" denies "reversible"; "not irreversible" affirms it
            (affirmed if negated else denied).add(stem(base))
        else:
            (denied if negated else affirmed).add(w.stem)
    restrictive = any(w.lower in RESTRICTIVE for w in ws)
    return Polar(frozenset(affirmed), frozenset(denied), restrictive)


def weight(term: str) -> float:
    return 0.3 if term in GENERIC else 1.0


def flipped_share(point: Polar, other: Polar) -> float:
    """The share (by weight) of the point's affirmed terms that ``other`` denies and does not also affirm:
    how much of the point ``other`` says is not so."""
    total = sum(weight(t) for t in point.affirmed)
    if not total:
        return 0.0
    flipped = point.affirmed & (other.denied - other.affirmed)
    return sum(weight(t) for t in flipped) / total


def asserted_share(point: Polar, other: Polar) -> float:
    """The share of a negative point's denied terms that ``other`` affirms without denying them: how much of
    what the point says is absent ``other`` says is there. Restricted claims ("only within a partition")
    assert nothing against it."""
    total = sum(weight(t) for t in point.denied)
    if not total or other.restrictive:
        return 0.0
    asserted = point.denied & (other.affirmed - other.denied)
    return sum(weight(t) for t in asserted) / total
