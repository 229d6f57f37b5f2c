"""A bulk re-grade run on a real PostgreSQL server with real ``interview-grader worker`` processes: seed ``n``
submitted answers to a bank question, save a rubric change as the bank's next version, enqueue the re-grade
against it, start the workers, optionally SIGKILL one mid-run and start it again,
wait for the request to finish, then count in the database (every job done, one grade each, none lost, none
duplicated). Used by ``make bench`` (10,000 answers) and by a slow test (a few hundred)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select

if TYPE_CHECKING:
    from store.bank_versions import StoredBank

LLM_JUDGE_REPLY_S = 1.0


@dataclass
class RunFigures:
    answers: int
    workers: int
    concurrency: int
    grader: str
    killed_and_restarted: bool
    seconds: float
    answers_per_s: float
    jobs_done: int
    grades_added: int
    lost: int  # jobs not done, or done without a grade
    duplicated: int  # answers with more than one grade from this request
    peak_rss_mb: list[float]
    by_new_version: int = 0  # grades of this request stamped with the edited bank version

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def seed_answers(url: str, n: int) -> int:
    """A screen of one bank question (the bank's stored version) with ``n`` candidates who each submitted a
    distinct answer; the screen id. The answers are marked graded already, so the workers' screen-answer queue
    leaves them alone."""
    from rubric.bank import load_default_bank
    from screening import accounts, screens
    from store import bank_versions
    from store.db import Database
    from store.tables import Invite, ScreenAnswer, ScreenQuestion, utcnow

    db = Database(url)
    bank = bank_versions.sync_from_file(db, load_default_bank(), bank_versions.FILE_AUTHOR).bank
    me = accounts.add_user(db, f"bench-{time.time_ns()}@example.com", "Bench", "correct horse battery staple")
    screen_id = screens.create_screen(db, me.id, "Bulk re-grade", "", [bank.get("q06")], from_bank=bank)
    now = utcnow()
    with db.session() as s:
        sq = s.scalar(select(ScreenQuestion.id).where(ScreenQuestion.screen_id == screen_id))
        first = (s.scalar(select(func.max(Invite.id))) or 0) + 1
        s.execute(
            insert(Invite),
            [
                {
                    "id": first + i,
                    "screen_id": screen_id,
                    "candidate_name": f"Candidate {i}",
                    "candidate_email": f"c{i}@example.com",
                    "token_hash": f"{screen_id:08d}{i:056d}",
                    "created_at": now,
                    "expires_at": now,
                    "consent_at": now,
                    "finished_at": now,
                }
                for i in range(n)
            ],
        )
        s.execute(
            insert(ScreenAnswer),
            [
                {
                    "invite_id": first + i,
                    "screen_question_id": sq,
                    "draft": "",
                    "answer": f"Answer {i}: stream card events through Kafka into a scoring service, cache in Redis.",
                    "shown_at": now,
                    "submitted_at": now,
                    "status": "graded",
                    "attempts": 1,
                }
                for i in range(n)
            ],
        )
    db.dispose()
    return screen_id


def rubric_change(url: str) -> StoredBank:
    """A recruiter adds a key point to q06: saved as the bank's next version."""
    from rubric.bank import load_default_bank
    from rubric.editing import edited_question, points_text, with_question
    from store import bank_versions
    from store.db import Database

    db = Database(url)
    latest = bank_versions.latest(db, load_default_bank().id)
    assert latest is not None
    q = latest.bank.get("q06")
    line = f"drift watch {time.time_ns()} | watch the model's inputs and scores for drift"
    edited = with_question(latest.bank, edited_question(q, q.text, points_text(q) + "\n" + line))
    saved = bank_versions.publish(db, edited, based_on=latest.info.version, author="bench", note="q06: drift")
    db.dispose()
    return saved


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def regrade_run(
    url: str,
    n: int,
    *,
    workers: int = 2,
    concurrency: int = 32,
    grader: str = "llm",
    env: dict[str, str] | None = None,
    kill_one: bool = False,
    lease_s: float = 15,
    timeout_s: float = 3600,
    home: Path,
) -> RunFigures:
    """Seed, enqueue, run ``workers`` worker processes until the request is done, and count in the database."""
    from store.db import Database
    from store.job_queue import enqueue_regrade, progress
    from store.tables import GradingJob, ScreenGrade

    screen_id = seed_answers(url, n)
    version = rubric_change(url)
    db = Database(url)
    queued = enqueue_regrade(db, grader, screen_id=screen_id, bank=version)
    assert queued.added == n
    child_env = {
        **os.environ,
        **(env or {}),
        "DATABASE_URL": url,
        "INTERVIEW_GRADER_HOME": str(home),
        "INTERVIEW_GRADER_LEASE_SECONDS": f"{lease_s:g}",
        "INTERVIEW_GRADER_ONNX_THREADS": "1",
    }
    command = [str(Path(sys.executable).with_name("interview-grader")), "worker", "--concurrency", str(concurrency)]
    command += ["--interval", "0.2"]

    def start() -> subprocess.Popen[bytes]:
        with (home / f"worker-{time.time_ns()}.log").open("wb") as log:  # the child keeps its own handle
            return subprocess.Popen(command, env=child_env, stdout=log, stderr=subprocess.STDOUT)

    home.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    procs = [start() for _ in range(workers)]
    peak: dict[int, float] = {}
    killed = False
    try:
        while True:
            now = progress(db, queued.request_id)
            for p in procs:
                peak[p.pid] = max(peak.get(p.pid, 0.0), _rss_mb(p.pid))
            if now.finished:
                break
            if kill_one and not killed and now.done >= n // 3:
                procs[0].send_signal(signal.SIGKILL)  # mid-run, with jobs claimed and in flight
                procs[0].wait()
                procs[0] = start()
                killed = True
            if time.monotonic() - started > timeout_s:
                raise TimeoutError(f"the re-grade did not finish in {timeout_s:g} s: {now}")
            time.sleep(0.25)
        seconds = time.monotonic() - started
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
    of_request = select(GradingJob.grade_id).where(GradingJob.request_id == queued.request_id)
    with db.session() as s:
        jobs = s.execute(
            select(GradingJob.status, GradingJob.grade_id).where(GradingJob.request_id == queued.request_id)
        ).all()
        per_answer = s.execute(
            select(ScreenGrade.screen_answer_id, func.count())
            .where(ScreenGrade.id.in_(of_request))
            .group_by(ScreenGrade.screen_answer_id)
        ).all()
        results = s.scalars(select(ScreenGrade.result).where(ScreenGrade.id.in_(of_request)))
        by_new_version = sum(r.get("meta", {}).get("bank_version") == version.info.stamp for r in results)
        all_grades = s.scalar(
            select(func.count())
            .select_from(ScreenGrade)
            .join(GradingJob, GradingJob.screen_answer_id == ScreenGrade.screen_answer_id)
            .where(GradingJob.request_id == queued.request_id)
        )
    db.dispose()
    done = sum(1 for status, grade_id in jobs if status == "done" and grade_id is not None)
    return RunFigures(
        answers=n,
        workers=workers,
        concurrency=concurrency,
        grader=grader,
        killed_and_restarted=killed,
        seconds=round(seconds, 1),
        answers_per_s=round(n / seconds, 1),
        jobs_done=done,
        grades_added=int(all_grades or 0),
        lost=n - done,
        duplicated=int(all_grades or 0) - len(per_answer),
        peak_rss_mb=[round(v, 1) for v in peak.values()],
        by_new_version=by_new_version,
    )
