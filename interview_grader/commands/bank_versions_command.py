"""``interview-grader bank versions|export|publish``: the banks stored in the database, which every replica
and worker reads. Export a version, edit the file, publish it naming the version you edited: if someone saved
another version meanwhile, the publish is refused and says which version won."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from interview_grader.errors import UserError
from rubric.model import Bank

if TYPE_CHECKING:
    from store.db import Database


def register(sub: argparse._SubParsersAction) -> None:
    versions = sub.add_parser("versions", help="list the stored versions of the bank")
    versions.set_defaults(handler=_versions)

    export = sub.add_parser("export", help="write a stored version of the bank to a YAML file (to edit it)")
    export.add_argument("-o", "--output", type=Path, required=True)
    export.add_argument("--version", default=None, help="a version number or stamp (default: the latest)")
    export.set_defaults(handler=_export)

    publish = sub.add_parser("publish", help="store a bank YAML file as the bank's next version")
    publish.add_argument("path", type=Path)
    publish.add_argument(
        "--based-on", type=int, default=None, help="the version you edited (required once the bank is stored)"
    )
    publish.add_argument("--note", default="", help="what changed")
    publish.add_argument("--author", default="command line")
    publish.set_defaults(handler=_publish)


def _db() -> Database:
    from store.db import Database, StoreError

    try:
        return Database()
    except StoreError as err:
        raise UserError(str(err)) from err


def _synced() -> tuple[Database, Bank]:
    """The database, and the configured bank file's bank (imported into it when that content is new)."""
    from rubric.bank import load_default_bank
    from rubric.yaml_bank import BankError
    from store import bank_versions

    db = _db()
    try:
        bank = load_default_bank()
    except (BankError, OSError) as err:
        raise UserError(str(err)) from err
    bank_versions.sync_from_file(db, bank, bank_versions.FILE_AUTHOR)
    return db, bank


def _versions(args: argparse.Namespace) -> int:
    from store import bank_versions

    db, bank = _synced()
    for v in bank_versions.history(db, bank.id):
        made_on = f"on v{v.based_on}" if v.based_on else "new"
        note = f"  {v.note}" if v.note else ""
        print(f"v{v.version}  {v.created_at:%Y-%m-%d %H:%M}  {v.stamp}  {made_on:>6}  {v.author}{note}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from rubric.yaml_bank import save_bank
    from store import bank_versions

    db, bank = _synced()
    try:
        stored = bank_versions.get(db, bank.id, args.version) if args.version else bank_versions.latest(db, bank.id)
    except bank_versions.UnknownVersion as err:
        raise UserError(str(err)) from err
    assert stored is not None
    save_bank(stored.bank, args.output)
    print(
        f"wrote {args.output}: bank {bank.id} version {stored.info.version}; publish it with --based-on "
        f"{stored.info.version} after editing"
    )
    return 0


def _publish(args: argparse.Namespace) -> int:
    from rubric.yaml_bank import BankError, load_bank
    from store import bank_versions

    try:
        bank = load_bank(args.path)
    except BankError as err:
        raise UserError(f"{err} (nothing was saved)") from err
    db = _db()
    top = bank_versions.latest_number(db, bank.id)
    if top and args.based_on is None:
        raise UserError(
            f"bank {bank.id} is stored (latest version {top}): pass --based-on with the version you edited "
            "(nothing was saved)"
        )
    try:
        stored = bank_versions.publish(db, bank, based_on=args.based_on, author=args.author, note=args.note)
    except bank_versions.BankConflict as err:
        raise UserError(str(err)) from err
    if stored.info.version == top:
        print(f"bank {bank.id}: no change from version {top}; nothing was saved")
    else:
        print(f"bank {bank.id}: saved version {stored.info.version} ({stored.info.stamp})")
    return 0
