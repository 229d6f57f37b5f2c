"""Draft key points from a guide's Logic line, for a person to review.

Logic lines are terse lists: ``Caching, batching, smaller models``, ``Sync = real-time decision (fraud
scoring). Async = batch/offline jobs (reports).``, ``Ingest → chunk → embed``. The draft splits them into
items, moves parenthesised examples into ``examples``, and keeps ``X = ...`` definitions whole. It is a
starting point: the shipped bank's points were reviewed and edited by hand, question by question.
"""

from __future__ import annotations

import re

from rubric.model import KeyPoint

_CLAUSES = re.compile(r"(?<=[a-z0-9)\]])\.\s+|;\s*|\s*(?:→|->|=>)\s*")
_FRAMING = re.compile(
    r"^(?:highlight|emphasi[sz]e|show(?: you can)?|use|start with|start from|end-to-end design|"
    r"source of truth|based on|monitor)\b[^:=]*?:\s*",
    re.IGNORECASE,
)
_LEADING_VERB = re.compile(r"^(?:emphasi[sz]e|use|show|monitor|then|start with|start from)\s+", re.IGNORECASE)
_PARENS = re.compile(r"\s*\(([^()]*)\)")
_LIST_SPLIT = re.compile(r",\s*(?:and\s+|or\s+)?|\s+\+\s+|\s+and\s+(?=[a-z])", re.IGNORECASE)
_GOOD_ANSWERS = re.compile(r"^good answers? (?:focus on|mention|include|cover)\s+", re.IGNORECASE)


def _plain(text: str) -> str:
    return re.sub(r"\*\*|__|`", "", text).strip()


def _examples(text: str) -> tuple[str, list[str]]:
    found: list[str] = []
    for inner in _PARENS.findall(text):
        inner = re.sub(r"^(?:e\.g\.,?|i\.e\.,?|such as)\s*", "", inner.strip(), flags=re.IGNORECASE)
        found.extend(part.strip() for part in re.split(r",\s*|/", inner) if part.strip())
    return _PARENS.sub("", text).strip(), found


def _items(clause: str) -> list[str]:
    clause = _FRAMING.sub("", clause).strip().rstrip(".")
    if "=" in clause:
        return [clause]  # a definition ("PoC = notebook, no monitoring") stays one point
    parts = [p.strip() for p in _LIST_SPLIT.split(clause) if p.strip()]
    if len(parts) > 1 and all(len(_PARENS.sub("", p).split()) <= 6 for p in parts):
        return parts
    return [clause]


def _label(text: str) -> str:
    head = text.split("=", 1)[0].strip() if "=" in text else _LEADING_VERB.sub("", text)
    words = head.split()
    return " ".join(words[:5]).lower().rstrip(",.:")


def note_examples(notes: list[str]) -> list[str]:
    """Items of a 'Good answers focus on a, b, or c' line, which are accepted examples, not new points."""
    found: list[str] = []
    for note in notes:
        body = _GOOD_ANSWERS.sub("", _plain(note))
        if body != _plain(note):
            found.extend(p.strip().rstrip(".") for p in _LIST_SPLIT.split(body) if p.strip())
    return found


def draft_points(question_id: str, logic: str, notes: list[str] | None = None) -> list[KeyPoint]:
    texts: list[tuple[str, list[str]]] = []
    for clause in _CLAUSES.split(_plain(logic)):
        for item in _items(clause):
            text, examples = _examples(item)
            text = text[:1].upper() + text[1:]
            if text:
                texts.append((text, examples))
    if not texts:
        texts.append((_plain(logic), []))
    extra = note_examples(notes or [])
    if extra:
        last_text, last_examples = texts[-1]
        texts[-1] = (last_text, last_examples + extra)
    return [
        KeyPoint(
            id=f"{question_id}.{i}",
            label=_label(text) or f"point {i}",
            text=text,
            examples=examples,
            # "Sync = real-time decision": the point is about "Sync", so a swapped definition can be told apart.
            subject=[text.split("=", 1)[0].strip()] if "=" in text else [],
        )
        for i, (text, examples) in enumerate(texts, start=1)
    ]
