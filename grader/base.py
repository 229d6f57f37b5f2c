"""What every grader is to the rest of the product: one ``grade(question, answer)`` that returns a
:class:`GradeResult` (see :mod:`grader.pipeline`, which is the one implementation)."""

from __future__ import annotations

import hashlib
from typing import Protocol

from grader.result import GradeResult, GraderKind
from rubric.model import Question

GRADER_VERSION = "2"
# Answers longer than this are refused with a clear message: about 3,000 words, far beyond an interview answer,
# and it keeps an LLM prompt within every model's context.
MAX_ANSWER_CHARS = 20_000


class GraderError(RuntimeError):
    """Grading failed (the model or server misbehaved beyond retries); the answer itself is not lost."""


class Grader(Protocol):
    @property
    def kind(self) -> GraderKind: ...
    @property
    def model(self) -> str: ...
    @property
    def prompt_name(self) -> str: ...
    @property
    def prompt_hash(self) -> str: ...

    def grade(self, question: Question, answer: str, *, bank_version: str = "") -> GradeResult: ...


def judge_name(grader: Grader) -> str:
    """The judge behind a pipeline ("offline-matcher", "learned-judge", "llm"), else the grader's kind."""
    judge = getattr(grader, "judge", None)
    return str(getattr(judge, "name", grader.kind))


def answer_sha256(answer: str) -> str:
    return hashlib.sha256(answer.encode("utf-8")).hexdigest()
