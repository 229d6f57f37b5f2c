"""Decide, in code and before any grading, what in an answer can count as evidence.

- Whole answers that give nothing to grade (empty, a word or two, garbled, not English) are abstained on.
- Sentences that talk to the grader instead of answering the question (instructions, fake verdicts or JSON,
  role play, closing tags, talk about the rubric or the score) are set aside: they can never be evidence,
  so they can never raise a grade.
- Sentences that are bare keyword lists ("Kafka, Redis, Triton.") make no claim and credit nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from grader.segments import Span, Word, sentences, words
from rubric.terms import STOP_WORDS

MIN_WORDS = 3

_GRADER_TALK = [
    r"\b(?:ignore|disregard|forget|override|bypass)\b.{0,60}"
    r"\b(?:instruction|prompt|rule|rubric|guideline|above|previous|prior|system)",
    r"\b(?:grader|graders|grading|examiner|assessor)\b",
    # "scorer", "judge", "reviewer" and "evaluator" are also ordinary ML words ("the fraud scorer", "LLM judge"):
    # they count only when addressed.
    r"\b(?:note|message|instructions?|hint|reminder)s? (?:to|for) (?:the |any )?(?:judge|evaluator|reviewer|scorer|"
    r"marker|model|ai|llm|assistant)\b",
    r"\b(?:dear|hey|hi|hello|attention|attn)\b,? (?:the )?"
    r"(?:judge|evaluator|reviewer|scorer|marker|model|ai|llm|assistant)",
    r"\b(?:the|you,?(?: the)?) (?:judge|evaluator|reviewer|scorer|marker)s?\b.{0,40}\b(?:must|should|shall|has to|"
    r"needs? to|is (?:instructed|required|asked))\b",
    r"\brubric\b|\bkey[- ]points?\b|\bmark ?scheme\b|\bscoring guide\b",
    r"\b(?:mark|grade|score|rate|label|count|treat|consider|flag)\w*\b.{0,50}\b(?:as |is )?"
    r"(?:covered|correct|full marks?|perfect|complete|passed|100|10/10|maximum|all points)",
    r"\b(?:full|maximum|perfect|top|highest)\s+(?:marks?|score|points?|grade|credit)\b",
    r"\b(?:give|award|assign)\b.{0,30}\b(?:marks?|score|points?|credit|grade)\b",
    r"\ball (?:the )?(?:points|criteria|items) (?:are |were )?(?:covered|met|addressed|satisfied)\b",
    r"\b(?:this|my|the) (?:answer|response|submission)\b.{0,40}\b(?:covers?|addresses|meets|satisfies|"
    r"contains|includes|mentions|is correct|deserves)\b",
    r"\b(?:you are|you're|act as|pretend|role-?play|imagine you|from now on|new instructions?|system prompt|"
    r"developer mode|jailbreak|as an ai)\b",
    r"^\s*(?:system|assistant|user|developer|human|ai)\s*[:>]",
    r"</?\s*[a-z_][\w-]*\s*/?>",  # closing or opening tags: </answer>, <system>
    r"\{\s*\"?[\w.-]+\"?\s*:|\"(?:verdict|covered|score|points?|evidence|status|result)\"\s*:",  # fake JSON
    r"\"\s*:\s*\"?(?:covered|partial|missed|correct|pass(?:ed)?|true|yes|full)\b",  # "key": "covered"
    r"\bq\d{1,3}\.\d{1,2}\b",  # rubric point ids ("q19.1") never belong in an answer
    r"\b(?:verdict|verdicts)\b",
    r"```",
]
_GRADER_TALK_RE = [re.compile(p, re.IGNORECASE) for p in _GRADER_TALK]

# Short stop-word lists of other languages seen in interview answers and injections.
_FOREIGN_STOP_WORDS = frozenset(
    """le la les des du un une et est sont pour avec dans sur que qui pas ce cette ces vous nous ils elle tout
    tous toutes être avoir ignorez marquez der die das und ist nicht mit für auf ein eine einen dem den des sie
    wir ich alle bitte ignoriere markiere el los las del por para con una es son como pero todo todos todas
    esta este estas ignora marca il di che non per una sono della nel gli tutti tutte questo questa o os um uma
    não com para todos todas isso esta het een van en niet voor met zijn alle dit deze""".split()
)


@dataclass(frozen=True)
class Screened:
    """What of an answer may be used as evidence, and why the rest was set aside."""

    sentences: list[Span]  # usable sentences, in order
    ignored: list[tuple[Span, str]]  # set-aside sentences and the reason
    abstain_reason: str | None


@cache
def _vocabulary() -> frozenset[str]:
    path = Path(__file__).resolve().parents[1] / "embeddings" / "data" / "minilm-tokenizer.json"
    vocab = json.loads(path.read_text(encoding="utf-8"))["model"]["vocab"]
    return frozenset(w for w in vocab if w.isalpha())


def is_grader_talk(text: str) -> bool:
    return any(p.search(text) for p in _GRADER_TALK_RE)


def is_english(ws: list[Word]) -> bool:
    """English unless the words are mostly outside the Latin script or other languages' stop words dominate."""
    letters = [ch for w in ws for ch in w.text if ch.isalpha()]
    if letters and sum(ch.isascii() for ch in letters) / len(letters) < 0.7:
        return False
    lowers = [w.lower for w in ws]
    english = sum(w in STOP_WORDS for w in lowers)
    foreign = sum(w in _FOREIGN_STOP_WORDS and w not in STOP_WORDS for w in lowers)
    return not (foreign >= 2 and foreign > english)


