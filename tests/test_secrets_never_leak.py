"""Known secrets go through a realistic screening flow, and nothing the flow leaves behind contains any of them.

The secrets: a recruiter's password (and a mistyped one), the recruiter's session token, a candidate's invite
token (and a near miss guessed at), and the LLM grader's API key. The flow: the account is made with the CLI;
the recruiter signs in, builds an LLM-graded screen and invites through the pages (AppTest); the candidate
answers through the link; the background grader talks to a fake OpenAI server that grades one answer, refuses
the key (401), fails (500, retried) and rejects a request (400), each error echoing the key back the way some
servers and proxies do; the recruiter reviews the failures, exports everything, and signs out.

Searched afterwards: every log record of every logger at DEBUG, stdout and stderr, the database (the SQLite
file with its -wal and -shm, or every row of every table on PostgreSQL), the exports (Markdown, CSV, JSON, and
the PDF's bytes, inflated streams and drawn text), the review page and the failure messages, and the request
bodies the fake server received (the key belongs in the Authorization header only). Each place is also checked
for something that should be there, so an empty search cannot pass.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text
from streamlit.testing.v1 import AppTest

from interview_grader.cli import main
from screening import exports, review, worker
from screening.graders import grader_for
from store.db import Database
from store.tables import Recruiter
from tests.fake_openai import FakeOpenAI, Reply, Status, everything_covered

APP = str(Path(__file__).resolve().parents[1] / "app.py")
SESSION = "_recruiter_session"
ANSWERS = [  # in the screen's order: q06, q09, q10, q11
    "I would stream the card events through Kafka into the scoring service and serve the model behind an API "
    "(canary-answer-one).",
    "We cache embeddings so the same text is never embedded twice, and cache model outputs for repeated prompts.",
    "REST is simple and supported everywhere; gRPC has lower latency and suits high-throughput microservices.",
    "The offline store keeps the history we train on; the online store serves fresh features for inference.",
]


class RecordingFake(FakeOpenAI):
    """The fake OpenAI server, also keeping each request's headers."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[dict[str, str]] = []

    async def _chat(self, request: Any) -> Any:
        self.headers.append({k.lower(): v for k, v in request.headers.items()})
        return await super()._chat(request)


@pytest.fixture
def fake() -> Iterator[RecordingFake]:
    server = RecordingFake().start()
    try:
        yield server
    finally:
        server.stop()


class AllLogs:
    """Every record of every logger, at every level: levels, disabled loggers and ``propagate`` are bypassed by
    answering "yes" to every isEnabledFor and copying each record as a logger hands it to its handlers."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.lines: list[str] = []
        formatter = logging.Formatter()
        call_handlers = logging.Logger.callHandlers

        def record(logger: logging.Logger, rec: logging.LogRecord) -> None:
            try:
                message = rec.getMessage()
            except Exception:  # a bad format string still leaves msg and args to search
                message = f"{rec.msg!r} {rec.args!r}"
            extra = formatter.formatException(rec.exc_info) if rec.exc_info else ""
            self.lines.append(f"{rec.name} {rec.levelname} {message} {extra} {rec.stack_info or ''}")
            call_handlers(logger, rec)

        monkeypatch.setattr(logging.Logger, "isEnabledFor", lambda self, level: True)
        monkeypatch.setattr(logging.Logger, "callHandlers", record)
        for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
            if isinstance(logger, logging.Logger) and logger.disabled:
                monkeypatch.setattr(logger, "disabled", False)
        monkeypatch.setattr(logging.root.manager, "disable", logging.NOTSET)  # as logging.disable(NOTSET)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _page(at: AppTest) -> str:
    """Everything an AppTest page drew, as protobuf text (labels, values, messages, hidden ones too)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def _do(widget: Any) -> AppTest:
    """Run the app after a widget interaction (``click()``, ``set_value()``)."""
    at = widget.run()
    assert not at.exception, at.exception
    return at


def _pdf_text(pdf: bytes, drawn: list[str]) -> str:
    """The PDF as bytes, every stream inflated, and the text the report drew into it."""
    parts = [pdf.decode("latin-1")]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            parts.append(stream.decode("latin-1"))
    return "\n".join(parts + drawn)


