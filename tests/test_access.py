"""Access: who may open what. Recruiter sessions (missing, forged, revoked, expired), candidate links (wrong,
expired, withdrawn, for another screen), a candidate's answers (only their own), a recruiter's screens, answers
and exports (only their own), and rate limits on links and sign-in that hold in the database.

The functions are tested on SQLite and PostgreSQL; the pages with Streamlit's AppTest (the app's own database
in the test data home). Every refusal is checked to have changed nothing, and every refused call is also made
by someone who is allowed, so a refusal cannot pass just because the function is broken.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from streamlit.testing.v1 import AppTest

from grader.pipeline import Pipeline
from grader.service import offline_grader
from rubric.model import Bank
from screening import accounts, candidate, exports, limits, review, screens, worker
from screening.candidate import QuestionError
from screening.data_protection import delete_candidate
from screening.limits import RateLimited
from screening.review import ReviewError
from screening.screens import InviteError
from screening.secrets_util import new_token, pseudonym, token_hash
from store.db import Database
from store.tables import (
    AuditEvent,
    Invite,
    LoginAttempt,
    Override,
    RateEvent,
    Recruiter,
    RecruiterSession,
    ScreenAnswer,
    ScreenGrade,
    utcnow,
)

PASSWORD = "correct horse battery staple"
APP = str(Path(__file__).resolve().parents[1] / "app.py")


def offline(kind: str) -> Pipeline:
    return offline_grader()


def _recruiter(db: Database, email: str = "rita@example.com", name: str = "Rita") -> accounts.RecruiterInfo:
    return accounts.add_user(db, email, name, PASSWORD)


def _screen(
    db: Database, bank: Bank, recruiter_id: int, ids: tuple[str, ...] = ("q06", "q11"), title: str = "ML"
) -> int:
    return screens.create_screen(db, recruiter_id, title, "Answer briefly.", [bank.get(i) for i in ids])


def _at_first_question(db: Database, invite_id: int, draft: str = "") -> int:
    candidate.consent(db, invite_id)
    q = candidate.current_question(db, invite_id)
    assert q is not None and q.position == 1
    if draft:
        candidate.save_draft(db, invite_id, q.screen_question_id, draft)
    return q.screen_question_id


def _rows(db: Database, invite_id: int) -> dict[int, tuple[str, str | None, bool]]:
    """An invite's answer rows: screen question id -> (draft, answer, submitted)."""
    with db.session() as s:
        rows = s.scalars(select(ScreenAnswer).where(ScreenAnswer.invite_id == invite_id))
        return {r.screen_question_id: (r.draft, r.answer, r.submitted_at is not None) for r in rows}


def _shift_clock(monkeypatch: pytest.MonkeyPatch, module: object, by: timedelta) -> None:
    """Move a module's clock forward (instead of sleeping through a rate-limit window)."""
    monkeypatch.setattr(module, "utcnow", lambda: datetime.now(UTC) + by)


def _minutes(message: str) -> int:
    found = re.search(r"try again in (\d+) minutes?", message)
    assert found, message
    return int(found.group(1))


# -- recruiter sessions -------------------------------------------------------------------------------------


def test_only_the_real_session_token_opens_a_recruiter_session(db: Database, shipped_bank: Bank) -> None:
    me = _recruiter(db)
    token = accounts.sign_in(db, me.email, PASSWORD)
    _, invite_token = screens.invite(db, _screen(db, shipped_bank, me.id), "Ann", "ann@example.com")
    with db.session() as s:
        stored = s.scalar(select(RecruiterSession.token_hash))
    last = "A" if token[-1] != "A" else "B"
    forged = {
        "the stored hash (a database leak)": stored,
        "last character changed": token[:-1] + last,
        "truncated": token[:-1],
        "padded": token + " ",
        "upper-cased": token.upper(),
        "a candidate's invite token": invite_token,
        "a fresh random token": new_token(),
        "a token-shaped string": "A" * 43,
        "empty": "",
    }
    assert accounts.current_recruiter(db, token) == me
    opened = {name: accounts.current_recruiter(db, value) for name, value in forged.items()}
    assert opened == dict.fromkeys(forged)


