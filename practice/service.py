"""Submit an answer: save it first, then grade it; a grading failure leaves the answer saved and retryable.

Grading holds a claim on the attempt (``store.claims``): if the process dies mid-grade, the claim's lease
expires and :func:`recover_stranded` grades the answer again, once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from grader.base import Grader, GraderError
from grader.cache import GradeCache
from grader.result import GradeResult
from grader.service import AnswerError, check_answer, grade
from practice.probes import single_point_question
from rubric.model import Bank, Question
from store.db import StoreError
from store.practice_store import PracticeStore

log = logging.getLogger(__name__)
BUSY = "this answer is being graded elsewhere; refresh in a moment"


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
    token = store.claim(attempt_id)
    if token is None:
        return Outcome(attempt_id, None, BUSY)
    try:
        result = grade(question, answer, grader, grade_cache)
    except (GraderError, AnswerError) as err:
        store.record_failure(attempt_id, str(err), token)
        return Outcome(attempt_id, None, str(err))
    except Exception as err:  # a bug in a grader must not lose the answer either
        log.exception("grading attempt %s failed", attempt_id)
        store.record_failure(attempt_id, f"unexpected error: {type(err).__name__}", token)
        return Outcome(attempt_id, None, f"unexpected error: {type(err).__name__}")
    try:
        stored = store.record_grade(attempt_id, result, token)
    except StoreError as err:  # the answer is saved and its claim will expire: the background grader retries
        return Outcome(attempt_id, None, f"graded, but the grade could not be saved ({err}); it will be retried")
    if not stored:
        return Outcome(attempt_id, None, BUSY)
    return Outcome(attempt_id, result, None)


def recover_stranded(store: PracticeStore, bank: Callable[[str], Bank | None], grader: Grader) -> int:
    """Grade the attempts a dead process left mid-grade (see ``PracticeStore.stranded``); returns how many were
    graded or recorded as failed. ``bank`` maps a bank id to the bank the attempt was asked from."""
    done = 0
    for attempt_id in store.stranded():
        record = store.attempt(attempt_id)
        try:
            question = _question(bank, record.bank_id, record.question_id)
        except KeyError:
            token = store.claim(attempt_id)
            if token is not None:
                store.record_failure(attempt_id, "its question bank is not loaded on this server", token)
            continue
        if record.probe_point_id:
            question = single_point_question(question, question.point(record.probe_point_id))
        outcome = grade_attempt(store, attempt_id, question, record.answer, grader)
        done += outcome.error != BUSY
    return done


def _question(bank: Callable[[str], Bank | None], bank_id: str, question_id: str) -> Question:
    source = bank(bank_id)
    if source is None:
        raise KeyError(bank_id)
    return source.get(question_id)
