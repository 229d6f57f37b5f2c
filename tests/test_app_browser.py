"""The real app in a real browser (headless Debian Chromium, Playwright), served on loopback, with every
network connection of the app process traced. Screenshots go to screenshots/ for a person to look at."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.app_server import browser_page, non_loopback, running_app, screenshot, wait_for_value

pytestmark = pytest.mark.slow  # drives the real app in a browser

ANSWER = (
    "I would stream the card transactions through Kafka into the scoring service, serve the ONNX model from "
    "Triton for low latency, and put an API gateway in front for authentication."
)
PROBE_REPLY = "I would keep the hot per-card features in a Redis cache right next to the model server."


def _send(page: object, text: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")  # type: ignore[attr-defined]
    box.fill(text)
    box.press("Enter")


def test_practice_flow_in_a_browser_talks_only_to_loopback(tmp_path: Path) -> None:
    with running_app(tmp_path) as app, browser_page() as page:
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(app.url)
        page.get_by_text("Mock interview practice").first.wait_for(timeout=90_000)
        page.get_by_text("no API key").first.wait_for()
        screenshot(page, "1-start")

        # Start: pick a question by typing its id in the own-question box.
        page.get_by_label("…or type your own question").fill("q06")
        page.get_by_role("button", name="Find its rubric").click()
        page.get_by_text("Design a fraud detection API").first.wait_for(timeout=30_000)
        screenshot(page, "2-question")

        # Answer: the answer shows at once in the candidate's bubble, and the grading status sits in the
        # interviewer's bubble, then the result card.
        _send(page, ANSWER)
        bubbles = page.get_by_test_id("stChatMessage")
        bubbles.filter(has_text="Grading your answer").first.wait_for(timeout=30_000)
        assert bubbles.filter(has_text="stream the card transactions through Kafka").count() >= 1
        page.get_by_text("Score ").first.wait_for(timeout=60_000)
        assert page.locator("body").inner_text().count("stream the card transactions through Kafka into") == 2, (
            "the answer is shown once (its words appear again only as the covered point's quote)"
        )
        page.get_by_role("button", name="Probe me on a missed point").wait_for()
        page.get_by_text("Offline grader").first.wait_for()
        assert page.get_by_test_id("highlighted-answer").first.inner_html().count("<mark") >= 3
        screenshot(page, "3-graded", readme="practice-card")

        # Probe on a missed point, answer it, see both attempts together.
        page.get_by_role("button", name="Probe me on a missed point").click()
        page.get_by_text("One thing you didn't get into").first.wait_for(timeout=30_000)
        _send(page, PROBE_REPLY)
        page.get_by_text("Follow-up on").first.wait_for(timeout=60_000)
        page.get_by_text("both attempts together").first.wait_for()
        page.get_by_role("button", name="Next question").wait_for()
        page.get_by_test_id("stDataFrame").last.wait_for()
        screenshot(page, "4-probe")

        # Try again: the earlier attempt stays, and the new card says what changed.
        page.get_by_role("button", name="Try again").click()
        page.get_by_text("Try again: answer the same question once more.").wait_for(timeout=30_000)
        _send(page, ANSWER + " " + PROBE_REPLY + " We monitor latency and drift on dashboards.")
        page.get_by_text("since your last try").first.wait_for(timeout=60_000)
        assert "newly covered" in page.locator("body").inner_text()
        screenshot(page, "4b-try-again")

        # A paste over the limit is kept and says how far over it is.
        page.get_by_role("button", name="Try again").click()
        page.get_by_text("Try again: answer the same question once more.").last.wait_for(timeout=30_000)
        _send(page, "x" * 30_000)
        page.get_by_text("10,000 over the 20,000-character limit").wait_for(timeout=30_000)
        wait_for_value(page, "Your answer (not sent)", "x" * 30_000)
        _send(page, ANSWER)  # the shortened answer goes through
        page.get_by_role("button", name="Next question").wait_for(timeout=60_000)
        assert page.locator("body").inner_text().count("since your last try") == 2  # each retry compares

        # Next question.
        page.get_by_role("button", name="Next question").click()
        page.wait_for_function(
            "() => !document.body.innerText.includes('Design a fraud detection API')"
            " && document.querySelectorAll('[data-testid=stChatMessage]').length === 1",
            timeout=30_000,
        )
        screenshot(page, "5-next")

        # Progress page.
        page.get_by_role("link", name="Progress").click()
        page.get_by_text("Your progress").first.wait_for(timeout=30_000)
        page.get_by_text("Points you miss most").first.wait_for()
        page.wait_for_timeout(1000)
        screenshot(page, "6-progress")

        # Practice identities are per browser profile: the same name typed in another browser sees nothing.
        (learner_cookie,) = [c for c in page.context.cookies() if c["name"] == "interview_grader_learner"]
        assert learner_cookie["httpOnly"]
        page.reload()  # a new session in the same browser: the same learner, the same progress
        page.get_by_text("Your progress").first.wait_for(timeout=60_000)
        page.get_by_text("Points you miss most").first.wait_for()
        page.wait_for_timeout(500)
        assert page.get_by_text("No graded answers yet").count() == 0
        other = page.context.browser.new_context().new_page()
        other.goto(f"{app.url}/progress")
        other.get_by_text("Your progress").first.wait_for(timeout=60_000)
        other.get_by_text("No graded answers yet").wait_for(timeout=30_000)
        assert "Practising as 'me'" in other.locator("body").inner_text()
        other.context.close()

        hosts = {urlparse(u).hostname for u in requested if u.startswith("http")}
        assert hosts == {"127.0.0.1"}, f"the page requested {hosts}"
        binds = app.traced("bind")
        connects = app.traced("connect")
    assert any(f"htons({urlparse(app.url).port})" in b for b in binds), "strace did not see the server bind"
    assert non_loopback(connects) == [], "the app connected beyond loopback"
