"""The recruiter and candidate pages, driven with AppTest (the app's database lives in the test data home),
grading with a scripted judge behind the real pipeline, so the verdicts shown are the test's."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from screening import accounts, screens, worker
from screening.graders import grader_for
from tests.scripted_judge import ScriptedJudge
from ui.resources import database

pytestmark = pytest.mark.usefixtures("scripted")

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PASSWORD = "correct horse battery staple"


@pytest.fixture
def recruiter() -> accounts.RecruiterInfo:
    return accounts.add_user(database(), f"r-{uuid.uuid4().hex[:8]}@example.com", "Rita", PASSWORD)


def _app(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _signed_in(recruiter: accounts.RecruiterInfo, page: str) -> AppTest:
    at = _app()
    at.switch_page(f"ui/page_scripts/{page}.py").run()
    assert at.title[0].value == "Recruiter sign-in"
    at.text_input[0].set_value(recruiter.email)
    at.text_input[1].set_value(PASSWORD)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, at.exception
    return at


def _visible_text(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.title]
    parts += [e.value for e in at.info] + [e.value for e in at.success] + [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)


def test_recruiter_pages_need_a_sign_in_and_wrong_passwords_are_refused(recruiter: accounts.RecruiterInfo) -> None:
    at = _app()
    at.switch_page("ui/page_scripts/review.py").run()
    assert at.title[0].value == "Recruiter sign-in"
    at.text_input[0].set_value(recruiter.email)
    at.text_input[1].set_value("not the password")
    at.button[0].click().run()
    assert "Wrong e-mail or password" in at.error[0].value
    assert at.title[0].value == "Recruiter sign-in"


def test_build_a_screen_invite_and_revoke(recruiter: accounts.RecruiterInfo) -> None:
    at = _signed_in(recruiter, "screens")
    assert at.title[0].value == "Screens"
    at.text_input(key="new_title").set_value("Platform screen").run()
    at.multiselect(key="new_questions").set_value(["q06", "q11"]).run()
    at.text_area(key="new_custom").set_value(
        "How do you version a dataset?\nsnapshots: keep immutable snapshots of each training set"
    ).run()
    next(b for b in at.button if b.label == "Create screen").click().run()
    assert "with 3 questions" in at.success[0].value
    # the builder starts empty again: a second click makes no duplicate, it is refused for want of a title
    assert at.text_input(key="new_title").value == "" and at.multiselect(key="new_questions").value == []
    next(b for b in at.button if b.label == "Create screen").click().run()
    assert len(screens.screens_of(database(), recruiter.id)) == 1 and at.error
    # invite a candidate: the link is shown once
    at.text_input[-3].set_value("Cand Idate")
    at.text_input[-2].set_value("cand@example.com")
    next(b for b in at.button if b.label == "Create private link").click().run()
    link = at.code[0].value
    assert "/?invite=" in link and len(link.split("invite=")[1]) >= 40
    at.run()
    assert not at.code, "the link is not shown a second time"
    assert "invited" in _visible_text(at)  # the same status names as the Review page
    next(b for b in at.button if b.label == "Revoke now").click().run()
    token = link.split("invite=")[1]
    with pytest.raises(screens.InviteError, match="withdrawn"):
        screens.open_invite(database(), token)


def _screen_with_invite(recruiter: accounts.RecruiterInfo) -> tuple[int, int, str]:
    from rubric.bank import load_default_bank

    bank = load_default_bank()
    screen_id = screens.create_screen(
        database(), recruiter.id, "Async screen", "Two questions.", [bank.get("q06"), bank.get("q11")]
    )
    info, token = screens.invite(database(), screen_id, "Cleo", "cleo@example.com")
    return screen_id, info.id, token


def test_candidate_link_consent_answers_and_never_sees_grades(recruiter: accounts.RecruiterInfo) -> None:
    _, _invite_id, token = _screen_with_invite(recruiter)
    at = _app(invite=token)
    assert at.title[0].value == "Async screen"
    assert "automated grader" in at.info[0].value and "deletion" in at.info[0].value
    at.button[0].click().run()  # I agree, start
    assert "Question 1 of 2" in at.get("progress")[0].proto.text
    at.text_area[0].set_value("I would stream card events through Kafka into the scoring service.").run()
    next(b for b in at.button if b.label == "Submit and continue").click().run()
    # closing the browser and coming back: a new session opens the same link and resumes at question 2
    again = _app(invite=token)
    progress = again.get("progress")[0].proto
    assert "Question 2 of 2 · 1 answered" in progress.text and progress.value == 50  # counts answered questions
    again.text_area[0].set_value("The offline store keeps history for training; the online one serves inference.")
    again.text_area[0].run()
    assert "Draft saved 0 s ago" in _visible_text(again)
    # the last step reviews every answer before "Submit and finish"
    next(b for b in again.button if b.label == "Review and finish").click().run()
    assert any(h.value == "Review your answers" for h in again.subheader)
    review_text = _visible_text(again)
    assert "stream card events through Kafka" in review_text and "online one serves inference" in review_text
    next(b for b in again.button if b.label == "Submit and finish").click().run()
    assert "all your answers are submitted" in again.success[0].value
    worker.run_pending(database(), grader_for)
    again.run()
    text = _visible_text(again)
    for hidden in ("Covered", "Missed", "score", "Score", "stream ingestion", "key point"):
        assert hidden not in text
    assert [e.type for e in again.main if e.type in ("dataframe", "vega_lite_chart", "progress")] == []


@pytest.mark.parametrize("token", ["", "nonsense", "A" * 43])
def test_a_wrong_token_opens_nothing(token: str) -> None:
    at = _app(invite=token) if token else _app(invite="x")
    assert "not valid" in at.error[0].value
    assert not at.text_area and not at.button


def test_a_candidate_token_never_reaches_the_recruiter_area(recruiter: accounts.RecruiterInfo) -> None:
    _, _, token = _screen_with_invite(recruiter)
    at = _app(invite=token)
    assert at.title[0].value == "Async screen"
    for page in ("screens", "review", "practice", "progress"):
        # With a candidate's link the app registers the candidate page and no other.
        with pytest.raises(ValueError, match=r"Known pages: \['[^']*candidate\.py'\]"):
            at.switch_page(f"ui/page_scripts/{page}.py")


def test_review_page_table_heatmap_transcript_override_and_exports(
    recruiter: accounts.RecruiterInfo, scripted: ScriptedJudge
) -> None:
    from screening import candidate

    screen_id, invite_id, _ = _screen_with_invite(recruiter)
    db = database()
    candidate.consent(db, invite_id)
    for text_ in (
        "I would stream card events through Kafka into the scoring service.",
        "The online store keeps history for training.",
    ):
        q = candidate.current_question(db, invite_id)
        assert q is not None
        candidate.submit(db, invite_id, q.screen_question_id, text_)
    worker.run_pending(db, grader_for)
    assert scripted.calls == 2  # both answers were graded by the scripted judge
    at = _signed_in(recruiter, "review")
    at.selectbox(key="review_screen").set_value(screen_id).run()
    table = at.dataframe[0].value
    assert list(table["candidate"]) == ["Cleo"] and list(table["status"]) == ["graded"]
    assert at.get("vega_lite_chart"), "the heatmap is drawn"
    assert [b.label for b in at.get("download_button")][:4] == [
        "Export screen (CSV)",
        "Export screen (JSON)",
        "Report (Markdown)",
        "Report (PDF)",
    ]
    text = _visible_text(at)
    assert ":green[**Covered**] stream ingestion" in text and "<mark" in text
    # override q11.1 with a reason; the trail shows old and new values and the reviewer
    form_select = next(s for s in at.selectbox if "offline: training/historical" in s.options)
    form_select.set_value("q11.1")
    at.run()
    verdict_boxes = [b for b in at.selectbox if b.label == "New verdict"]
    reason_inputs = [t for t in at.text_input if t.label == "Reason"]
    verdict_boxes[-1].set_value("partial")
    reason_inputs[-1].set_value("no")  # too short: refused, and the choices stay
    [b for b in at.button if b.label == "Save override"][-1].click().run()
    assert "An override needs a written reason." in [e.value for e in at.error]
    assert [b for b in at.selectbox if b.label == "New verdict"][-1].value == "partial"
    assert [t for t in at.text_input if t.label == "Reason"][-1].value == "no"
    [t for t in at.text_input if t.label == "Reason"][-1].set_value("Knows what history is for, wrong store.")
    [b for b in at.button if b.label == "Save override"][-1].click().run()
    assert not at.exception, at.exception
    text = _visible_text(at)
    assert (
        "Rita: offline: training/historical contradicted → partial. Reason: Knows what history is for, wrong store."
        in text
    )
    assert [t for t in at.text_input if t.label == "Reason"][-1].value == ""  # a saved override clears the form
    assert ":orange[**Partial**] _(overridden)_ offline: training/historical" in text
