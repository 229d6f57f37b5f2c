"""The Rubrics page, driven with AppTest as two recruiters in two sessions (as on two replicas, one database):
both open the same question, the first save wins, the second is refused with the winner named and keeps its
text, and applying that text to the winning version saves it. The Review page's re-grade then grades the
screen's answers by the new version and shows its progress."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from rubric.bank import load_default_bank
from screening import accounts, candidate, regrades, screens
from store import bank_versions
from tests.test_screening_app import PASSWORD, _signed_in, _visible_text
from ui.resources import database

pytestmark = pytest.mark.usefixtures("scripted")


@pytest.fixture
def restore_bank() -> Iterator[None]:
    """The app's bank is shared by the tests of this process: put the shipped content back as a new version."""
    yield
    shipped, db = load_default_bank(), database()
    top = bank_versions.latest_number(db, shipped.id)
    bank_versions.publish(db, shipped, based_on=top or None, author="test cleanup")


def _recruiter() -> accounts.RecruiterInfo:
    return accounts.add_user(database(), f"r-{uuid.uuid4().hex[:8]}@example.com", "Rita", PASSWORD)


def _open_q06(at: AppTest) -> AppTest:
    at.selectbox(key="rubric_q").set_value("q06").run()
    assert not at.exception, at.exception
    return at


def _save(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Save as a new version").click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.usefixtures("restore_bank")
def test_two_recruiters_edit_one_question_the_first_save_wins_and_the_second_keeps_its_text() -> None:
    ada, ben = _signed_in(_recruiter(), "rubrics"), _signed_in(_recruiter(), "rubrics")
    assert ada.title[0].value == "Rubrics"
    _open_q06(ada), _open_q06(ben)
    start = bank_versions.latest_number(database(), load_default_bank().id)
    points = ada.text_area(key="rubric-points-q06").value
    assert "stream ingestion | Stream ingestion of the events" in points

    ada.text_area(key="rubric-points-q06").set_value(points + "\naudit log | every decision is logged").run()
    _save(ada)
    assert f"Saved as version {start + 1}." in _visible_text(ada)

    mine = points + "\nfeature store | features precomputed for low latency"
    ben.text_area(key="rubric-points-q06").set_value(mine).run()
    _save(ben)
    said = _visible_text(ben)
    assert f"version {start + 1} was saved by" in said and "was not saved" in said
    assert ben.text_area(key="rubric-points-q06").value == mine  # nothing typed is lost
    assert bank_versions.latest_number(database(), load_default_bank().id) == start + 1
    assert any("audit log | every decision is logged" in c.value for c in ben.code)  # what won, to compare

    next(b for b in ben.button if b.label.startswith("Apply my text to version")).click().run()
    _save(ben)
    assert f"Saved as version {start + 2}." in _visible_text(ben)
    stored = bank_versions.latest(database(), load_default_bank().id)
    assert stored is not None and [p.label for p in stored.bank.get("q06").points][-1] == "feature store"

    # Ada's session follows the new version on its next run.
    ada.run()
    assert f"version {start + 2}" in _visible_text(ada)


@pytest.mark.usefixtures("restore_bank")
def test_a_bad_edit_is_refused_and_the_text_stays() -> None:
    at = _open_q06(_signed_in(_recruiter(), "rubrics"))
    at.text_area(key="rubric-points-q06").set_value("a | one\na | two").run()
    _save(at)
    assert "share a label" in _visible_text(at) and at.text_area(key="rubric-points-q06").value == "a | one\na | two"


@pytest.mark.usefixtures("restore_bank")
def test_the_review_page_regrades_a_screen_by_the_latest_version_and_shows_progress() -> None:
    rita = _recruiter()
    db, bank = database(), load_default_bank()
    screen_id = screens.create_screen(db, rita.id, "Regrade me", "", [bank.get("q06")], from_bank=bank)
    info, _ = screens.invite(db, screen_id, "Cand", "cand@example.com")
    candidate.consent(db, info.id)
    q = candidate.current_question(db, info.id)
    assert q is not None
    candidate.submit(db, info.id, q.screen_question_id, "Kafka streams events to a model server behind a gateway.")

    at = _signed_in(rita, "review")
    at.selectbox[0].set_value(screen_id).run()
    next(b for b in at.button if b.label == "Re-grade all answers").click().run()
    assert not at.exception, at.exception
    assert "1 answers queued for re-grading." in _visible_text(at)
    from screening.graders import grader_for
    from screening.grading_worker import run_jobs

    run_jobs(db, grader_for)  # what a worker does (the app's own grader thread may have been first)
    latest = regrades.latest_for_screen(db, screen_id)
    assert latest is not None and (latest[1].done, latest[1].total) == (1, 1)
    at.run()
    texts = [str(p.text) for p in at.get("progress")]
    assert any("1/1 graded" in t and "finished" in t for t in texts), texts
