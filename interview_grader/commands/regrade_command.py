"""``interview-grader regrade --screen ID | --question ID | --bank-version V [--grader K]``: enqueue a bulk
re-grade for the workers and follow it with a progress bar (rate and time left). Questions picked from the bank
are graded by its latest stored version (or the one ``--bank-version`` names; ``--as-built`` keeps the screens'
own copies). Earlier grades and their overrides are kept; running the same request again grades only answers
submitted since."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TextIO

from interview_grader.errors import UserError

BAR = 30


def register(commands: argparse._SubParsersAction) -> None:
    regrade = commands.add_parser(
        "regrade", help="re-grade every answer of a screen or to a question (workers do the grading)"
    )
    scope = regrade.add_mutually_exclusive_group()
    scope.add_argument("--screen", type=int, help="a screen id")
    scope.add_argument("--question", help="a question id (every screen that asks it)")
    rubric = regrade.add_mutually_exclusive_group()
    rubric.add_argument(
        "--bank-version",
        help="grade by this stored bank version (number, v3, or id@hash; alone: every answer to the bank's questions)",
    )
    rubric.add_argument("--as-built", action="store_true", help="grade by the screens' own copies of the questions")
    regrade.add_argument("--grader", choices=["offline", "llm"], default="offline")
    follow = regrade.add_mutually_exclusive_group()
    follow.add_argument("--detach", action="store_true", help="enqueue and exit; workers grade it")
    follow.add_argument("--work", action="store_true", help="also grade in this process (no separate worker needed)")
    regrade.add_argument("--concurrency", type=int, default=None, help="with --work: answers graded at once")
    regrade.set_defaults(handler=_regrade)


def _regrade(args: argparse.Namespace) -> int:
    from rubric.bank import load_default_bank
    from rubric.yaml_bank import BankError
    from screening.regrades import QueueError, UnknownVersion, request_regrade
    from store.db import Database, StoreError

    try:
        db = Database()
        queued = request_regrade(
            db,
            load_default_bank(),
            args.grader,
            screen_id=args.screen,
            question_id=args.question,
            bank_version=args.bank_version,
            as_built=args.as_built,
        )
    except (StoreError, QueueError, UnknownVersion, BankError, OSError) as err:
        raise UserError(str(err)) from err
    again = f", {queued.total - queued.added} already requested before" if queued.added < queued.total else ""
    print(
        f"re-grade of {queued.scope} with the {args.grader} grader: {queued.added} answers queued{again} "
        f"(request {queued.request_id[:12]})",
        file=sys.stderr,
    )
    if args.detach:
        return 0
    if args.work:
        import threading

        from screening.graders import grader_for
        from screening.grading_worker import work_forever
        from screening.worker import default_concurrency

        stop = threading.Event()
        helper = threading.Thread(
            target=work_forever,
            args=(db, grader_for, args.concurrency or default_concurrency(), stop, 0.2),
            daemon=True,
        )
        helper.start()
        try:
            return _follow(db, queued.request_id, sys.stderr)
        finally:
            stop.set()
            helper.join(timeout=60)
    return _follow(db, queued.request_id, sys.stderr)


def _follow(db: object, request_id: str, out: TextIO, poll_s: float = 1.0) -> int:
    """Draw the progress bar until every job is done or given up; 1 when some were given up."""
    from store.db import Database
    from store.job_queue import progress

    assert isinstance(db, Database)
    started = time.monotonic()
    first = progress(db, request_id)
    idle_since = time.monotonic()
    last_done = first.done
    hinted = False
    while True:
        now = progress(db, request_id)
        elapsed = time.monotonic() - started
        out.write("\r" + progress_line(now.done, now.failed, now.total, now.done - first.done, elapsed))
        out.flush()
        if now.finished:
            out.write("\n")
            if now.failed:
                print(f"{now.failed} answers could not be graded after retries; see the Review page", file=out)
                return 1
            return 0
        if now.done != last_done:
            last_done, idle_since = now.done, time.monotonic()
        elif not hinted and time.monotonic() - idle_since > 15:
            out.write("\nnothing graded for 15 s: is an `interview-grader worker` running? (or use --work)\n")
            hinted = True
        time.sleep(poll_s)


def progress_line(done: int, failed: int, total: int, graded_here: int, elapsed_s: float) -> str:
    """``[#####.....] 512/10,000 · 8.5/s · 18 min 36 s left``."""
    finished = done + failed
    filled = round(BAR * finished / total) if total else BAR
    rate = graded_here / elapsed_s if elapsed_s > 0 else 0.0
    left = total - finished
    eta = _duration(left / rate) + " left" if rate > 0 and left else ("done" if not left else "waiting for a worker")
    failed_part = f" · {failed:,} failed" if failed else ""
    return f"[{'#' * filled}{'.' * (BAR - filled)}] {finished:,}/{total:,}{failed_part} · {rate:.1f}/s · {eta}   "


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"
