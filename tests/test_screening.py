"""Screening on SQLite and on a real PostgreSQL: accounts, invites, the candidate flow, background grading,
review with overrides, exports and data protection."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from grader.base import GraderError
from grader.pipeline import Pipeline
from grader.service import offline_grader
from rubric.model import Bank
from screening import accounts, candidate, exports, review, screens, secrets_util, worker
from screening.data_protection import delete_candidate, purge_old_screens
from screening.screens import InviteError
from store import screen_queue
from store.db import Database
from store.tables import AuditEvent, Invite, Recruiter, RecruiterSession, Screen, ScreenAnswer, utcnow

PASSWORD = "correct horse battery staple"


def offline(kind: str) -> Pipeline:
    return offline_grader()


def _recruiter(db: Database, email: str = "rita@example.com") -> accounts.RecruiterInfo:
    return accounts.add_user(db, email, "Rita", PASSWORD)


def _screen(db: Database, bank: Bank, recruiter_id: int, ids: tuple[str, ...] = ("q06", "q11")) -> int:
    return screens.create_screen(db, recruiter_id, "ML screen", "Answer briefly.", [bank.get(i) for i in ids])


def _answer_all(db: Database, invite_id: int, answers: list[str]) -> None:
    candidate.consent(db, invite_id)
    for text_ in answers:
        q = candidate.current_question(db, invite_id)
        assert q is not None
        candidate.submit(db, invite_id, q.screen_question_id, text_)
    assert candidate.current_question(db, invite_id) is None


# -- accounts -----------------------------------------------------------------------------------------------


@pytest.mark.real_password_cost
def test_passwords_are_slow_salted_hashes_and_sessions_work(db: Database) -> None:
    me = _recruiter(db)
    with db.session() as s:
        stored = s.scalar(select(Recruiter.password_hash))
    assert stored.startswith("scrypt$32768$8$1$") and PASSWORD not in stored
    with pytest.raises(ValueError, match="exists already"):
        _recruiter(db)
    with pytest.raises(ValueError, match="12 characters"):
        accounts.add_user(db, "x@example.com", "X", "short")
    token = accounts.sign_in(db, "Rita@Example.com ", PASSWORD, "10.0.0.1")
    assert accounts.current_recruiter(db, token) == me
    with db.session() as s:
        assert s.get(RecruiterSession, token) is None  # only the hash is stored
    accounts.sign_out(db, token)
    assert accounts.current_recruiter(db, token) is None


def test_sessions_expire(db: Database) -> None:
    _recruiter(db)
    token = accounts.sign_in(db, "rita@example.com", PASSWORD)
    with db.session() as s:
        for row in s.scalars(select(RecruiterSession)):
            row.expires_at = utcnow() - timedelta(seconds=1)
    assert accounts.current_recruiter(db, token) is None
    assert accounts.current_recruiter(db, "not-a-token") is None and accounts.current_recruiter(db, None) is None


def test_brute_force_sign_in_is_rate_limited(db: Database) -> None:
    _recruiter(db)
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(accounts.AuthError, match="wrong e-mail or password"):
            accounts.sign_in(db, "rita@example.com", "guess-guess-guess", "10.0.0.2")
    with pytest.raises(accounts.AuthError, match="too many failed sign-ins"):
        accounts.sign_in(db, "rita@example.com", PASSWORD, "10.0.0.3")  # even the right password now
    with pytest.raises(accounts.AuthError, match="wrong e-mail or password"):
        accounts.sign_in(db, "nobody@example.com", PASSWORD, "10.0.0.4")  # unknown accounts say the same


def test_one_client_trying_many_accounts_is_rate_limited(db: Database) -> None:
    for n in range(accounts.MAX_FAILURES_PER_CLIENT):
        with pytest.raises(accounts.AuthError):
            accounts.sign_in(db, f"user{n}@example.com", "guess-guess-guess", "10.9.9.9")
    with pytest.raises(accounts.AuthError, match="too many"):
        accounts.sign_in(db, "another@example.com", "guess-guess-guess", "10.9.9.9")


# -- invites and the candidate ------------------------------------------------------------------------------


def test_invite_tokens_are_long_stored_hashed_and_open_only_their_screen(db: Database, shipped_bank: Bank) -> None:
    me = _recruiter(db)
    first = _screen(db, shipped_bank, me.id)
    second = _screen(db, shipped_bank, me.id, ("q09",))
    inv1, token1 = screens.invite(db, first, "Ann", "ann@example.com")
    inv2, token2 = screens.invite(db, second, "Bob", "bob@example.com")
    assert len(token1) >= 22 and token1 != token2  # 32 random bytes, base64url: 256 bits
    with db.session() as s:
        assert all(token1 not in row.token_hash for row in s.scalars(select(Invite)))
    assert screens.open_invite(db, token1).screen_id == first
    assert screens.open_invite(db, token2).screen_id == second
    # a token cannot answer another screen's questions
    candidate.consent(db, inv1.id)
    q1 = candidate.current_question(db, inv1.id)
    candidate.consent(db, inv2.id)
    q2 = candidate.current_question(db, inv2.id)
    assert q1 and q2
    with pytest.raises(KeyError):
        candidate.submit(db, inv1.id, q2.screen_question_id, "sneaky")


@pytest.mark.parametrize("token", ["", "x", "A" * 43, "A" * 500])
def test_wrong_tokens_open_nothing(db: Database, token: str) -> None:
    with pytest.raises(InviteError, match="not valid"):
        screens.open_invite(db, token)


def test_expired_and_revoked_links_are_refused(db: Database, shipped_bank: Bank) -> None:
    me = _recruiter(db)
    screen_id = _screen(db, shipped_bank, me.id)
    expired, expired_token = screens.invite(db, screen_id, "Old", "old@example.com")
    with db.session() as s:
        s.get(Invite, expired.id).expires_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(InviteError, match="expired"):
        screens.open_invite(db, expired_token)
    revoked, revoked_token = screens.invite(db, screen_id, "Gone", "gone@example.com")
    screens.revoke(db, revoked.id)
    with pytest.raises(InviteError, match="withdrawn"):
        screens.open_invite(db, revoked_token)


def test_nul_characters_never_reach_the_database(db: Database, shipped_bank: Bank) -> None:
    me = _recruiter(db)
    with pytest.raises(ValueError, match="NUL"):
        screens.create_screen(db, me.id, "ML\x00screen", "Answer.", [shipped_bank.get("q06")])
    inv, _ = screens.invite(db, _screen(db, shipped_bank, me.id), "Nel", "nel@example.com")
    candidate.consent(db, inv.id)
    q = candidate.current_question(db, inv.id)
    assert q is not None
    candidate.save_draft(db, inv.id, q.screen_question_id, "Kafka\x00 then a feature store")  # PostgreSQL refuses NUL
    assert candidate.current_question(db, inv.id).draft == "Kafka then a feature store"  # type: ignore[union-attr]


def test_candidate_flow_consent_drafts_resume_and_submit(db: Database, shipped_bank: Bank) -> None:
    me = _recruiter(db)
    screen_id = _screen(db, shipped_bank, me.id)
    inv, _ = screens.invite(db, screen_id, "Cat", "cat@example.com")
    assert candidate.current_question(db, inv.id) is None  # no questions before consent
    candidate.consent(db, inv.id)
    q = candidate.current_question(db, inv.id)
    assert q is not None and (q.position, q.total) == (1, 2)
    assert not hasattr(q, "points") and "Kafka" not in repr(q)  # the rubric never reaches the candidate
    candidate.save_draft(db, inv.id, q.screen_question_id, "half an answer")
    again = candidate.current_question(db, inv.id)  # closing the browser and coming back
    assert again is not None and again.draft == "half an answer" and again.screen_question_id == q.screen_question_id
    candidate.submit(db, inv.id, q.screen_question_id, "Stream the events through Kafka into the scorer.")
    candidate.submit(db, inv.id, q.screen_question_id, "A second submit is ignored.")
    candidate.save_draft(db, inv.id, q.screen_question_id, "late draft changes nothing")
    with db.session() as s:
        row = s.scalar(select(ScreenAnswer).where(ScreenAnswer.screen_question_id == q.screen_question_id))
        assert row.answer == "Stream the events through Kafka into the scorer." and row.status == "pending"
    second = candidate.current_question(db, inv.id)
    assert second is not None and second.position == 2


# -- grading in the background ------------------------------------------------------------------------------


def test_background_grading_retries_failures_and_reclaims_expired_leases(db: Database, shipped_bank: Bank) -> None:
    me = _recruiter(db)
    screen_id = _screen(db, shipped_bank, me.id)
    inv, _ = screens.invite(db, screen_id, "Dan", "dan@example.com")
    _answer_all(
        db,
        inv.id,
        [
            "I would stream card events through Kafka into the scoring service.",
            "The offline store holds history for training; the online store serves live inference.",
        ],
    )

    def broken(kind: str) -> Pipeline:
        raise GraderError("LLM grading failed (timeout): the model did not answer")

    assert worker.run_pending(db, broken) == 2
    view = review.candidate(db, inv.id, me.id)
    assert [a.status for a in view.answers] == ["failed", "failed"] and view.status == "failed"
    assert worker.run_pending(db, offline) == 0  # not due yet: backoff
    with db.session() as s:
        for row in s.scalars(select(ScreenAnswer)):
            row.next_try_at = utcnow() - timedelta(seconds=1)
    assert worker.run_pending(db, offline) == 2
    view = review.candidate(db, inv.id, me.id)
    assert [a.status for a in view.answers] == ["graded", "graded"] and view.status == "graded"
    assert view.answers[0].grade is not None and view.answers[0].grade.points[0].verdict == "covered"

    # a worker that died mid-grade leaves a lease; it expires and the answer is graded again, once
    with db.session() as s:
        row = s.scalars(select(ScreenAnswer)).first()
        row.status, row.lease_until = "grading", utcnow() - timedelta(seconds=1)
    assert screen_queue.claim_next(db) is not None
    assert screen_queue.claim_next(db) is None  # claimed once, not twice


# -- review, overrides, exports -----------------------------------------------------------------------------


def test_review_overrides_are_an_append_only_trail(db: Database, shipped_bank: Bank) -> None:
    me = _recruiter(db)
    screen_id = _screen(db, shipped_bank, me.id)
    inv, _ = screens.invite(db, screen_id, "Eve", "eve@example.com")
    _answer_all(
        db,
        inv.id,
        [
            "I would stream card events through Kafka into the scoring service.",
            "The online store keeps history for training.",
        ],
    )
    worker.run_pending(db, offline)
    view = review.candidate(db, inv.id, me.id)
    q11 = view.answers[1]
    assert q11.effective_verdicts() == {"q11.1": "contradicted", "q11.2": "missed"}
    with pytest.raises(review.ReviewError, match="reason"):
        review.override(db, q11.answer_id, "q11.1", "covered", "", me.id, me.name)
    with pytest.raises(review.ReviewError, match="covered, partial, missed or contradicted"):
        review.override(db, q11.answer_id, "q11.1", "brilliant", "a long enough reason", me.id, me.name)
    review.override(
        db, q11.answer_id, "q11.1", "partial", "History for training is right, just on the wrong store.", me.id, me.name
    )
    review.override(db, q11.answer_id, "score", "30", "Some credit for knowing what history is for.", me.id, me.name)
    view = review.candidate(db, inv.id, me.id)
    q11 = view.answers[1]
    assert q11.effective_verdicts()["q11.1"] == "partial"
    assert q11.effective_score() == 30 and q11.grade is not None and q11.grade.score == 0
    assert [(o.target, o.old_value, o.new_value, o.reviewer) for o in q11.overrides] == [
        ("q11.1", "contradicted", "partial", "Rita"),
        ("score", "25", "30", "Rita"),
    ]
    # re-grading keeps the earlier grade, and the reviewer's overrides are carried onto the new one
    question, answer = review.screen_question(db, q11.answer_id)
    review.regrade(db, q11.answer_id, offline_grader().grade(question, answer))
    view = review.candidate(db, inv.id, me.id)
    q11 = view.answers[1]
    assert len(q11.grades) == 2
    assert [(o.target, o.new_value, o.carried) for o in q11.overrides] == [
        ("q11.1", "partial", True),
        ("score", "30", True),
    ]
    assert q11.effective_verdicts()["q11.1"] == "partial" and q11.effective_score() == 30
    # a new override on the new grade starts from the carried value
    with pytest.raises(review.ReviewError, match="already the value"):
        review.override(db, q11.answer_id, "q11.1", "partial", "Still partial after the re-grade.", me.id, me.name)
    # every export shows who, when, old, new and why, and that it was carried
    md_report = exports.candidate_report(db, inv.id, "md").decode()
    assert "Rita: offline: training/historical contradicted → partial (made on an earlier grade" in md_report
    assert "Reason: History for training is right" in md_report and "Score 30/100 (the grader said 0)" in md_report
    record = json.loads(exports.screen_json(db, screen_id))["candidates"][0]["answers"][1]
    assert [
        (o["reviewer"], o["old_value"], o["new_value"], o["carried_from_earlier_grade"]) for o in record["overrides"]
    ] == [
        ("Rita", "contradicted", "partial", True),
        ("Rita", "25", "30", True),
    ]
    assert record["effective_score"] == 30
    csv_rows = list(csv.DictReader(io.StringIO(exports.screen_csv(db, screen_id))))
    assert "Reason: Some credit for knowing" in csv_rows[1]["override_details"] and csv_rows[1]["score"] == "30"
    names, columns, matrix = review.heatmap(review.candidates(db, screen_id, me.id))
    assert names == ["Eve"] and len(columns) == 7 and matrix[0][0] == "covered"


def test_an_answer_the_grader_did_not_grade_is_not_graded_everywhere_never_zero(
    db: Database, shipped_bank: Bank
) -> None:
    me = _recruiter(db)
    screen_id = _screen(db, shipped_bank, me.id)
    inv, _ = screens.invite(db, screen_id, "Ida", "ida@example.com")
    _answer_all(db, inv.id, ["I would stream card events through Kafka into the scoring service.", "Idk"])
    worker.run_pending(db, offline)
    view = review.candidate(db, inv.id, me.id)
    graded, idk = view.answers
    assert idk.grade is not None and idk.grade.abstained and idk.not_graded
    assert idk.effective_score() is None and idk.effective_verdicts() == {}
    assert review.grade_line(idk).startswith("not graded (")
    # the average is the graded answer's score alone, not pulled down by a 0
    assert view.score == graded.effective_score() and graded.effective_score() is not None
    _, _, matrix = review.heatmap([view])
    q11_cells = matrix[0][len(graded.question.points) :]
    assert q11_cells and set(q11_cells) == {""}  # grey "not graded" cells, not "missed"
    md_report = exports.candidate_report(db, inv.id, "md").decode()
    assert "Not graded (" in md_report and "Score 0/100" not in md_report
    rows = list(csv.DictReader(io.StringIO(exports.screen_csv(db, screen_id))))
    assert rows[1]["score"] == "" and rows[1]["grading"].startswith("not graded: ")
    assert json.loads(exports.screen_json(db, screen_id))["candidates"][0]["answers"][1]["not_graded_reason"]
    # a reviewer who grades it by hand makes it count
    review.override(db, idk.answer_id, "score", "10", "Asked in the call, knew a little.", me.id, me.name)
    view = review.candidate(db, inv.id, me.id)
    assert view.answers[1].effective_score() == 10 and view.score == round((graded.effective_score() + 10) / 2, 1)


def test_review_is_only_for_the_screens_owner(db: Database, shipped_bank: Bank) -> None:
    owner = _recruiter(db)
    other = _recruiter(db, "other@example.com")
    screen_id = _screen(db, shipped_bank, owner.id)
    inv, _ = screens.invite(db, screen_id, "Fay", "fay@example.com")
    with pytest.raises(review.ReviewError):
        review.candidates(db, screen_id, other.id)
    with pytest.raises(review.ReviewError):
        review.candidate(db, inv.id, other.id)


def test_exports_escape_markup_and_neutralise_formulas(db: Database, shipped_bank: Bank) -> None:
    me = _recruiter(db)
    screen_id = _screen(db, shipped_bank, me.id)
    inv, _ = screens.invite(db, screen_id, '=HYPERLINK("http://evil")', "gus@example.com")
    _answer_all(
        db,
        inv.id,
        [
            '=cmd|"/c calc"!A1 <script>alert(1)</script> Kafka streams events to the scorer.',
            "+SUM(A1:A9) the online store serves real-time inference",
        ],
    )
    worker.run_pending(db, offline)
    md = exports.candidate_report(db, inv.id, "md").decode()
    assert "<script>" not in md and "\\<script\\>" in md
    pdf = exports.candidate_report(db, inv.id, "pdf")
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1000
    rows = list(csv.DictReader(io.StringIO(exports.screen_csv(db, screen_id))))
    assert rows[0]["candidate"].startswith("'=HYPERLINK")
    assert rows[0]["answer"].startswith("'=cmd|") and rows[1]["answer"].startswith("'+SUM")
    payload = json.loads(exports.screen_json(db, screen_id))
    assert payload["candidates"][0]["answers"][0]["grades"][0]["meta"]["grader"] == "offline"


def test_deleting_a_candidate_leaves_only_a_log_line_without_their_data(
    db: Database, shipped_bank: Bank, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    me = _recruiter(db)
    screen_id = _screen(db, shipped_bank, me.id)
    inv, _ = screens.invite(db, screen_id, "Hana Privatename", "hana@example.com")
    secret_answer = "My distinctive answer mentions Kafka streams and zebra-unicorn-42."
    _answer_all(db, inv.id, [secret_answer, "The online store serves real-time inference."])
    worker.run_pending(db, offline)
    assert delete_candidate(db, inv.id, actor="test") == 2
    with db.session() as s:
        assert s.scalar(select(Invite).where(Invite.id == inv.id)) is None
        assert list(s.scalars(select(ScreenAnswer))) == []
        events = list(s.scalars(select(AuditEvent)))
    assert any(e.action == "candidate.deleted" and "2 answers" in e.detail for e in events)
    everything = " ".join(f"{e.actor} {e.action} {e.subject} {e.detail}" for e in events) + caplog.text
    for private in ("Hana", "Privatename", "hana@example.com", "zebra-unicorn-42"):
        assert private not in everything


def test_retention_purges_old_screens(db: Database, shipped_bank: Bank) -> None:
    me = _recruiter(db)
    old = _screen(db, shipped_bank, me.id)
    new = _screen(db, shipped_bank, me.id)
    screens.invite(db, old, "Ivy", "ivy@example.com")
    with db.session() as s:
        s.get(Screen, old).created_at = utcnow() - timedelta(days=400)
    assert purge_old_screens(db, days=365) == 1
    with db.session() as s:
        assert s.get(Screen, old) is None and s.get(Screen, new) is not None
        assert list(s.scalars(select(Invite))) == []


def test_a_handoff_code_is_traded_once_for_a_new_session_and_is_no_session_itself(db: Database) -> None:
    me = _recruiter(db)
    token = accounts.sign_in(db, "rita@example.com", PASSWORD)
    code = accounts.handoff_code(db, token)
    assert accounts.current_recruiter(db, code) is None  # the code is not a session token
    assert accounts.current_recruiter(db, "handoff:" + code) is None
    cookie_token = accounts.redeem_handoff(db, code)
    assert cookie_token and cookie_token != token
    assert accounts.current_recruiter(db, cookie_token) == me
    assert accounts.redeem_handoff(db, code) is None  # once only
    assert accounts.redeem_handoff(db, "nonsense") is None and accounts.redeem_handoff(db, "") is None
    with pytest.raises(accounts.AuthError):
        accounts.handoff_code(db, "not-a-session")
    late = accounts.handoff_code(db, token)
    with db.session() as s:
        row = s.get(RecruiterSession, secrets_util.token_hash("handoff:" + late))
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
    assert accounts.redeem_handoff(db, late) is None  # expired
    accounts.sign_out(db, cookie_token)
    assert accounts.current_recruiter(db, cookie_token) is None


def test_the_cookie_routes_only_redirect_within_the_site() -> None:
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from ui.web_routes import COOKIE, routes

    client = TestClient(Starlette(routes=routes()), follow_redirects=False)
    for target, expected in (("/screens", "/screens"), ("//evil.example/x", "/"), ("https://evil.example", "/")):
        response = client.get("/auth/session", params={"code": "unknown", "next": target})
        assert response.status_code == 303 and response.headers["location"] == expected
        assert COOKIE not in response.cookies  # an unknown code sets nothing


def test_the_pdf_report_shapes_rtl_text_marks_missing_glyphs_and_matches_the_table(
    db: Database, shipped_bank: Bank
) -> None:
    import pypdf

    me = _recruiter(db)
    screen_id = _screen(db, shipped_bank, me.id)
    inv, _ = screens.invite(db, screen_id, "Noor نور", "noor@example.com")
    _answer_all(
        db,
        inv.id,
        [
            "I would stream card events through Kafka into the scoring service 🚀 and serve the model from Triton.",
            "The online store serves features for real-time inference. שלום",
        ],
    )
    worker.run_pending(db, offline)
    view = review.candidate(db, inv.id, me.id)
    first = view.answers[0]
    point = next(p.point_id for p in first.grade.points if p.verdict == "missed")  # type: ignore[union-attr]
    review.override(db, first.answer_id, point, "partial", "Mentioned it in the call afterwards.", me.id, me.name)
    view = review.candidate(db, inv.id, me.id)
    reader = pypdf.PdfReader(io.BytesIO(exports.candidate_report(db, inv.id, "pdf", me.id)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "[U+1F680]" in text  # the rocket has no glyph: named, not dropped
    assert "page 1/" in text  # page numbers
    assert f"Score: {exports.score_text(view.score)}." in text  # the same rounded score as the table
    assert "covered / partial / missed" in text  # the summary table
    assert "Rita" in text and "Mentioned it in the call afterwards." in text  # the override and its reviewer
    # Right-to-left text is shaped: it reads back in its own order (unshaped, fpdf2 writes "םולש" and "رون")
    assert "שלום" in text and "نور" in text


def test_a_candidate_the_grader_graded_nothing_of_reads_not_graded(db: Database, shipped_bank: Bank) -> None:
    me = _recruiter(db)
    screen_id = _screen(db, shipped_bank, me.id)
    inv, _ = screens.invite(db, screen_id, "Dan", "dan@example.com")
    _answer_all(db, inv.id, ["Idk", "Idk"])
    worker.run_pending(db, offline)
    view = review.candidate(db, inv.id, me.id)
    assert view.status == "not graded" and view.score is None
    assert view.status in review.STATUSES


def test_the_pdf_shaping_library_and_the_local_llm_server_load_in_one_process() -> None:
    """uharfbuzz 0.57.0 and xllamacpp were built with Cython versions whose shared types clash: once a PDF was
    made, starting a local GGUF server in the same app process failed."""
    import subprocess
    import sys

    for order in ("import uharfbuzz, xllamacpp", "import xllamacpp, uharfbuzz"):
        done = subprocess.run([sys.executable, "-c", order], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-500:]
