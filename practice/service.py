"""Submit an answer: save it first, then grade it; a grading failure leaves the answer saved and retryable."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from grader.base import Grader, GraderError
from grader.cache import GradeCache
from grader.result import GradeResult
from grader.service import AnswerError, check_answer, grade
from rubric.model import Question
from store.practice_store import PracticeStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    attempt_id: int
    result: GradeResult | None
    error: str | None


def submit(
    store: PracticeStore,
    learner_id: int,
    bank_id: str,
    question: Question,
    answer: str,
    grader: Grader,
    *,
    kind: str = "answer",
    parent_id: int | None = None,
    probe_point_id: str | None = None,
    graded_question: Question | None = None,
    grade_cache: GradeCache | None = None,
) -> Outcome:
    """Save ``answer`` (raises AnswerError for answers we refuse to keep), then grade it."""
    check_answer(answer)
    attempt_id = store.save_answer(
        learner_id, bank_id, question, answer, kind=kind, parent_id=parent_id, probe_point_id=probe_point_id
    )
    return grade_attempt(store, attempt_id, graded_question or question, answer, grader, grade_cache)


def grade_attempt(
    store: PracticeStore,
    attempt_id: int,
    question: Question,
    answer: str,
    grader: Grader,
    grade_cache: GradeCache | None = None,
) -> Outcome:
    try:
        result = grade(question, answer, grader, grade_cache)
    except (GraderError, AnswerError) as err:
        store.record_failure(attempt_id, str(err))
        return Outcome(attempt_id, None, str(err))
    except Exception as err:  # a bug in a grader must not lose the answer either
        log.exception("grading attempt %s failed", attempt_id)
        store.record_failure(attempt_id, f"unexpected error: {type(err).__name__}")
        return Outcome(attempt_id, None, f"unexpected error: {type(err).__name__}")
    store.record_grade(attempt_id, result)
    return Outcome(attempt_id, result, None)
