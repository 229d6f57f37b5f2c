"""Bulk re-grading through the job queue, on SQLite and a real PostgreSQL: a request becomes one job per
submitted answer, running it again grades nothing twice, a rubric change makes a new request, earlier grades
and overrides stay, an expired claim cannot store a grade, and workers claiming at once take disjoint jobs."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from grader.pipeline import Pipeline
from grader.service import offline_grader
from interview_grader.commands.regrade_command import progress_line
from rubric.editing import edited_question, points_text, with_question
from rubric.model import Bank
from screening import accounts, candidate, review, screens, worker
from screening.grading_worker import run_jobs
from store import bank_versions
from store.db import Database
from store.job_queue import QueueError, claim_jobs, enqueue_regrade, progress, store_result
from store.tables import GradingJob, ScreenAnswer, ScreenGrade, ScreenQuestion, utcnow

ANSWERS = (
    "I would stream card events through Kafka into a scoring service behind an API gateway, with Redis caching.",
    "The offline store keeps history for training and the online store serves features at inference time.",
)


def offline(kind: str) -> Pipeline:
    return offline_grader()


def _graded_screen(
    db: Database, bank: Bank, candidates: int = 3, *, from_bank: bool = False, custom: bool = False
) -> tuple[int, int]:
    """A screen of q06 and q11 (and a custom question) whose candidates all answered, graded once; (screen id,
    recruiter id)."""
    me = accounts.add_user(db, "rita@example.com", "Rita", "correct horse battery staple")
    questions = [bank.get("q06"), bank.get("q11")]
    if custom:
        questions.append(screens.custom_question(3, "How do you log decisions?", [("audit", "An audit log")]))
    screen_id = screens.create_screen(db, me.id, "ML", "", questions, from_bank=bank if from_bank else None)
    for n in range(candidates):
        info, _ = screens.invite(db, screen_id, f"Cand {n}", f"c{n}@example.com")
        candidate.consent(db, info.id)
        for text in ANSWERS[: len(questions)] + ("Every decision goes to an audit log.",) * (len(questions) - 2):
            q = candidate.current_question(db, info.id)
            assert q is not None
            candidate.submit(db, info.id, q.screen_question_id, f"{text} ({n})")
    worker.run_pending(db, offline)
    return screen_id, me.id


def _grades_per_answer(db: Database) -> dict[int, int]:
    with db.session() as s:
        return dict(
            s.execute(select(ScreenGrade.screen_answer_id, func.count()).group_by(ScreenGrade.screen_answer_id)).all()
        )


def test_a_regrade_adds_one_grade_per_answer_and_running_it_again_adds_none(db: Database, shipped_bank: Bank) -> None:
    screen_id, _ = _graded_screen(db, shipped_bank)
    assert set(_grades_per_answer(db).values()) == {1}
    queued = enqueue_regrade(db, "offline", screen_id=screen_id)
    assert (queued.total, queued.added) == (6, 6)
    assert progress(db, queued.request_id).waiting == 6

    tally = run_jobs(db, offline, concurrency=3)
    assert (tally.graded, tally.failed, tally.dropped) == (6, 0, 0)
    assert set(_grades_per_answer(db).values()) == {2}  # the earlier grade is kept beside the new one
    done = progress(db, queued.request_id)
    assert (done.total, done.done, done.finished) == (6, 6, True)
    with db.session() as s:
        grade_ids = list(s.scalars(select(GradingJob.grade_id)))
    assert len(set(grade_ids)) == 6 and None not in grade_ids

    again = enqueue_regrade(db, "offline", screen_id=screen_id)
    assert again.request_id == queued.request_id and (again.total, again.added) == (6, 0)
    assert run_jobs(db, offline).graded == 0
    assert set(_grades_per_answer(db).values()) == {2}


def test_a_rubric_change_is_a_new_request_and_overrides_are_kept(db: Database, shipped_bank: Bank) -> None:
    screen_id, me = _graded_screen(db, shipped_bank, candidates=1)
    with db.session() as s:
        answer_id = s.scalar(select(ScreenAnswer.id).order_by(ScreenAnswer.id))
    review.override(db, answer_id, "score", "55", "Reviewed by hand, fair.", me, "Rita")
    first = enqueue_regrade(db, "offline", screen_id=screen_id)
    run_jobs(db, offline)
    # the recruiter edits the rubric of q06 on this screen: a new point
    with db.session() as s:
        sq = s.scalars(select(ScreenQuestion).where(ScreenQuestion.screen_id == screen_id)).first()
        assert sq is not None
        edited = dict(sq.question)
        edited["points"] = [*sq.question["points"], {"id": "q06.9", "label": "audit log", "text": "Log decisions."}]
        s.execute(update(ScreenQuestion).where(ScreenQuestion.id == sq.id).values(question=edited))
    second = enqueue_regrade(db, "offline", screen_id=screen_id)
    assert second.request_id != first.request_id and second.added == 2
    assert run_jobs(db, offline).graded == 2
    assert _grades_per_answer(db)[answer_id] == 3
    view = review.candidates(db, screen_id, me)[0]
    kept = [o for a in view.answers for o in a.overrides]
    assert [(o.target, o.new_value, o.carried) for o in kept] == [("score", "55", True)]


def test_a_rubric_edit_saved_as_a_bank_version_is_graded_against_that_version(db: Database, shipped_bank: Bank) -> None:
    bank_versions.publish(db, shipped_bank, based_on=None, author="seed")
    screen_id, _ = _graded_screen(db, shipped_bank, candidates=2, from_bank=True, custom=True)
    q06 = shipped_bank.get("q06")
    edited = edited_question(q06, q06.text, points_text(q06) + "\naudit log | every decision is logged for audits")
    v2 = bank_versions.publish(db, with_question(shipped_bank, edited), based_on=1, author="ada")

    queued = enqueue_regrade(db, "offline", bank=v2)
    assert queued.scope == f"bank {shipped_bank.id} against version 2"
    assert queued.total == 4  # q06 and q11 for each candidate; the custom question is not the bank's
    assert run_jobs(db, offline).graded == 4
    with db.session() as s:
        newest = {
            g.screen_answer_id: g.result
            for g in s.scalars(select(ScreenGrade).order_by(ScreenGrade.id))  # the last grade per answer wins
        }
        asked = dict(s.execute(select(ScreenAnswer.id, ScreenQuestion.question).join(ScreenQuestion)).all())
    for answer_id, result in newest.items():
        qid = asked[answer_id]["id"]
        if qid == "q06":
            assert result["meta"]["bank_version"] == v2.info.stamp
            assert edited.points[-1].id in {v["point_id"] for v in result["points"]}
        elif qid == "q11":
            assert result["meta"]["bank_version"] == v2.info.stamp
        else:
            assert result["meta"]["bank_version"] == ""  # graded once, by the screen's own copy

    assert enqueue_regrade(db, "offline", bank=v2).added == 0  # the same request grades nothing twice
    screen_request = enqueue_regrade(db, "offline", screen_id=screen_id, bank=v2)
    assert screen_request.total == 6 and screen_request.scope.endswith("against version 2")
    with db.session() as s:
        carried = s.scalars(select(GradingJob.question).where(GradingJob.request_id == screen_request.request_id))
        assert sum(q is None for q in carried) == 2  # the custom question: the screen's copy


def test_a_screens_first_grades_name_the_bank_version_its_questions_came_from(db: Database, shipped_bank: Bank) -> None:
    _graded_screen(db, shipped_bank, candidates=1, from_bank=True, custom=True)
    with db.session() as s:
        graded = s.execute(
            select(ScreenQuestion.question, ScreenGrade.result)
            .join(ScreenAnswer, ScreenAnswer.screen_question_id == ScreenQuestion.id)
            .join(ScreenGrade, ScreenGrade.screen_answer_id == ScreenAnswer.id)
        ).all()
    stamps = {question["id"]: result["meta"]["bank_version"] for question, result in graded}
    assert stamps == {"q06": shipped_bank.version_stamp(), "q11": shipped_bank.version_stamp(), "custom-3": ""}


def test_a_question_request_covers_every_screen_that_asks_it(db: Database, shipped_bank: Bank) -> None:
    _graded_screen(db, shipped_bank, candidates=2)
    queued = enqueue_regrade(db, "offline", question_id="q11")
    assert queued.total == 2 and queued.scope == "question q11"
    with pytest.raises(QueueError, match="no submitted answers"):
        enqueue_regrade(db, "offline", question_id="q40")
    with pytest.raises(QueueError, match="name a screen, a question or a bank version"):
        enqueue_regrade(db, "offline")


def test_a_claim_whose_lease_ran_out_cannot_store_its_grade(db: Database, shipped_bank: Bank) -> None:
    screen_id, _ = _graded_screen(db, shipped_bank, candidates=1)
    enqueue_regrade(db, "offline", screen_id=screen_id)
    slow_worker = claim_jobs(db, 1)
    assert len(slow_worker) == 1
    assert claim_jobs(db, 5)[0].id != slow_worker[0].id  # a held job is not claimed again
    with db.session() as s:  # the slow worker's lease runs out
        s.execute(update(GradingJob).values(lease_until=utcnow() - timedelta(seconds=1)))
    taken_over = [j for j in claim_jobs(db, 5) if j.id == slow_worker[0].id]
    assert len(taken_over) == 1 and taken_over[0].token != slow_worker[0].token
    result = offline_grader().grade(shipped_bank.get("q06"), ANSWERS[0])
    before = sum(_grades_per_answer(db).values())
    assert not store_result(db, slow_worker[0], result)  # the old claim stores nothing
    assert store_result(db, taken_over[0], result)
    assert sum(_grades_per_answer(db).values()) == before + 1


def test_workers_claiming_at_once_take_disjoint_jobs(db: Database, shipped_bank: Bank) -> None:
    screen_id, _ = _graded_screen(db, shipped_bank, candidates=10)
    enqueue_regrade(db, "offline", screen_id=screen_id)
    claimed: list[list[int]] = [[], [], []]
    start = threading.Barrier(3)

    def claimer(n: int) -> None:
        start.wait()
        while batch := claim_jobs(db, 3):
            claimed[n].extend(j.id for j in batch)

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    every = [i for ids in claimed for i in ids]
    assert len(every) == len(set(every)) == 20


def test_progress_line_shows_the_rate_and_time_left() -> None:
    assert progress_line(250, 0, 1000, 250, 50.0) == f"[{'#' * 8}{'.' * 22}] 250/1,000 · 5.0/s · 2 min 30 s left   "
    assert progress_line(0, 0, 10, 0, 3.0).endswith("waiting for a worker   ")
    assert "2 failed" in progress_line(8, 2, 10, 8, 4.0) and progress_line(8, 2, 10, 8, 4.0).endswith("done   ")


@pytest.mark.slow  # two CLI processes that load the grader
def test_the_regrade_command_enqueues_grades_and_is_idempotent(tmp_path, shipped_bank: Bank) -> None:
    import os

    home = tmp_path / "home"
    env = {**os.environ, "INTERVIEW_GRADER_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    from config.settings import load_settings, use_settings

    with use_settings(load_settings(home=str(home))):
        db = Database()
        screen_id, _ = _graded_screen(db, shipped_bank, candidates=2)
        db.dispose()
    cli = [sys.executable, "-m", "interview_grader.cli", "regrade", "--screen", str(screen_id), "--work"]
    first = subprocess.run(cli, capture_output=True, text=True, env=env, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "4 answers queued" in first.stderr and "4/4" in first.stderr
    second = subprocess.run(cli, capture_output=True, text=True, env=env, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "0 answers queued, 4 already requested before" in second.stderr
    with use_settings(load_settings(home=str(home))):
        assert set(_grades_per_answer(Database()).values()) == {2}
    missing = subprocess.run([*cli[:-3], "--screen", "999", "--detach"], capture_output=True, text=True, env=env)
    assert missing.returncode != 0 and "screen 999 has no submitted answers" in missing.stderr
    unknown = subprocess.run([*cli[:-1], "--bank-version", "v9"], capture_output=True, text=True, env=env)
    assert unknown.returncode == 1 and "has no version 'v9'" in unknown.stderr


def test_processes_starting_together_on_a_new_postgresql_database_migrate_it_once(pg_url: str) -> None:
    """Replicas and workers of a new deployment open the database at the same moment: one migrates, the others
    wait and find it current (before the advisory lock, some failed on a duplicate alembic_version)."""
    import uuid

    from sqlalchemy import create_engine, text

    name = f"fresh_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = pg_url.rsplit("/", 1)[0] + f"/{name}"
    code = (
        "import sys, time\n"
        "from store.db import Database\n"
        "time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # every process starts at the same moment\n"
        "Database(sys.argv[1]).dispose()\n"
    )
    at = str(time.time() + 3)
    opened = [
        subprocess.Popen([sys.executable, "-c", code, url, at], stderr=subprocess.PIPE, text=True) for _ in range(6)
    ]
    finished = [(p.communicate(timeout=120)[1], p.returncode) for p in opened]
    errors = [err for err, code in finished if code != 0]
    try:
        assert errors == []
        check = create_engine(url)
        with check.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        check.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()