def test_signed_out_expired_and_deleted_accounts_sessions_are_refused(db: Database) -> None:
    me = _recruiter(db)
    kept, signed_out, expired = (accounts.sign_in(db, me.email, PASSWORD) for _ in range(3))
    accounts.sign_out(db, signed_out)
    accounts.sign_out(db, "a forged token")  # changes nothing
    with db.session() as s:
        s.get(RecruiterSession, token_hash(expired)).expires_at = utcnow()  # expiring right now is expired
    assert accounts.current_recruiter(db, signed_out) is None
    assert accounts.current_recruiter(db, expired) is None
    assert accounts.current_recruiter(db, kept) == me  # one sign-out ends one session, not the others
    with db.session() as s:  # an administrator removes the account: its sessions end with it
        s.delete(s.get(Recruiter, me.id))
    assert accounts.current_recruiter(db, kept) is None


# -- candidate links ----------------------------------------------------------------------------------------


def test_near_misses_and_other_secrets_open_no_invite(db: Database, shipped_bank: Bank) -> None:
    me = _recruiter(db)
    inv, token = screens.invite(db, _screen(db, shipped_bank, me.id), "Ann", "ann@example.com")
    session_token = accounts.sign_in(db, me.email, PASSWORD)
    with db.session() as s:
        stored = s.scalar(select(Invite.token_hash))
    last = "A" if token[-1] != "A" else "B"
    wrong = {
        "last character changed": token[:-1] + last,
        "first half": token[:22],
        "padded": token + "=",
        "leading space": " " + token,
        "upper-cased": token.upper(),
        "the stored hash": stored,
        "the recruiter's session token": session_token,
        "None": None,
    }
    refused = {}
    for name, value in wrong.items():
        with pytest.raises(InviteError) as err:
            screens.open_invite(db, value)
        refused[name] = str(err.value)
    assert refused == dict.fromkeys(wrong, "this link is not valid")
    assert screens.open_invite(db, token).id == inv.id


@pytest.mark.parametrize("closed", ["withdrawn", "expired"])
def test_a_closed_link_refuses_every_candidate_function(db: Database, shipped_bank: Bank, closed: str) -> None:
    """A page opened before the link was withdrawn (or expired) cannot keep writing through it."""
    me = _recruiter(db)
    inv, _ = screens.invite(db, _screen(db, shipped_bank, me.id), "Ann", "ann@example.com")
    sq = _at_first_question(db, inv.id, "written before")
    before = _rows(db, inv.id)
    if closed == "withdrawn":
        screens.revoke(db, inv.id)
    else:
        with db.session() as s:
            s.get(Invite, inv.id).expires_at = utcnow() - timedelta(seconds=1)
    calls: dict[str, Callable[[], object]] = {
        "consent": lambda: candidate.consent(db, inv.id),
        "current_question": lambda: candidate.current_question(db, inv.id),
        "save_draft": lambda: candidate.save_draft(db, inv.id, sq, "written after"),
        "submit": lambda: candidate.submit(db, inv.id, sq, "submitted after"),
    }
    for name, call in calls.items():
        with pytest.raises(InviteError, match=closed):
            call()
        assert _rows(db, inv.id) == before, name


def test_unknown_invites_are_refused_not_ignored(db: Database, shipped_bank: Bank) -> None:
    me = _recruiter(db)
    inv, _ = screens.invite(db, _screen(db, shipped_bank, me.id), "Ann", "ann@example.com")
    sq = _at_first_question(db, inv.id)
    missing = inv.id + 1000
    for call in (
        lambda: candidate.consent(db, missing),
        lambda: candidate.current_question(db, missing),
        lambda: candidate.save_draft(db, missing, sq, "x"),
        lambda: candidate.submit(db, missing, sq, "x"),
    ):
        with pytest.raises(InviteError, match="not valid"):
            call()
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(ScreenAnswer)) == 1


