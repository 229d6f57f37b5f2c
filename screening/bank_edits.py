"""Recruiters edit a bank question's wording and key points in the app. The edit is saved as the bank's next
version, made on the version the editor opened; when someone saved another version meanwhile the save is refused
with :class:`BankConflict` (nothing is written) and the editor keeps their text to apply to the version that
won."""

from __future__ import annotations

from rubric.editing import EditError, edited_question, points_text, with_question
from rubric.model import Question
from store import bank_versions
from store.bank_versions import BankConflict, StoredBank, VersionInfo
from store.db import Database

__all__ = ["BankConflict", "EditError", "VersionInfo", "editor_text", "history", "save_question_edit"]


def editor_text(question: Question) -> tuple[str, str]:
    """What the editor shows: the question, and its key points one per line."""
    return question.text, points_text(question)


def save_question_edit(
    db: Database, base: VersionInfo, question_id: str, text: str, points: str, author: str
) -> StoredBank:
    """Save the edited question as the next version after ``base`` (EditError: the edit is not valid;
    BankConflict: ``base`` is no longer the latest version). An edit that changes nothing saves nothing."""
    made_on = bank_versions.get(db, base.bank_id, base.version)
    try:
        question = made_on.bank.get(question_id)
    except KeyError as err:
        raise EditError(f"version {base.version} of the bank has no question {question_id}") from err
    edited = edited_question(question, text, points)
    if edited == question:
        return made_on
    return bank_versions.publish(
        db,
        with_question(made_on.bank, edited),
        based_on=base.version,
        author=author,
        note=f"edited {question_id}",
    )


def history(db: Database, bank_id: str) -> list[VersionInfo]:
    return bank_versions.history(db, bank_id)
