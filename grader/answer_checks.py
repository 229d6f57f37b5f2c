"""Checks on the answer itself, in code and before any judge is asked.

:func:`check_answer` refuses what we cannot keep (not text, too long, NUL characters, broken Unicode) with a
message that says what to change. :func:`abstention` decides when there is nothing to grade, and says why:
an empty answer, one in another language, garbled text, text that only addresses the grader, words that say
nothing ("idk"), a word or two for a question that asks for more, or an answer that shares nothing at all with
the question. A correct one-word answer to a question that asks for a choice or a name is graded.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from grader.base import MAX_ANSWER_CHARS
from grader.question_kind import asks_for_a_name
from grader.screening import Screened, plausible_word
from grader.segments import words
from grader.verification import point_terms
from rubric.model import Question
from rubric.terms import STOP_WORDS, content_terms

# An answer that shares no word with the question or its rubric is off topic before any judge is asked only
# if it is also less similar than this (MiniLM cosine) to the question and to every point: nothing in common.
OFF_TOPIC_FLOOR = 0.15
# After the judge: an answer that earned no point and is less similar than this to the question and to every
# point is not about this question, and is not graded rather than given 0. Chosen on golden.
ABOUT_FLOOR = 0.30
# Words that carry no answer of their own.
FILLER = frozenset(
    """idk dunno dunno hmm hm um umm uh uhh er erm ok okay yes yeah yep no nope maybe sure pass skip next none
    nothing whatever depends know sorry question good great nice interesting hard tough lol haha thanks thank
    hello hi hey""".split()
)


# Words that name what an answer is about rather than saying anything ("Topic: ...", "Re: ...").
_ABOUT_WORDS = frozenset(content_terms("topic subject question answer re regarding about"))


class AnswerError(ValueError):
    """An answer we refuse to take (too long, not text); the message says what to change."""


def check_answer(answer: object) -> str:
    if not isinstance(answer, str):
        raise AnswerError("the answer must be text")
    if len(answer) > MAX_ANSWER_CHARS:
        raise AnswerError(
            f"the answer is {len(answer):,} characters; the limit is {MAX_ANSWER_CHARS:,} (about 3,000 words)"
        )
    if "\x00" in answer:
        raise AnswerError("the answer contains a NUL character; send plain text")
    try:
        answer.encode("utf-8")
    except UnicodeEncodeError as err:  # a lone surrogate, e.g. from a JSON "\ud800" escape
        raise AnswerError(f"the answer is not valid Unicode text (at character {err.start + 1:,})") from None
    return answer


class Abstain(Enum):
    EMPTY = "empty: there is no answer to grade"
    NOT_ENGLISH = "not English: answers are graded in English"
    GARBLED = "garbled: most of the text is not words"
    ONLY_GRADER_TALK = "nothing to grade: the answer only addresses the grader"
    SAYS_NOTHING = "nothing to grade: the answer says nothing about the question"
    TOO_SHORT = "too short: a word or two is not enough to answer this question"
    OFF_TOPIC = "off topic: the answer does not address this question"
    RESTATES_QUESTION = "nothing to grade: the answer only repeats the question's words"


def _all_set_aside(screened: Screened) -> Abstain:
    codes = [s.code for s in screened.set_aside]
    if codes and all(c == "not_english" for c in codes):
        return Abstain.NOT_ENGLISH
    if codes and all(c == "garbled" for c in codes):
        return Abstain.GARBLED
    if codes and all(c in ("not_english", "garbled") for c in codes):
        return Abstain.NOT_ENGLISH if codes.count("not_english") >= codes.count("garbled") else Abstain.GARBLED
    return Abstain.ONLY_GRADER_TALK


def rubric_terms(question: Question) -> set[str]:
    terms = set(content_terms(question.text))
    for point in question.points:
        terms |= point_terms(point, question)
    return terms


def rubric_words(question: Question) -> frozenset[str]:
    """Every word the bank gives for this question, lower-cased: never garbled, however unusual."""
    texts = [question.text, *(t for p in question.points for t in (p.text, p.label, *p.examples, *p.paraphrases))]
    texts += [t for group in question.synonyms for t in group]
    return frozenset(w.lower for text in texts for w in words(text))


def similarity_to_question(question: Question, parts: list[str]) -> float:
    """The highest cosine similarity (MiniLM) of any part of the answer to the question or to any point."""
    from embeddings.minilm import get_encoder

    targets = [question.text, *(p.text for p in question.points)]
    vectors = get_encoder().encode([*targets, *parts])
    return float(np.max(vectors[len(targets) :] @ vectors[: len(targets)].T)) if parts else 0.0


def _shares_nothing(question: Question, text: str) -> bool:
    if set(content_terms(text)) & rubric_terms(question):
        return False
    return similarity_to_question(question, [text]) < OFF_TOPIC_FLOOR


def off_topic_after_judging(question: Question, screened_parts: list[str], nothing_credited: bool) -> bool:
    """An answer that earned nothing and is about something else: not graded, never a 0."""
    return nothing_credited and similarity_to_question(question, screened_parts) < ABOUT_FLOOR


def abstention(question: Question, answer: str, screened: Screened) -> Abstain | None:
    """Why there is nothing to grade, or None when the judge should be asked."""
    if not answer.strip():
        return Abstain.EMPTY
    if not screened.graded:
        return _all_set_aside(screened)
    text = " ".join(s.text for s in screened.graded)
    ws = [w for w in words(text) if w.text.isalpha() or any(ch.isalpha() for ch in w.text)]
    content = [w for w in ws if w.lower not in STOP_WORDS and w.lower not in FILLER]
    if not content:
        return Abstain.SAYS_NOTHING
    if not any(plausible_word(w.text) for w in content):
        return Abstain.GARBLED
    choice = asks_for_a_name(question.text)
    if len(ws) < 3 and not choice and not set(content_terms(text)) & rubric_terms(question):
        return Abstain.TOO_SHORT
    said = set(content_terms(text)) - _ABOUT_WORDS
    if not choice and len(said) <= 8 and said <= set(content_terms(question.text)):
        return Abstain.RESTATES_QUESTION
    if _shares_nothing(question, text):
        return Abstain.OFF_TOPIC
    return None