# -- a candidate's answers are their own --------------------------------------------------------------------


def test_a_link_cannot_write_another_screens_or_an_unreached_question(db: Database, shipped_bank: Bank) -> None:
    me = _recruiter(db)
    first = _screen(db, shipped_bank, me.id)
    second = _screen(db, shipped_bank, me.id, ("q09", "q10"))
    ann, _ = screens.invite(db, first, "Ann", "ann@example.com")
    bob, _ = screens.invite(db, second, "Bob", "bob@example.com")
    ann_q1 = _at_first_question(db, ann.id, "Ann's draft")
    bob_q1 = _at_first_question(db, bob.id, "Bob's private draft")
    ann_q2 = screens.screen(db, first).questions[1][0]  # exists, but Ann has not reached it
    ann_before, bob_before = _rows(db, ann.id), _rows(db, bob.id)
    attempts = {
        "draft into the other screen's question": lambda: candidate.save_draft(db, ann.id, bob_q1, "overwrite"),
        "submit into the other screen's question": lambda: candidate.submit(db, ann.id, bob_q1, "overwrite"),
        "draft into an unreached question": lambda: candidate.save_draft(db, ann.id, ann_q2, "skip ahead"),
        "submit an unreached question": lambda: candidate.submit(db, ann.id, ann_q2, "skip ahead"),
        "a question id that does not exist": lambda: candidate.submit(db, ann.id, ann_q2 + 1000, "x"),
    }
    for name, attempt in attempts.items():
        with pytest.raises(QuestionError, match="not open for this link"):
            attempt()
        assert (_rows(db, ann.id), _rows(db, bob.id)) == (ann_before, bob_before), name
    # the same calls on Ann's own current question work
    candidate.submit(db, ann.id, ann_q1, "Ann's answer")
    assert _rows(db, ann.id)[ann_q1] == ("Ann's answer", "Ann's answer", True)


def test_candidates_on_one_screen_only_ever_touch_their_own_answers(db: Database, shipped_bank: Bank) -> None:
    me = _recruiter(db)
    screen_id = _screen(db, shipped_bank, me.id)
    ann, _ = screens.invite(db, screen_id, "Ann", "ann@example.com")
    bob, _ = screens.invite(db, screen_id, "Bob", "bob@example.com")
    sq = _at_first_question(db, bob.id, "Bob's private draft")
    assert _at_first_question(db, ann.id) == sq  # the same screen question, two answer rows
    q = candidate.current_question(db, ann.id)
    assert q is not None and q.draft == ""  # Ann never sees Bob's draft
    candidate.save_draft(db, ann.id, sq, "Ann's draft")
    candidate.submit(db, ann.id, sq, "Ann's answer")
    assert _rows(db, bob.id) == {sq: ("Bob's private draft", None, False)}
    bob_q = candidate.current_question(db, bob.id)
    assert bob_q is not None and (bob_q.screen_question_id, bob_q.draft) == (sq, "Bob's private draft")
    assert _rows(db, ann.id)[sq] == ("Ann's answer", "Ann's answer", True)


# -- a recruiter's screens, answers and exports are their own -----------------------------------------------


@dataclass(frozen=True)
class Owned:
    owner: int
    screen_id: int
    invite_id: int
    answer_id: int


def _owned_graded_candidate(db: Database, bank: Bank) -> tuple[Owned, int]:
    owner = _recruiter(db, "owner@example.com", "Owner")
    other = _recruiter(db, "other@example.com", "Other")
    screen_id = _screen(db, bank, owner.id, ("q06",), title="Owner's private screen")
    inv, _ = screens.invite(db, screen_id, "Cleo Private", "cleo@example.com")
    sq = _at_first_question(db, inv.id)
    candidate.submit(db, inv.id, sq, "I would stream card events through Kafka into the scoring service.")
    assert worker.run_pending(db, offline) == 1
    with db.session() as s:
        answer_id = s.scalar(select(ScreenAnswer.id).where(ScreenAnswer.invite_id == inv.id))
    return Owned(owner.id, screen_id, inv.id, answer_id), other.id


