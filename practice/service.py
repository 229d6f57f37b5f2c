"""Submit an answer: save it first, then grade it through the grading pipeline; a grading failure leaves the
answer saved and retryable. This is the path the practice page takes.

Grading holds a claim on the attempt (``store.claims``): if the process dies mid-grade, the claim's lease
expires and :func:`recover_stranded` grades the answer again, once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from grader.answer_checks import AnswerError, check_answer
from grader.base import Grader, GraderError
from grader.result import GradeResult
from practice.probes import single_point_question
from rubric.model import Bank, Question
from store.db import StoreError
from store.practice_store import PracticeStore

log = logging.getLogger(__name__)
BUSY = "this answer is being graded elsewhere; refresh in a moment"
Progress = Callable[[str], None]  # told each step ("saving", "grading", "checking") as it starts


def no_progress(_: str) -> None:
    """A progress callback that ignores the steps (for callers with nothing to show)."""


@dataclass(frozen=True)
class Submission:
    """What kind of answer is submitted: a first answer, a retry of the question, or a reply to a probe (graded
    against the probed point only)."""

    kind: str = "answer"
    parent_id: int | None = None
    probe_point_id: str | None = None
    graded_question: Question | None = None


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
    bank_version: str = "",
    progress: Progress = no_progress,
) -> Outcome:
    """Save ``answer`` (raises AnswerError for answers we refuse to keep, StoreError when it cannot be saved),
    then grade it."""
    check_answer(answer)
    progress("saving")
    attempt_id = store.save_answer(
        learner_id, bank_id, question, answer, kind=kind, parent_id=parent_id, probe_point_id=probe_point_id
    )
    return grade_attempt(
        store, attempt_id, graded_question or question, answer, grader, bank_version=bank_version, progress=progress
    )


def grade_attempt(
    store: PracticeStore,
    attempt_id: int,
    question: Question,
    answer: str,
    grader: Grader,
    *,
    bank_version: str = "",
    progress: Progress = no_progress,
) -> Outcome:
    token = store.claim(attempt_id)
    if token is None:
        return Outcome(attempt_id, None, BUSY)
    progress("grading")
    try:
        result = grader.grade(question, answer, bank_version=bank_version)
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
