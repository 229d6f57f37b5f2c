"""``interview-grader user add``, ``export``, ``candidate delete``, ``retention purge`` and ``worker``."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import sys
from pathlib import Path

from interview_grader.errors import UserError


def _db():
    from store.db import Database, StoreError

    try:
        return Database()
    except StoreError as err:
        raise UserError(str(err)) from err


def register(commands: argparse._SubParsersAction) -> None:
    user = commands.add_parser("user", help="recruiter accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = user_sub.add_parser(
        "add", help="create a recruiter account (the password is asked for, or read from $INTERVIEW_GRADER_PASSWORD)"
    )
    add.add_argument("email")
    add.add_argument("--name", default="")
    add.set_defaults(handler=_user_add)

    export = commands.add_parser("export", help="export a screen (csv, json) or a candidate report (md, pdf)")
    target = export.add_mutually_exclusive_group(required=True)
    target.add_argument("--screen", type=int)
    target.add_argument("--candidate", type=int, help="invite id")
    export.add_argument("--format", choices=["csv", "json", "md", "pdf"], required=True)
    export.add_argument("-o", "--output", type=Path, help="file to write (default: stdout, not for pdf)")
    export.set_defaults(handler=_export)

    cand = commands.add_parser("candidate", help="candidates of screens")
    cand_sub = cand.add_subparsers(dest="candidate_command", required=True, metavar="ACTION")
    delete = cand_sub.add_parser("delete", help="delete a candidate and everything of theirs, on request")
    delete.add_argument("invite_id", type=int)
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(handler=_candidate_delete)

    retention = commands.add_parser("retention", help="data retention")
    ret_sub = retention.add_subparsers(dest="retention_command", required=True, metavar="ACTION")
    purge = ret_sub.add_parser("purge", help="delete screens older than the retention period")
    purge.add_argument("--days", type=int, help="default: $INTERVIEW_GRADER_RETENTION_DAYS or 365")
    purge.set_defaults(handler=_purge)

    worker = commands.add_parser(
        "worker", help="grade submitted screen answers and re-grade jobs (run any number, on any machine)"
    )
    worker.add_argument("--once", action="store_true", help="grade what is due now and exit")
    worker.add_argument("--interval", type=float, default=2.0)
    worker.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="answers graded at once (default INTERVIEW_GRADER_CONCURRENCY or 4)",
    )
    worker.set_defaults(handler=_worker)


def _user_add(args: argparse.Namespace) -> int:
    from config.settings import get_settings
    from screening.accounts import add_user
    from screening.secrets_util import PasswordError

    given = get_settings().password
    password = given.get_secret_value() if given else ""
    if not password:
        if not sys.stdin.isatty():
            raise UserError("set $INTERVIEW_GRADER_PASSWORD or run in a terminal to be asked for the password")
        password = getpass.getpass("Password (12 characters or more): ")
        if getpass.getpass("Again: ") != password:
            raise UserError("the two passwords differ")
    try:
        info = add_user(_db(), args.email, args.name, password)
    except (ValueError, PasswordError) as err:
        raise UserError(str(err)) from err
    print(f"created recruiter account {info.id} for {info.email}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from screening import exports
    from screening.review import ReviewError

    db = _db()
    try:
        if args.screen is not None:
            if args.format not in ("csv", "json"):
                raise UserError("a screen exports as csv or json")
            data = (exports.screen_csv if args.format == "csv" else exports.screen_json)(db, args.screen).encode()
        else:
            if args.format not in ("md", "pdf"):
                raise UserError("a candidate report is md or pdf")
            data = exports.candidate_report(db, args.candidate, args.format)
    except (KeyError, ReviewError) as err:
        raise UserError(f"nothing to export: {err}") from err
    if args.output:
        args.output.write_bytes(data)
        print(f"wrote {args.output} ({len(data):,} bytes)", file=sys.stderr)
    elif args.format == "pdf":
        raise UserError("a PDF needs -o FILE")
    else:
        sys.stdout.write(data.decode())
    return 0


def _candidate_delete(args: argparse.Namespace) -> int:
    from screening.data_protection import delete_candidate

    if not args.yes:
        if not sys.stdin.isatty():
            raise UserError("pass --yes to delete without a prompt")
        if input(f"Delete candidate {args.invite_id} and all their answers? [y/N] ").strip().lower() != "y":
            return 1
    try:
        removed = delete_candidate(_db(), args.invite_id, actor="cli")
    except KeyError as err:
        raise UserError(f"no candidate {args.invite_id}") from err
    print(f"deleted candidate {args.invite_id} ({removed} answers); the deletion is logged without their data")
    return 0


def _purge(args: argparse.Namespace) -> int:
    from screening.data_protection import purge_old_screens, retention_days

    days = args.days or retention_days()
    count = purge_old_screens(_db(), days)
    print(f"purged {count} screens older than {days} days")
    return 0


def _worker(args: argparse.Namespace) -> int:
    import signal
    import threading

    from screening.graders import grader_for
    from screening.grading_worker import warm_up, work_forever, work_once
    from screening.worker import default_concurrency

    db = _db()
    concurrency = args.concurrency or default_concurrency()
    if args.once:
        print(f"graded {work_once(db, grader_for, concurrency)} answers and re-grade jobs")
        return 0
    from config.settings import get_settings

    warm_up(grader_for, tuple(dict.fromkeys((get_settings().grader, "offline"))))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"grading answers and re-grade jobs, {concurrency} at a time; Ctrl-C stops", file=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):
        work_forever(db, grader_for, concurrency, stop, poll_s=args.interval)
    return 0
