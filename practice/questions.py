"""Which question to ask next."""

from __future__ import annotations

import random

from rubric.model import Bank, Question


def pick_question(
    bank: Bank, section: int | None = None, avoid: set[str] | None = None, rng: random.Random | None = None
) -> Question:
    """A random question, from ``section`` if given, preferring ones not in ``avoid``."""
    rng = rng or random.Random()
    pool = [q for q in bank.questions if section is None or q.section == section]
    if not pool:
        raise ValueError(f"section {section} has no questions")
    fresh = [q for q in pool if q.id not in (avoid or set())]
    return rng.choice(fresh or pool)


def weakest_question(bank: Bank, never_tried: list[str], weakest: list[tuple[str, float]]) -> Question:
    """The question most worth practising: the lowest best score so far, else one never tried."""
    if weakest and weakest[0][1] < 1.0:
        return bank.get(weakest[0][0])
    if never_tried:
        return bank.get(never_tried[0])
    return bank.get(weakest[0][0]) if weakest else bank.questions[0]
