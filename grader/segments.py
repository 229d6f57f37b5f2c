"""Cut an answer into sentences and clauses, keeping character offsets into the original text.

Every span a grader reports as evidence comes from here, so ``answer[span.start:span.end] == span.text``
holds by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rubric.terms import stem

_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "approx.", "incl.", "esp.", "cf.", "resp.", "fig.", "no.")
# A sentence ends at . ! ? followed by white space, or at a line break; list markers start a new one.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+|(?<=[。！？])[）」』”)]*\s*|\n\s*(?:[-*•]\s+|\d+[.)]\s+)?|\n")
_CLAUSE_BREAK = re.compile(
    r";|:\s|\s[-–—]\s|,?\s+(?:but|whereas|while|although|though|however|instead|yet|so that|because|since)\s+",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z0-9$][A-Za-z0-9$+#/'’.-]*[A-Za-z0-9$+#]|[A-Za-z0-9$]")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Word:
    start: int
    end: int
    text: str

    @property
    def lower(self) -> str:
        return self.text.lower().replace("’", "'")

    @property
    def stem(self) -> str:
        return stem(self.lower)


def _trimmed(answer: str, start: int, end: int) -> Span | None:
    while start < end and (answer[start].isspace() or answer[start] in "-*•>"):
        start += 1
    while end > start and answer[end - 1].isspace():
        end -= 1
    if start >= end or not any(ch.isalnum() for ch in answer[start:end]):
        return None
    return Span(start, end, answer[start:end])


def sentences(answer: str) -> list[Span]:
    """Sentences (and list items) of ``answer`` with their offsets; abbreviations do not end a sentence."""
    spans: list[Span] = []
    start = 0
    for m in _BOUNDARY.finditer(answer):
        before = answer[start : m.start()].lower()
        if "\n" not in m.group(0) and before.endswith(_ABBREVIATIONS):
            continue
        if "\n" not in m.group(0) and re.search(r"\b[A-Za-z]\.$", before):  # initials like "A. B."
            continue
        span = _trimmed(answer, start, m.start())
        if span:
            spans.append(span)
        start = m.end()
    tail = _trimmed(answer, start, len(answer))
    if tail:
        spans.append(tail)
    return spans


def clauses(answer: str, sentence: Span) -> list[Span]:
    """The sentence's clauses, split at ';', ':', dashes and contrast words such as 'but' and 'whereas'."""
    parts: list[Span] = []
    start = sentence.start
    for m in _CLAUSE_BREAK.finditer(sentence.text):
        span = _trimmed(answer, start, sentence.start + m.start())
        if span:
            parts.append(span)
        start = sentence.start + m.end()
    tail = _trimmed(answer, start, sentence.end)
    if tail:
        parts.append(tail)
    return parts or [sentence]


def words(answer: str, span: Span | None = None) -> list[Word]:
    start = span.start if span else 0
    end = span.end if span else len(answer)
    return [Word(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(answer, start, end)]
