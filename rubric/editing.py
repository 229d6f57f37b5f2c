"""Editing one question of a bank as a person types it: the question, and its key points one per line
(``label | what a good answer says``; a bar, as labels may hold colons). A point whose label and text are
unchanged keeps its examples and paraphrases; a changed or new point starts without them (they were written
for other words)."""

from __future__ import annotations

import re

from rubric.model import Bank, KeyPoint, Question


class EditError(ValueError):
    """What is wrong with an edit, said so that the editor can fix it (nothing is saved)."""


def points_text(question: Question) -> str:
    """The key points as the editor shows them, one per line."""
    return "\n".join(f"{p.label} | {p.text}" for p in question.points)


def parse_points(text: str) -> list[tuple[str, str]]:
    """(label, text) pairs, one per non-blank line; a line without a bar is its own label (cut to 40
    characters)."""
    pairs = []
    for n, line in enumerate((ln.strip() for ln in text.splitlines()), start=1):
        if not line:
            continue
        label, _, body = line.partition("|") if "|" in line else (line[:40], "", line)
        label, body = label.strip(), body.strip()
        if not body:
            raise EditError(f"key point line {n} has a label but nothing after the bar")
        pairs.append((label or body[:40], body))
    if not pairs:
        raise EditError("a question needs at least one key point")
    return pairs


def edited_question(question: Question, text: str, points: str) -> Question:
    """``question`` with its wording and key points replaced; EditError says what is wrong."""
    if not text.strip():
        raise EditError("the question's text is empty")
    if "\x00" in text + points:
        raise EditError("the question and its key points must be plain text (they contain a NUL character)")
    old = {(p.label, p.text): p for p in question.points}
    used = {p.id for p in question.points}
    new_points: list[KeyPoint] = []
    for label, body in parse_points(points):
        kept = old.pop((label, body), None)
        if kept is not None:
            new_points.append(kept)
            continue
        new_points.append(KeyPoint(id=_next_id(question.id, used), label=label, text=body))
    labels = [p.label.lower() for p in new_points]
    if len(set(labels)) != len(labels):
        raise EditError("two key points share a label; give each its own")
    required = question.required if question.required and question.required <= len(new_points) else None
    return question.model_copy(
        update={
            "text": text.strip(),
            "logic": "; ".join(p.text for p in new_points),
            "points": new_points,
            "required": required,
            "review": "reviewed",
        }
    )


def _next_id(question_id: str, used: set[str]) -> str:
    numbers = [int(m.group(1)) for u in used if (m := re.fullmatch(rf"{re.escape(question_id)}\.(\d+)", u))]
    n = max(numbers, default=0) + 1
    point_id = f"{question_id}.{n}"
    used.add(point_id)
    return point_id


def with_question(bank: Bank, question: Question) -> Bank:
    """``bank`` with the question of the same id replaced (validated as a whole bank again)."""
    questions = [question if q.id == question.id else q for q in bank.questions]
    return Bank.model_validate({**bank.model_dump(), "questions": [q.model_dump() for q in questions]})