def _database_text(db: Database) -> str:
    if db.url.startswith("sqlite"):
        path = Path(db.url.removeprefix("sqlite:///"))
        files = sorted(path.parent.glob(path.name + "*"))  # the file, its -wal and -shm
        assert path in files and len(files) >= 2, files
        return "\n".join(f.read_bytes().decode("latin-1") for f in files)
    rows = []
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            rows += [str(r[0]) for r in conn.execute(text(f'SELECT t::text FROM "{table}" AS t'))]
    return "\n".join(rows)


def test_no_secret_reaches_logs_output_database_exports_or_the_model_server(
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    fake: RecordingFake,
) -> None:
    import fpdf

    password = "pw-" + secrets.token_urlsafe(18)
    api_key = "sk-test-" + secrets.token_urlsafe(24)
    known = {
        "password": password,
        "mistyped password": password[:-1] + ("x" if password[-1] != "x" else "y"),
        "API key": api_key,
    }
    email = "rita@example.com"
    monkeypatch.setenv("INTERVIEW_GRADER_PASSWORD", password)
    monkeypatch.setenv("OPENAI_API_KEY", api_key)
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    monkeypatch.setenv("INTERVIEW_GRADER_LLM_RETRIES", "1")
    grader_for.cache_clear()
    # The pages use this test's database (the app's shared resources keep theirs); nothing grades this database
    # behind the test's back.
    for module in ("ui.recruiter_auth", "ui.screens_page", "ui.review_page", "ui.candidate_page"):
        monkeypatch.setattr(f"{module}.database", lambda: db)

    class NoGrader:
        def wake(self) -> None:
            pass

    for module in ("ui.review_page", "ui.candidate_page"):
        monkeypatch.setattr(f"{module}.background_grader", NoGrader)
    drawn: list[str] = []
    normalize = fpdf.FPDF.normalize_text

    def keep_drawn(self: fpdf.FPDF, value: str) -> str:
        drawn.append(value)
        return normalize(self, value)

    monkeypatch.setattr(fpdf.FPDF, "normalize_text", keep_drawn)
    logs = AllLogs(monkeypatch)
    # The CLI opens the database it is configured for; here that is this test's (one engine, closed at the end).
    monkeypatch.setattr("interview_grader.commands.screening_command._db", lambda: db)
    try:
        shown = _flow(db, fake, known, email, api_key)
    finally:
        grader_for("llm").judge.client._client.close()  # type: ignore[attr-defined]  # its connections to the fake server
        grader_for.cache_clear()
    out, err = capfd.readouterr()

    invite_id = shown.pop("invite id")
    screen_id = shown.pop("screen id")
    recruiter_id = shown.pop("recruiter id")
    artifacts = {
        "logs": logs.text,
        "stdout": out,
        "stderr": err,
        "database": _database_text(db),
        "export Markdown": exports.candidate_report(db, invite_id, "md", recruiter_id).decode(),
        "export CSV": exports.screen_csv(db, screen_id, recruiter_id),
        "export JSON": exports.screen_json(db, screen_id, recruiter_id),
        "export PDF": _pdf_text(exports.candidate_report(db, invite_id, "pdf", recruiter_id), drawn),
        "grading errors": "\n".join(a.error or "" for a in review.candidate(db, invite_id, recruiter_id).answers),
        "model server request bodies": json.dumps(fake.requests),
        **shown,
    }
    leaks = sorted((where, what) for where, blob in artifacts.items() for what, s in known.items() if s in blob)
    assert not leaks, f"secrets found (where, what): {leaks}"

    # Each search looked at something real.
    assert "INSERT INTO invites" in artifacts["logs"] and "interview_grader.audit" in artifacts["logs"]
    assert "openai" in artifacts["logs"] and "sqlalchemy.engine" in artifacts["logs"]
    assert "created recruiter account" in artifacts["stdout"]
    for where in ("database", "export Markdown", "export CSV", "export JSON", "export PDF"):
        assert "canary-answer-one" in artifacts[where], where
    assert "HTTP 401" in artifacts["grading errors"] and "HTTP 500" in artifacts["grading errors"]
    assert "HTTP 400" in artifacts["grading errors"] and "Grading failed" in artifacts["review page"]
    assert "canary-answer-one" in artifacts["model server request bodies"]
    # The key went where it belongs, and only there.
    assert len(fake.headers) == 5 and all(h["authorization"] == f"Bearer {api_key}" for h in fake.headers)