def _regrade(db: Database, o: Owned, recruiter_id: int) -> None:
    question, answer = review.screen_question(db, o.answer_id)  # as an administrator
    review.regrade(db, o.answer_id, offline_grader().grade(question, answer), recruiter_id)


RECRUITER_CALLS: dict[str, Callable[[Database, Owned, int], object]] = {
    "screen": lambda db, o, r: screens.screen(db, o.screen_id, r),
    "list invites": lambda db, o, r: screens.invites_of(db, o.screen_id, r),
    "invite a candidate": lambda db, o, r: screens.invite(db, o.screen_id, "Plant", "p@example.com", recruiter_id=r),
    "revoke a link": lambda db, o, r: screens.revoke(db, o.invite_id, recruiter_id=r),
    "candidates table": lambda db, o, r: review.candidates(db, o.screen_id, r),
    "one candidate": lambda db, o, r: review.candidate(db, o.invite_id, r),
    "answer text": lambda db, o, r: review.screen_question(db, o.answer_id, r),
    "override": lambda db, o, r: review.override(db, o.answer_id, "score", "99", "a long reason", r, "Someone"),
    "re-grade": _regrade,
    "export CSV": lambda db, o, r: exports.screen_csv(db, o.screen_id, r),
    "export JSON": lambda db, o, r: exports.screen_json(db, o.screen_id, r),
    "report Markdown": lambda db, o, r: exports.candidate_report(db, o.invite_id, "md", r),
    "report PDF": lambda db, o, r: exports.candidate_report(db, o.invite_id, "pdf", r),
    "delete the candidate": lambda db, o, r: delete_candidate(db, o.invite_id, actor="x", recruiter_id=r),
}


def _state(db: Database) -> tuple[object, ...]:
    """Everything a recruiter call could change."""
    with db.session() as s:
        return (
            [(i.id, i.revoked_at) for i in s.scalars(select(Invite).order_by(Invite.id))],
            s.scalar(select(func.count()).select_from(ScreenAnswer)),
            s.scalar(select(func.count()).select_from(ScreenGrade)),
            s.scalar(select(func.count()).select_from(Override)),
        )


@pytest.mark.parametrize("call", list(RECRUITER_CALLS))
def test_another_recruiter_is_refused(db: Database, shipped_bank: Bank, call: str) -> None:
    owned, other = _owned_graded_candidate(db, shipped_bank)
    before = _state(db)
    with pytest.raises((KeyError, ReviewError)) as err:
        RECRUITER_CALLS[call](db, owned, other)
    assert "Cleo" not in str(err.value) and "Kafka" not in str(err.value)
    assert _state(db) == before
    RECRUITER_CALLS[call](db, owned, owned.owner)  # the owner may
    assert screens.screens_of(db, other) == []


def test_refusals_do_not_tell_another_recruiters_screen_from_a_missing_one(db: Database, shipped_bank: Bank) -> None:
    owned, other = _owned_graded_candidate(db, shipped_bank)
    missing = owned.screen_id + 1000
    for call in (screens.screen, screens.invites_of, exports.screen_csv):
        with pytest.raises((KeyError, ReviewError)) as theirs:
            call(db, owned.screen_id, other)
        with pytest.raises((KeyError, ReviewError)) as nothing:
            call(db, missing, other)
        assert str(theirs.value).replace(str(owned.screen_id), "N") == str(nothing.value).replace(str(missing), "N")


# -- rate limits --------------------------------------------------------------------------------------------


