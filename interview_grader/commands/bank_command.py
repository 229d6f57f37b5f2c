"""``interview-grader bank import|show|validate``."""

from __future__ import annotations

import argparse
from pathlib import Path

from interview_grader.commands import bank_versions_command
from interview_grader.commands.output import print_json, question_lines
from interview_grader.errors import UserError
from rubric.bank import load_default_bank
from rubric.guide_import import GuideError, import_guide
from rubric.model import Bank
from rubric.yaml_bank import BankError, load_bank, save_bank


def register(commands: argparse._SubParsersAction) -> None:
    bank = commands.add_parser("bank", help="import, show and check question banks")
    sub = bank.add_subparsers(dest="bank_command", required=True, metavar="ACTION")

    imp = sub.add_parser("import", help="import a markdown interview guide into a bank YAML file")
    imp.add_argument("guide", type=Path)
    imp.add_argument("-o", "--output", type=Path, required=True, help="bank YAML to write")
    imp.add_argument("--id", help="bank id (default: from the guide's title)")
    imp.add_argument(
        "--force",
        action="store_true",
        help="replace an existing output file; questions whose text and Logic are unchanged keep their reviewed points",
    )
    imp.set_defaults(handler=_import)

    show = sub.add_parser("show", help="list the bank, or show one question and its key points")
    show.add_argument("question", nargs="?", help="question id or number")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)

    check = sub.add_parser("validate", help="check a bank YAML file and print a summary")
    check.add_argument("path", type=Path)
    check.set_defaults(handler=_validate)
    bank_versions_command.register(sub)


def _keep_reviewed(new: Bank, old: Bank) -> tuple[Bank, int]:
    """Carry reviewed points (with their paraphrases) and synonyms over for questions whose wording did not
    change."""
    old_by_number = {q.number: q for q in old.questions}
    kept = 0
    questions = []
    for q in new.questions:
        prior = old_by_number.get(q.number)
        same = prior and (prior.text, prior.logic, prior.notes) == (q.text, q.logic, q.notes)
        if prior and same and prior.review == "reviewed":
            q = q.model_copy(
                update={"id": prior.id, "points": prior.points, "synonyms": prior.synonyms, "review": "reviewed"}
            )
            kept += 1
        questions.append(q)
    return new.model_copy(update={"questions": questions}), kept


def _import(args: argparse.Namespace) -> int:
    try:
        bank = import_guide(args.guide, bank_id=args.id)
    except GuideError as err:
        raise UserError(f"{err} (nothing was written)") from err
    kept = 0
    if args.output.exists():
        if not args.force:
            raise UserError(f"{args.output} exists; pass --force to replace it (nothing was written)")
        try:
            bank, kept = _keep_reviewed(bank, load_bank(args.output))
        except BankError:
            kept = 0  # the old file is not a bank we can read; it is replaced whole
    save_bank(bank, args.output)
    points = sum(len(q.points) for q in bank.questions)
    drafts = sum(q.review == "draft" for q in bank.questions)
    print(
        f"wrote {args.output}: {len(bank.questions)} questions in {len(bank.sections())} sections, {points} key points"
    )
    if kept:
        print(f"kept the reviewed points of {kept} unchanged questions")
    if drafts:
        print(
            f"{drafts} questions have draft points split automatically from their Logic: "
            "review them, then set 'review: reviewed'"
        )
    return 0


def _show(args: argparse.Namespace) -> int:
    bank = _bank()
    if args.question:
        try:
            q = bank.get(args.question)
        except KeyError as err:
            raise UserError(f"no question {args.question!r} in bank {bank.id} (try 'bank show')") from err
        if args.json:
            print_json(q.model_dump(mode="json"))
        else:
            print("\n".join(question_lines(q)))
        return 0
    if args.json:
        print_json(bank.model_dump(mode="json"))
        return 0
    print(f"{bank.title} ({bank.id}): {len(bank.questions)} questions")
    section = None
    for q in bank.questions:
        if q.section != section:
            section = q.section
            print(f"\nSection {q.section}. {q.section_title}")
        print(f"  {q.id}  [{len(q.points)} points] {q.text}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    try:
        bank = load_bank(args.path)
    except BankError as err:
        raise UserError(str(err)) from err
    points = sum(len(q.points) for q in bank.questions)
    drafts = [q.id for q in bank.questions if q.review == "draft"]
    print(
        f"{args.path}: valid bank {bank.id!r}, {len(bank.questions)} questions, {points} key points, "
        f"{len(drafts)} still draft"
    )
    return 0


def _bank() -> Bank:
    """The bank the app grades by: the latest version stored in the database, which the bank file seeds (with
    the database unavailable, the file as it is, and a note that says so)."""
    import sys

    from store import bank_versions
    from store.db import Database, StoreError

    try:
        from_file = load_default_bank()
    except (BankError, OSError) as err:
        raise UserError(str(err)) from err
    try:
        db = Database()
    except StoreError as err:
        print(f"note: {err}; using the bank file as it is", file=sys.stderr)
        return from_file
    try:
        return bank_versions.sync_from_file(db, from_file, bank_versions.FILE_AUTHOR).bank
    except StoreError as err:
        print(f"note: {err}; using the bank file as it is", file=sys.stderr)
        return from_file
    finally:
        db.dispose()
