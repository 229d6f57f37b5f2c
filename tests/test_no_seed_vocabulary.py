"""Nothing in the grader's code is specific to the seed questions: the seed bank's examples, subjects and
synonyms (its most distinctive words) appear nowhere in grader/, code or comments. Per-question material is
bank data; the product's own vocabulary (LLM, offline, embeddings, ...) is allowed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from rubric.model import Bank

ROOT = Path(__file__).resolve().parents[1]
# Words the product itself is made of, which happen to be examples in the seed bank too.
PRODUCT_WORDS = {"llm", "llms", "offline", "embeddings", "latency", "onnx", "apis"}


def seed_terms(bank: Bank) -> set[str]:
    vocab = {
        w
        for w in json.loads((ROOT / "embeddings" / "data" / "minilm-tokenizer.json").read_text())["model"]["vocab"]
        if w.isalpha()
    }
    terms = set()
    for q in bank.questions:
        for p in q.points:
            terms |= {t.lower() for t in (*p.examples, *p.subject)}
        terms |= {t.lower() for group in q.synonyms for t in group}
    # Plain English words ("rules", "dense") are not seed vocabulary; jargon and names are.
    return {t for t in terms if len(t) >= 3 and t not in vocab and t not in PRODUCT_WORDS}


def hits(source: str, terms: set[str]) -> list[str]:
    lowered = source.lower()
    return sorted(t for t in terms if re.search(r"(?<![a-z0-9])" + re.escape(t) + r"(?![a-z0-9])", lowered))


def test_grader_code_names_no_seed_question_vocabulary(shipped_bank: Bank) -> None:
    terms = seed_terms(shipped_bank)
    found = {p.name: hits(p.read_text(encoding="utf-8"), terms) for p in sorted((ROOT / "grader").glob("*.py"))}
    assert {name: words for name, words in found.items() if words} == {}


def test_the_check_finds_seed_words(shipped_bank: Bank) -> None:
    terms = seed_terms(shipped_bank)
    assert len(terms) > 100
    assert hits('"""I would not use Kafka; a PoC is a notebook."""', terms) == ["kafka", "poc"]