def known_word_share(ws: list[Word], extra: frozenset[str] = frozenset()) -> float:
    alphabetic = [w.lower for w in ws if w.text.isalpha() and len(w.text) >= 3]
    if not alphabetic:
        return 1.0
    vocab = _vocabulary()
    return sum(w in vocab or w in extra for w in alphabetic) / len(alphabetic)


# Function words that can sit inside a bare list ("Kafka and Redis", "no monitoring") without relating anything.
_NOT_RELATIONAL = frozenset(
    "and or nor no not also etc e.g i.e vs both all each any some more most very too only own same such".split()
)


def makes_a_claim(text: str, ws: list[Word]) -> bool:
    """False for bare keyword lists ("Kafka, Redis, Triton.") that relate nothing to anything."""
    if re.search(r"=|->|→|=>", text):
        return True
    lowers = {w.lower for w in ws}
    if lowers & (STOP_WORDS - _NOT_RELATIONAL):
        return True
    # Without any function word, a clause still claims something when it is a phrase, not a list of names.
    items = [part.strip() for part in re.split(r"[,/;|]|\band\b|\bor\b", text) if part.strip()]
    return len(items) <= 1 and len(ws) >= 4


def screen(answer: str, known_terms: frozenset[str] = frozenset()) -> Screened:
    """Split ``answer`` into usable sentences; decide whether there is anything to grade at all."""
    if not answer.strip():
        return Screened([], [], "empty: there is no answer to grade")
    all_words = words(answer)
    if len(all_words) < MIN_WORDS:
        return Screened([], [], "too short: a word or two is not enough evidence to grade")
    if known_word_share(all_words, known_terms) < 0.5:
        return Screened([], [], "garbled: most of the text is not words")
    usable: list[Span] = []
    ignored: list[tuple[Span, str]] = []
    english_words = 0
    for sentence in sentences(answer):
        ws = words(answer, sentence)
        if is_grader_talk(sentence.text):
            ignored.append((sentence, "addresses the grader or the rubric, not the question"))
        elif not is_english(ws):
            ignored.append((sentence, "not in English (the offline grader reads English only)"))
        elif known_word_share(ws, known_terms) < 0.5:
            ignored.append((sentence, "garbled"))
        else:
            usable.append(sentence)
            english_words += len(ws)
            continue
    if not usable:
        reasons = {reason for _, reason in ignored}
        if all(r.startswith("not in English") for r in reasons):
            return Screened([], ignored, "not English: the grader grades answers written in English")
        if reasons == {"garbled"}:
            return Screened([], ignored, "garbled: most of the text is not words")
        return Screened([], ignored, "nothing to grade: the answer only talks to the grader")
    if english_words < MIN_WORDS:
        return Screened([], ignored, "too short: a word or two is not enough evidence to grade")
    return Screened(usable, ignored, None)
