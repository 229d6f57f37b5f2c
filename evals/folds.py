"""Folds by question, the same everywhere (training, validation, fitting the combined judge)."""

from __future__ import annotations

import hashlib
from typing import Any


def question_folds(answers: list[dict[str, Any]], source: str, k: int = 5) -> dict[str, int]:
    """Each question of ``source`` to a fold in 0..k-1, by the hash of its id (stable, and blind to content)."""
    questions = sorted(
        {a["question_id"] for a in answers if a["source"] == source},
        key=lambda q: hashlib.sha256(q.encode()).hexdigest(),
    )
    return {q: i % k for i, q in enumerate(questions)}
