"""The real app in a real browser, with every network connection of the app process traced."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from tests.app_server import browser_page, non_loopback, running_app, screenshot


def test_app_serves_a_question_and_talks_only_to_loopback(tmp_path: Path) -> None:
    with running_app(tmp_path) as app, browser_page() as page:
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(app.url)
        page.get_by_text("Mock interview practice").first.wait_for(timeout=60_000)
        page.get_by_text("offline grader").first.wait_for()
        page.get_by_role("button", name="Ask me a question").click()
        message = page.get_by_test_id("stChatMessage").first
        message.wait_for(timeout=30_000)
        assert "?" in message.inner_text()
        page.get_by_text("What a strong answer covers").click()
        page.wait_for_timeout(500)
        screenshot(page, "foundation-question")

        hosts = {urlparse(u).hostname for u in requested if u.startswith("http")}
        assert hosts == {"127.0.0.1"}, f"the page requested {hosts}"
        binds = app.traced("bind")
        connects = app.traced("connect")
    assert any(f"htons({urlparse(app.url).port})" in b for b in binds), "strace did not see the server bind"
    assert non_loopback(connects) == [], "the app connected beyond loopback"
