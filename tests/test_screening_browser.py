"""The whole screening loop in a real browser: the recruiter signs in, builds a screen and invites; the candidate
answers through the link in a second browser context; the recruiter sees the graded transcript, overrides a
verdict and exports the PDF. Screenshots go to screenshots/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pypdf
import pytest

from tests.app_server import CHROMIUM, CHROMIUM_ARGS, require, running_app, screenshot, wait_for_value

pytestmark = pytest.mark.slow  # drives the real app in a browser

PASSWORD = "correct horse battery staple"
ANSWERS = [
    "I would stream the card transactions through Kafka into the scoring service, serve the ONNX model from "
    "Triton, and put an API gateway in front.",
    "The offline store keeps the history we train on, and the online store serves features for real-time inference.",
]


def _add_recruiter(home: Path) -> None:
    env = {**os.environ, "INTERVIEW_GRADER_HOME": str(home), "INTERVIEW_GRADER_PASSWORD": PASSWORD}
    cli = str(Path(sys.executable).with_name("interview-grader"))
    out = subprocess.run(
        [cli, "user", "add", "rita@example.com", "--name", "Rita"], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr


def _sign_in(page: object, url: str) -> None:
    """Sign Rita in on the Screens page and wait for it."""
    page.goto(f"{url}/screens")  # type: ignore[attr-defined]
    page.get_by_text("Recruiter sign-in").first.wait_for(timeout=90_000)  # type: ignore[attr-defined]
    page.get_by_label("E-mail").fill("rita@example.com")  # type: ignore[attr-defined]
    page.get_by_role("textbox", name="Password").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Screens").wait_for(timeout=30_000)  # type: ignore[attr-defined]


def _box(page: object) -> object:
    """The answer box, once the page has settled on one question (a stale box can linger for a moment)."""
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelectorAll('textarea[aria-label=\"Your answer\"]').length === 1", timeout=30_000
    )
    return page.get_by_label("Your answer")  # type: ignore[attr-defined]


def _pick(page: object, label: str, option: str) -> None:
    """Choose an option in a Streamlit select or multiselect by typing into it."""
    box = page.get_by_label(label)  # type: ignore[attr-defined]
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option).first.click()  # type: ignore[attr-defined]


def test_recruiter_builds_invites_reviews_overrides_and_exports(tmp_path: Path) -> None:
    require(CHROMIUM)
    from playwright.sync_api import sync_playwright

    home = tmp_path / "home"
    _add_recruiter(home)
    with running_app(tmp_path, trace=False, env={"INTERVIEW_GRADER_HOME": str(home)}) as app, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            recruiter = browser.new_context(viewport={"width": 1280, "height": 1800}, accept_downloads=True).new_page()
            _sign_in(recruiter, app.url)

            recruiter.get_by_label("Title").fill("Platform engineer screen")
            _pick(
                recruiter,
                "…and/or pick questions (type to search)",
                "q06: Design a fraud detection API with <100ms SLA. What infra do you need?",
            )
            recruiter.keyboard.press("Escape")
            _pick(
                recruiter,
                "…and/or pick questions (type to search)",
                "q11: What’s the difference between an online vs offline feature store?",
            )
            recruiter.keyboard.press("Escape")
            recruiter.get_by_role("button", name="Create screen").click()
            recruiter.get_by_text("created with 2 questions").wait_for(timeout=30_000)
            recruiter.get_by_label("Candidate name").fill("Cleo Candidate")
            recruiter.get_by_label("Candidate e-mail").fill("cleo@example.com")
            recruiter.get_by_role("button", name="Create private link").click()
            link = recruiter.get_by_test_id("stCode").first.inner_text().strip()
            assert "/?invite=" in link
            screenshot(recruiter, "screening-1-screen-and-link")
            recruiter.get_by_label("Candidate name").fill("Dan Dunno")
            recruiter.get_by_label("Candidate e-mail").fill("dan@example.com")
            recruiter.get_by_role("button", name="Create private link").click()
            recruiter.get_by_text("Private link for Dan Dunno").wait_for(timeout=30_000)
            dan_link = recruiter.get_by_test_id("stCode").first.inner_text().strip()
            assert dan_link != link

            candidate = browser.new_context(viewport={"width": 1280, "height": 1400}).new_page()
            candidate.goto(link)
            candidate.get_by_text("automated grader").first.wait_for(timeout=60_000)
            screenshot(candidate, "screening-2-consent")
            candidate.get_by_role("button", name="I agree, start").click()
            assert candidate.title() == "Interview screen"  # the candidate's tab has its own title
            box = candidate.get_by_label("Your answer")
            # Drafts save while typing (no Ctrl+Enter, no leaving the box): type, pause, close the tab, reopen.
            candidate.get_by_text("Question 1 of 2 · 0 answered").wait_for(timeout=30_000)
            box.click()
            box.press_sequentially(ANSWERS[0][:60], delay=5)
            box.fill(ANSWERS[0])  # the rest as a paste, the box keeps the focus
            candidate.get_by_text("Draft saved").wait_for(timeout=30_000)
            candidate.wait_for_timeout(4_000)  # the promise: saved a few seconds after the typing stops
            assert "Ctrl+Enter" not in candidate.locator("body").inner_text()
            candidate.close()
            candidate = browser.new_context(viewport={"width": 1280, "height": 1400}).new_page()
            candidate.goto(link)
            candidate.get_by_text("Question 1 of 2").wait_for(timeout=60_000)
            wait_for_value(candidate, "Your answer", ANSWERS[0])
            # A paste over the limit is kept and says how far over it is.
            candidate.get_by_label("Your answer").fill("y" * 30_000)
            candidate.get_by_text("10,000 over the 20,000-character limit").wait_for(timeout=30_000)
            wait_for_value(candidate, "Your answer", "y" * 30_000)
            candidate.get_by_label("Your answer").fill(ANSWERS[0])
            candidate.get_by_role("button", name="Submit and continue").click()
            screenshot(candidate, "screening-3-answering")
            candidate.get_by_text("Question 2 of 2 · 1 answered").wait_for(timeout=30_000)
            _box(candidate).fill(ANSWERS[1])  # type: ignore[attr-defined]
            _box(candidate).press("Control+Enter")  # type: ignore[attr-defined]
            candidate.get_by_role("button", name="Review and finish").click()
            candidate.get_by_role("heading", name="Review your answers").wait_for(timeout=30_000)
            candidate.get_by_text("serves features for real-time inference").first.wait_for(timeout=30_000)
            assert "scoring service" in candidate.locator("body").inner_text()
            candidate.get_by_role("button", name="Submit and finish").click()
            candidate.get_by_text("all your answers are submitted").wait_for(timeout=30_000)
            body = candidate.locator("body").inner_text()
            assert "Covered" not in body and "Score" not in body and "stream ingestion" not in body
            screenshot(candidate, "screening-4-candidate-done")

            # Dan answers "Idk" twice: not graded, which must never read as 0.
            dan = browser.new_context(viewport={"width": 1280, "height": 1400}).new_page()
            dan.goto(dan_link)
            dan.get_by_role("button", name="I agree, start").click()
            for n in (1, 2):
                dan.get_by_text(f"Question {n} of 2").wait_for(timeout=30_000)
                _box(dan).fill("Idk")  # type: ignore[attr-defined]
                _box(dan).press("Control+Enter")  # type: ignore[attr-defined]
                dan.get_by_role("button", name="Submit and continue" if n == 1 else "Review and finish").click()
            dan.get_by_role("button", name="Submit and finish").click()
            dan.get_by_text("all your answers are submitted").wait_for(timeout=30_000)

            # The Review page updates by itself while answers grade in the background (no Refresh click).
            recruiter.get_by_role("link", name="Review").click()
            recruiter.get_by_role("heading", name="Review").wait_for(timeout=60_000)
            recruiter.get_by_text("Covered").first.wait_for(timeout=90_000)
            recruiter.get_by_text("stream ingestion").first.wait_for()
            # Until every answer is graded the page redraws itself as grades land, which closes an open dropdown:
            # wait for the last one before overriding (a recruiter sees "N answer(s) grading" meanwhile).
            recruiter.get_by_text("grading in the background").first.wait_for(state="detached", timeout=120_000)
            screenshot(recruiter, "screening-5-review", readme="review")

            # Override the last answer's first point: the verdict is a dropdown; a refused reason keeps the choices.
            verdict = recruiter.get_by_label("New verdict").last
            verdict.click()
            verdict.fill("partial")
            recruiter.get_by_role("option", name="partial").first.click()
            recruiter.get_by_label("Reason").last.fill("no")
            recruiter.get_by_role("button", name="Save override").last.click()
            recruiter.get_by_text("An override needs a written reason.").wait_for(timeout=30_000)
            wait_for_value(recruiter, "Reason", "no")
            recruiter.get_by_label("Reason").last.fill("Named the online store's role, but the answer is thin.")
            recruiter.get_by_role("button", name="Save override").last.click()
            recruiter.get_by_text("Reason: Named the online store's role").first.wait_for(timeout=30_000)
            screenshot(recruiter, "screening-6-override")

            # Re-grading asks first, says the override stays, and the override is still there afterwards.
            recruiter.get_by_role("button", name="Re-grade with the offline grader").last.click()
            recruiter.get_by_text("override(s) stay and apply on top of the new grade").wait_for(timeout=30_000)
            recruiter.get_by_role("button", name="Re-grade now").click()
            recruiter.get_by_text("kept after re-grading").first.wait_for(timeout=60_000)
            body = recruiter.locator("body").inner_text()
            assert "Reason: Named the online store's role" in body and "(overridden)" in body
            with recruiter.expect_download(timeout=60_000) as download:
                recruiter.get_by_role("button", name="Export screen (JSON)").click()
            exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
            overrides = exported["candidates"][0]["answers"][1]["overrides"]
            assert [(o["reviewer"], o["new_value"], o["carried_from_earlier_grade"]) for o in overrides] == [
                ("Rita", "partial", True)
            ]
            dan_record = next(c for c in exported["candidates"] if c["name"] == "Dan Dunno")
            assert dan_record["score"] is None and all(a["effective_score"] is None for a in dan_record["answers"])

            with recruiter.expect_download(timeout=60_000) as download:
                recruiter.get_by_role("button", name="Report (PDF)").click()
            pdf = tmp_path / "report.pdf"
            download.value.save_as(pdf)
            assert pdf.read_bytes().startswith(b"%PDF-")

            report = " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(str(pdf)).pages).split())
            assert "page 1/" in report and "covered / partial / missed" in report
            assert "Rita" in report and "kept after re-grading" in report  # the override survives into the PDF
            # A click on Dan's row in the candidate table opens his transcript: not graded, with the reason.
            table = recruiter.get_by_test_id("stDataFrame").first
            box = table.bounding_box()
            assert box is not None
            recruiter.mouse.click(box["x"] + 12, box["y"] + 35 * 2 + 17)  # row 2's selection cell
            recruiter.get_by_text("Not graded: nothing to grade").first.wait_for(timeout=30_000)
            assert "1. Design a fraud detection API" in recruiter.locator("body").inner_text()
            assert "Idk" in recruiter.locator("body").inner_text()  # Dan's transcript, not Cleo's
            body = recruiter.locator("body").inner_text()
            assert "score 0/100" not in body.lower() and "not graded (" in body
            screenshot(recruiter, "screening-7-not-graded")

        finally:
            browser.close()


def test_a_recruiter_stays_signed_in_across_reloads_and_tabs_until_signing_out(tmp_path: Path) -> None:
    require(CHROMIUM)
    from playwright.sync_api import sync_playwright

    home = tmp_path / "home"
    _add_recruiter(home)
    with running_app(tmp_path, trace=False, env={"INTERVIEW_GRADER_HOME": str(home)}) as app, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            page = context.new_page()
            _sign_in(page, app.url)
            deadline = time.monotonic() + 30
            while not [c for c in context.cookies() if c["name"] == "interview_grader_session"]:
                assert time.monotonic() < deadline, "no session cookie was set"
                page.wait_for_timeout(300)
            (cookie,) = [c for c in context.cookies() if c["name"] == "interview_grader_session"]
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
            page.get_by_role("heading", name="Screens").wait_for(timeout=30_000)
            assert "interview_grader_session" not in page.evaluate("() => document.cookie")  # scripts never see it

            page.reload()
            page.get_by_role("heading", name="Screens").wait_for(timeout=60_000)
            assert "Signed in as Rita" in page.locator("body").inner_text()
            tab = context.new_page()
            tab.goto(f"{app.url}/review")
            tab.get_by_role("heading", name="Review").wait_for(timeout=60_000)
            tab.close()

            page.get_by_role("button", name="Sign out").click()
            page.get_by_text("Recruiter sign-in").first.wait_for(timeout=30_000)
            page.wait_for_timeout(500)
            assert not [c for c in context.cookies() if c["name"] == "interview_grader_session"]
            page.reload()
            page.get_by_text("Recruiter sign-in").first.wait_for(timeout=60_000)
            # a copy of the old cookie opens nothing: its session was revoked in the store
            other = browser.new_context()
            other.add_cookies([{**cookie, "sameSite": "Strict"}])
            stale = other.new_page()
            stale.goto(f"{app.url}/screens")
            stale.get_by_text("Recruiter sign-in").first.wait_for(timeout=60_000)
        finally:
            browser.close()