def test_draft_saves_are_limited_per_invite_and_a_refused_save_changes_nothing(
    db: Database, shipped_bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = _recruiter(db)
    screen_id = _screen(db, shipped_bank, me.id)
    ann, _ = screens.invite(db, screen_id, "Ann", "ann@example.com")
    bob, _ = screens.invite(db, screen_id, "Bob", "bob@example.com")
    sq = _at_first_question(db, ann.id)
    _at_first_question(db, bob.id)
    for n in range(limits.DRAFT_SAVES.max_events):
        candidate.save_draft(db, ann.id, sq, f"draft {n}")
    with pytest.raises(RateLimited, match="too many attempts, try again in 1 minute") as err:
        candidate.save_draft(db, ann.id, sq, "the refused draft")
    assert _rows(db, ann.id)[sq][0] == f"draft {limits.DRAFT_SAVES.max_events - 1}"
    candidate.save_draft(db, bob.id, sq, "Bob is not limited by Ann")
    assert _rows(db, bob.id)[sq][0] == "Bob is not limited by Ann"
    _shift_clock(monkeypatch, limits, timedelta(minutes=_minutes(str(err.value))))
    candidate.save_draft(db, ann.id, sq, "saved after the wait")
    assert _rows(db, ann.id)[sq][0] == "saved after the wait"


def test_submits_are_limited_per_invite(db: Database, shipped_bank: Bank, monkeypatch: pytest.MonkeyPatch) -> None:
    me = _recruiter(db)
    ann, _ = screens.invite(db, _screen(db, shipped_bank, me.id), "Ann", "ann@example.com")
    q1 = _at_first_question(db, ann.id)
    for _ in range(limits.SUBMITS.max_events):  # the first submits, the rest are repeats (ignored, but counted)
        candidate.submit(db, ann.id, q1, "First answer about Kafka.")
    q2 = candidate.current_question(db, ann.id)
    assert q2 is not None and q2.position == 2
    with pytest.raises(RateLimited, match="try again in 1 minute") as err:
        candidate.submit(db, ann.id, q2.screen_question_id, "Second answer.")
    assert _rows(db, ann.id)[q2.screen_question_id] == ("", None, False)
    _shift_clock(monkeypatch, limits, timedelta(minutes=_minutes(str(err.value))))
    candidate.submit(db, ann.id, q2.screen_question_id, "Second answer.")
    assert _rows(db, ann.id)[q2.screen_question_id] == ("Second answer.", "Second answer.", True)


def test_wrong_invite_tokens_are_limited_per_client(
    db: Database, shipped_bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = _recruiter(db)
    screen_id = _screen(db, shipped_bank, me.id)
    inv, token = screens.invite(db, screen_id, "Ann", "ann@example.com")
    gone, gone_token = screens.invite(db, screen_id, "Gus", "gus@example.com")
    screens.revoke(db, gone.id)
    for _ in range(limits.WRONG_INVITE_TOKENS.max_events + 5):  # real but withdrawn links are not guesses
        with pytest.raises(InviteError, match="withdrawn"):
            screens.open_invite(db, gone_token, client="198.51.100.7")
    for _ in range(limits.WRONG_INVITE_TOKENS.max_events):
        with pytest.raises(InviteError, match="not valid"):
            screens.open_invite(db, new_token(), client="198.51.100.7")
    with pytest.raises(RateLimited, match="too many attempts, try again in 15 minutes") as err:
        screens.open_invite(db, token, client="198.51.100.7")  # even the right token, or guessing goes on
    assert screens.open_invite(db, token, client="198.51.100.8").id == inv.id  # other clients are not affected
    assert screens.open_invite(db, token).id == inv.id  # no client (the CLI, tests): not counted
    with db.session() as s:
        keys = set(s.scalars(select(RateEvent.key_hash)))
    assert keys == {pseudonym("client", "198.51.100.7")}  # a pseudonym, never the address
    _shift_clock(monkeypatch, limits, timedelta(minutes=_minutes(str(err.value))))
    assert screens.open_invite(db, token, client="198.51.100.7").id == inv.id


def test_rate_events_are_pruned_after_a_day(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(3):
        limits.hit(db, limits.DRAFT_SAVES, "invite:old")
    _shift_clock(monkeypatch, limits, limits.KEEP + timedelta(minutes=1))
    limits.hit(db, limits.DRAFT_SAVES, "invite:new")
    with db.session() as s:
        assert list(s.scalars(select(RateEvent.key_hash))) == ["invite:new"]


def test_a_limited_account_signs_in_again_after_the_window(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    me = _recruiter(db)
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(accounts.AuthError, match="wrong e-mail or password"):
            accounts.sign_in(db, me.email, "guess-guess-guess", "10.1.1.1")
    with pytest.raises(accounts.AuthError, match="too many failed sign-ins; try again in 15 minutes"):
        accounts.sign_in(db, me.email, PASSWORD, "10.1.1.2")
    _shift_clock(monkeypatch, accounts, timedelta(minutes=10))
    with pytest.raises(accounts.AuthError, match="try again in 5 minutes"):  # refusals do not extend the wait
        accounts.sign_in(db, me.email, PASSWORD, "10.1.1.2")
    _shift_clock(monkeypatch, accounts, timedelta(minutes=15))
    token = accounts.sign_in(db, me.email, PASSWORD, "10.1.1.2")
    assert accounts.current_recruiter(db, token) == me
    with db.session() as s:  # refusals are audited (under pseudonyms), not lost with a rollback
        refusals = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "signin.rate_limited")))
    assert len(refusals) == 2 and all(e.subject == pseudonym("account", me.email) for e in refusals)


def test_a_limited_client_signs_in_again_after_the_window(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    me = _recruiter(db)
    for n in range(accounts.MAX_FAILURES_PER_CLIENT):
        with pytest.raises(accounts.AuthError, match="wrong"):
            accounts.sign_in(db, f"user{n}@example.com", "guess-guess-guess", "10.2.2.2")
    with pytest.raises(accounts.AuthError, match="try again in 15 minutes"):
        accounts.sign_in(db, me.email, PASSWORD, "10.2.2.2")  # a real account, from the limited client
    assert accounts.sign_in(db, me.email, PASSWORD, "10.2.2.3")  # from elsewhere it works
    _shift_clock(monkeypatch, accounts, timedelta(minutes=15))
    assert accounts.current_recruiter(db, accounts.sign_in(db, me.email, PASSWORD, "10.2.2.2")) == me


# -- the pages ----------------------------------------------------------------------------------------------

SESSION = "_recruiter_session"


@pytest.fixture
def app_db() -> Iterator[Database]:
    """The app's own database (in the test data home), with no rate-limit counts before or after the test: AppTest
    has no client address, so every test shares the fixed "unknown client" key."""
    from ui.client import UNKNOWN
    from ui.resources import database

    def forget() -> None:
        with database().session() as s:
            s.execute(delete(RateEvent))
            s.execute(delete(LoginAttempt).where(LoginAttempt.client_hash == pseudonym("client", UNKNOWN)))

    forget()
    yield database()
    forget()


def _app(session_token: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    if session_token is not None:
        at.session_state[SESSION] = session_token
    at.run()
    assert not at.exception, at.exception
    return at


def _visible(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.title]
    parts += [e.value for e in at.info] + [e.value for e in at.success] + [e.value for e in at.error]
    parts += [e.value for e in at.warning] + [e.value for e in at.code] + [str(e.value) for e in at.text_area]
    return "\n".join(str(p) for p in parts)


def _someone_elses_screen(db: Database) -> tuple[accounts.RecruiterInfo, int, int, str]:
    from rubric.bank import load_default_bank

    bank = load_default_bank()
    owner = accounts.add_user(db, f"owner-{uuid.uuid4().hex[:8]}@example.com", "Owner", PASSWORD)
    screen_id = screens.create_screen(db, owner.id, "Zanzibar private screen", "x", [bank.get("q06"), bank.get("q11")])
    inv, token = screens.invite(db, screen_id, "Quentin Candidate", "quentin@example.com")
    return owner, screen_id, inv.id, token


def _session_token(db: Database, how: str) -> str | None:
    if how == "none":
        return None
    me = accounts.add_user(db, f"r-{uuid.uuid4().hex[:8]}@example.com", "Rita", PASSWORD)
    token = accounts.sign_in(db, me.email, PASSWORD)
    if how == "signed out elsewhere":
        accounts.sign_out(db, token)
    elif how == "expired":
        with db.session() as s:
            s.get(RecruiterSession, token_hash(token)).expires_at = utcnow() - timedelta(seconds=1)
    elif how == "forged":
        return new_token()
    elif how == "the stored hash":
        return token_hash(token)
    elif how == "an invite token":
        return _someone_elses_screen(db)[3]
    return token


@pytest.mark.parametrize("page", ["screens", "review"])
@pytest.mark.parametrize(
    "how", ["none", "forged", "the stored hash", "an invite token", "signed out elsewhere", "expired"]
)
def test_recruiter_pages_refuse_missing_and_bad_sessions(app_db: Database, page: str, how: str) -> None:
    _someone_elses_screen(app_db)
    at = _app(_session_token(app_db, how))
    at.switch_page(f"ui/page_scripts/{page}.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Recruiter sign-in"]
    assert SESSION not in at.session_state  # a bad token is dropped, not kept for the next run
    shown = _visible(at)
    assert "Zanzibar" not in shown and "Quentin" not in shown and "Signed in as" not in shown


@pytest.mark.parametrize("page", ["screens", "review"])
def test_the_same_way_in_a_live_session_token_opens_the_page(app_db: Database, page: str) -> None:
    """The control for the refusals above: a token put in the session the same way does open the page."""
    at = _app(_session_token(app_db, "live"))
    at.switch_page(f"ui/page_scripts/{page}.py").run()
    assert [t.value for t in at.title] == [page.capitalize()]
    assert "Signed in as Rita" in _visible(at)


def _sign_in(at: AppTest, email: str) -> None:
    at.text_input[0].set_value(email)
    at.text_input[1].set_value(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception


def test_signing_out_ends_the_session_for_good(app_db: Database) -> None:
    me = accounts.add_user(app_db, f"r-{uuid.uuid4().hex[:8]}@example.com", "Rita", PASSWORD)
    at = _app()
    at.switch_page("ui/page_scripts/review.py").run()
    _sign_in(at, me.email)
    assert at.title[0].value == "Review"
    token = at.session_state[SESSION]
    next(b for b in at.button if b.label == "Sign out").click().run()
    assert at.title[0].value == "Recruiter sign-in"
    assert accounts.current_recruiter(app_db, token) is None
    again = _app(token)  # the old token in a new browser session
    again.switch_page("ui/page_scripts/screens.py").run()
    assert again.title[0].value == "Recruiter sign-in"


@pytest.mark.parametrize("page", ["screens", "review"])
def test_a_signed_in_recruiter_sees_none_of_another_recruiters_screens(app_db: Database, page: str) -> None:
    _someone_elses_screen(app_db)
    me = accounts.add_user(app_db, f"r-{uuid.uuid4().hex[:8]}@example.com", "Rita", PASSWORD)
    at = _app()
    at.switch_page(f"ui/page_scripts/{page}.py").run()
    _sign_in(at, me.email)
    assert at.title[0].value == page.capitalize()
    shown = _visible(at) + " ".join(str(o) for s in at.selectbox for o in s.options)
    assert "Zanzibar" not in shown and "Quentin" not in shown
    assert not at.get("download_button")


def test_the_sign_in_page_says_when_to_try_again(app_db: Database) -> None:
    from ui.client import UNKNOWN

    me = accounts.add_user(app_db, f"r-{uuid.uuid4().hex[:8]}@example.com", "Rita", PASSWORD)
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(accounts.AuthError):
            accounts.sign_in(app_db, me.email, "guess-guess-guess", UNKNOWN)
    at = _app()
    at.switch_page("ui/page_scripts/screens.py").run()
    _sign_in(at, me.email)
    assert at.title[0].value == "Recruiter sign-in"
    assert at.error[0].value == "Too many failed sign-ins; try again in 15 minutes."


@pytest.mark.parametrize("closed", ["withdrawn", "expired"])
def test_a_closed_link_shows_only_why(app_db: Database, closed: str) -> None:
    _, _, invite_id, token = _someone_elses_screen(app_db)
    if closed == "withdrawn":
        screens.revoke(app_db, invite_id)
    else:
        with app_db.session() as s:
            s.get(Invite, invite_id).expires_at = utcnow() - timedelta(minutes=1)
    at = _app(invite=token)
    assert closed in at.error[0].value
    assert "Zanzibar" not in _visible(at) and not at.text_area and not at.button


def _candidate_at_first_question(token: str) -> AppTest:
    at = _app(invite=token)
    at.button[0].click().run()  # I agree, start
    assert "Question 1 of 2" in at.get("progress")[0].proto.text
    return at


def _draft_in_db(db: Database, invite_id: int) -> str:
    return next(iter(_rows(db, invite_id).values()))[0]


def test_a_link_withdrawn_while_the_page_is_open_saves_nothing_and_hands_the_text_back(app_db: Database) -> None:
    _, _, invite_id, token = _someone_elses_screen(app_db)
    at = _candidate_at_first_question(token)
    at.text_area[0].set_value("Written before the link was withdrawn.").run()
    assert _draft_in_db(app_db, invite_id) == "Written before the link was withdrawn."
    screens.revoke(app_db, invite_id)
    at.text_area[0].set_value("Written after: Kafka into the scorer.").run()
    assert not at.exception, at.exception
    assert "withdrawn" in at.error[0].value
    assert [c.value for c in at.code] == ["Written after: Kafka into the scorer."]
    assert _draft_in_db(app_db, invite_id) == "Written before the link was withdrawn."


def test_a_rate_limited_candidate_loses_nothing(app_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, invite_id, token = _someone_elses_screen(app_db)
    at = _candidate_at_first_question(token)
    key = pseudonym("invite", invite_id)
    for _ in range(limits.DRAFT_SAVES.max_events):
        limits.hit(app_db, limits.DRAFT_SAVES, key)
    for _ in range(limits.SUBMITS.max_events):
        limits.hit(app_db, limits.SUBMITS, key)
    typed = "I would stream card events through Kafka into the scoring service."
    at.text_area[0].set_value(typed).run()
    assert at.warning[0].value == (
        "Draft not saved: too many attempts, try again in 1 minute. Your text is still here; keep this page open."
    )
    assert at.text_area[0].value == typed and _draft_in_db(app_db, invite_id) == ""
    next(b for b in at.button if b.label == "Submit and continue").click().run()
    assert at.error[0].value == "Not submitted: too many attempts, try again in 1 minute. Your answer is still here."
    assert at.text_area[0].value == typed and list(_rows(app_db, invite_id).values()) == [("", None, False)]
    _shift_clock(monkeypatch, limits, timedelta(minutes=1))
    next(b for b in at.button if b.label == "Submit and continue").click().run()
    assert not at.exception, at.exception
    assert "Question 2 of 2" in at.get("progress")[0].proto.text
    assert typed in [answer for _, answer, _ in _rows(app_db, invite_id).values()]


def test_guessing_links_from_one_browser_is_limited(app_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.client import UNKNOWN

    _, _, _, token = _someone_elses_screen(app_db)
    for _ in range(limits.WRONG_INVITE_TOKENS.max_events - 1):
        with pytest.raises(InviteError):
            screens.open_invite(app_db, new_token(), client=UNKNOWN)
    wrong = _app(invite=new_token())  # AppTest has no client address: the fixed fallback key is used
    assert wrong.error[0].value == "This link is not valid."
    with app_db.session() as s:
        counted = s.scalar(
            select(func.count()).select_from(RateEvent).where(RateEvent.key_hash == pseudonym("client", UNKNOWN))
        )
    assert counted == limits.WRONG_INVITE_TOKENS.max_events
    at = _app(invite=token)
    assert at.error[0].value == "Too many attempts, try again in 15 minutes."
    assert "Zanzibar" not in _visible(at) and not at.button
    _shift_clock(monkeypatch, limits, timedelta(minutes=15))
    assert _app(invite=token).title[0].value == "Zanzibar private screen"
