"""Large banks for the scale benchmarks: ``n`` distinct questions made from the seed bank's, each seed question
re-worded with a deterministic mix of other questions' content words and a domain, so no two texts repeat
and the index has real vectors to search (what a 10,000-question bank costs, not what it answers)."""

from __future__ import annotations

import random

from rubric.model import Bank, KeyPoint, Question
from rubric.terms import content_terms

DOMAINS = (
    "payments", "healthcare", "retail", "logistics", "insurance", "gaming", "travel", "telecom", "energy",
    "education", "media", "security", "legal", "agriculture", "manufacturing", "real estate", "banking", "HR",
)  # fmt: skip


def synthetic_bank(seed: Bank, n: int, rng_seed: int = 7) -> Bank:
    if n <= len(seed.questions):
        return Bank(id=f"synthetic-{n}", title=f"synthetic {n}", questions=seed.questions[:n])
    rng = random.Random(rng_seed)
    words = sorted({w for q in seed.questions for w in content_terms(q.text)})
    questions = []
    for i in range(n):
        base = seed.questions[i % len(seed.questions)]
        extra = " ".join(rng.sample(words, 3))
        domain = DOMAINS[rng.randrange(len(DOMAINS))]
        questions.append(
            Question(
                id=f"s{i:05d}",
                number=i + 1,
                section=base.section,
                section_title=base.section_title,
                text=f"{base.text.rstrip('?')} in {domain}, with {extra}?",
                logic=base.logic,
                points=[
                    KeyPoint(id=f"s{i:05d}.{j}", label=p.label, text=p.text, examples=p.examples)
                    for j, p in enumerate(base.points, 1)
                ],
            )
        )
    return Bank(id=f"synthetic-{n}", title=f"synthetic {n}", questions=questions)