def _flow(db: Database, fake: RecordingFake, known: dict[str, str], email: str, api_key: str) -> dict[str, Any]:
    """The whole screening loop; adds the secrets it creates to ``known`` and returns what the pages showed."""

    def cli(*args: str) -> None:
        assert main(list(args)) == 0

    shown: dict[str, Any] = {}
    cli("user", "add", email, "--name", "Rita")

    # The recruiter mistypes the password, then signs in, builds an LLM-graded screen and invites.
    at = AppTest.from_file(APP, default_timeout=120)
    _run(at)
    at.switch_page("ui/page_scripts/screens.py").run()
    at.text_input[0].set_value(email)
    at.text_input[1].set_value(known["mistyped password"])
    _do(at.button[0].click())
    assert "Wrong e-mail or password" in at.error[0].value
    shown["sign-in page after a wrong password"] = _page(at)
    at.text_input[0].set_value(email)
    at.text_input[1].set_value(known["password"])
    _do(at.button[0].click())
    assert at.title[0].value == "Screens"
    known["recruiter session token"] = at.session_state[SESSION]
    at.text_input(key="new_title").set_value("LLM screen").run()
    at.multiselect(key="new_questions").set_value(["q06", "q11", "q09", "q10"]).run()
    at.selectbox(key="new_grader").set_value("llm").run()
    _do(next(b for b in at.button if b.label == "Create screen").click())
    assert "with 4 questions" in at.success[0].value
    at.text_input[-3].set_value("Cand Idate")
    at.text_input[-2].set_value("cand@example.com")
    _do(next(b for b in at.button if b.label == "Create private link").click())
    token = at.code[0].value.split("invite=")[1]
    known["invite token"] = token
    known["near-miss invite token"] = token[:-1] + ("A" if token[-1] != "A" else "B")

    # A guess at the link, then the candidate through the real one: consent, drafts, submits.
    guess = AppTest.from_file(APP, default_timeout=120)
    guess.query_params["invite"] = known["near-miss invite token"]
    _run(guess)
    assert guess.error[0].value == "This link is not valid."
    shown["candidate page for a wrong link"] = _page(guess)
    cand = AppTest.from_file(APP, default_timeout=120)
    cand.query_params["invite"] = token
    _run(cand)
    _do(cand.button[0].click())  # I agree, start
    for n, answer in enumerate(ANSWERS, start=1):
        assert f"Question {n} of 4" in cand.get("progress")[0].proto.text
        _do(cand.text_area[0].set_value(answer))  # saved as a draft
        if n == len(ANSWERS):  # the last question goes through the review step
            _do(next(b for b in cand.button if b.label == "Review and finish").click())
        _do(next(b for b in cand.button if b.label.startswith("Submit")).click())
    assert "all your answers are submitted" in cand.success[0].value
    shown["candidate page"] = _page(cand)

    # The background grader meets a server that grades one answer, then echoes the key in its errors.
    fake.push(
        Reply(everything_covered()),
        Status(401, f"Incorrect API key provided: {api_key}"),
        Status(500, f"upstream error for key {api_key}"),
        Status(500, f"upstream error for key {api_key}"),  # the retry
        Status(400, f"invalid request from key {api_key}"),
    )
    assert worker.run_pending(db, grader_for) == 4

    # The recruiter reviews the failures, exports from the CLI, and signs out.
    at.switch_page("ui/page_scripts/review.py").run()
    assert not at.exception, at.exception
    assert [v for v in at.dataframe[0].value["status"]] == ["failed"]
    shown["review page"] = _page(at)
    screen_id = at.selectbox(key="review_screen").value
    invite_id = at.selectbox(key="review_candidate").value
    cli("export", "--screen", str(screen_id), "--format", "csv")
    cli("export", "--candidate", str(invite_id), "--format", "md")
    _do(next(b for b in at.button if b.label == "Sign out").click())
    assert at.title[0].value == "Recruiter sign-in"
    with db.session() as s:
        recruiter_id = s.scalar(select(Recruiter.id).where(Recruiter.email == email))
    return shown | {"invite id": invite_id, "screen id": screen_id, "recruiter id": recruiter_id}
