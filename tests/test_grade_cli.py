"""``interview-grader grade``: single answers, batches, and every kind of bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from interview_grader.cli import main
from tests.fake_openai import Reply, fake_openai

GOOD = "We cache embeddings so a document is never embedded twice, and we dedupe identical requests."


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVIEW_GRADER_HOME", str(tmp_path_factory.getbasetemp() / "grade-cli-home"))
    monkeypatch.delenv("INTERVIEW_GRADER_BANK", raising=False)
    monkeypatch.chdir(tmp_path_factory.getbasetemp())  # no stray .env is read


def write(tmp_path: Path, text: str | bytes, name: str = "answer.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_grade_a_file_by_question_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", "--question", "q09", "--answer-file", str(write(tmp_path, GOOD)), "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("q09: What caching strategies")
    assert "[x] covered embedding caches" in out and "offline grader" in out
    assert "Feedback:" in out


def test_grade_stdin_by_question_text_as_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(GOOD.encode())))
    assert main(["grade", "--question", "Which caches cut LLM API costs?", "--answer-file", "-", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["question_id"] == "q09" and result["meta"]["grader"] == "offline"
    assert result["score"] == round(100 * result["coverage"])
    for point in result["points"]:
        for e in point["evidence"]:
            assert GOOD[e["start"] : e["end"]] == e["text"]


def test_the_second_grading_comes_from_the_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD + " Cached run.")
    assert main(["grade", "--question", "q09", "--answer-file", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["meta"]["cached"] is False
    assert main(["grade", "--question", "q09", "--answer-file", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["meta"]["cached"] is True


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (None, ["--question", "q09", "--answer-file", "/nonexistent/answer.txt"], "no answer file at"),
        (b"caf\xe9 latte\n", ["--question", "q09"], "not valid UTF-8"),
        ("x" * 20_001, ["--question", "q09"], "the limit is 20,000"),
        (GOOD, ["--question", "q99"], "no matching rubric for question 'q99'"),
        (GOOD, ["--question", "What is your favourite colour?"], "no matching rubric"),
        (GOOD, [], "--question is required"),
    ],
)
def test_bad_input_gets_a_clear_message_and_a_nonzero_exit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes | None, args: list[str], message: str
) -> None:
    argv = ["grade", *args]
    if content is not None:
        argv += ["--answer-file", str(write(tmp_path, content))]
    assert main(argv) == 1
    assert message in capsys.readouterr().err


def test_llm_without_configuration_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", "--grader", "llm", "--question", "q09", "--answer-file", str(write(tmp_path, GOOD))]) == 1
    assert "OPENAI_API_KEY" in capsys.readouterr().err


def test_batch_keeps_going_and_reports_failed_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [
        json.dumps({"id": "a", "question": "q09", "answer": GOOD}),
        "{broken json",
        json.dumps({"id": "c", "question": "What is your favourite colour?", "answer": GOOD}),
        json.dumps({"id": "d", "question": "q11", "answer": "The online store serves real-time inference."}),
        json.dumps({"id": "e", "question": "q11"}),
        json.dumps({"id": "f", "question": "q06", "answer": "y" * 30_000}),
        "",
        json.dumps({"id": 7, "question": "6", "answer": ""}),
    ]
    src = write(tmp_path, "\n".join(lines), "in.jsonl")
    out = tmp_path / "out.jsonl"
    assert main(["grade", "--answers-jsonl", str(src), "-o", str(out)]) == 1
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r.get("id") for r in records] == ["a", None, "c", "d", "e", "f", 7]
    ok = {r["id"]: r for r in records if "error" not in r}
    assert set(ok) == {"a", "d", 7}
    assert ok["a"]["question_id"] == "q09" and ok["d"]["points"][1]["verdict"] == "covered"
    assert ok[7]["abstained"] is True
    errors = {r["line"]: r["error"] for r in records if "error" in r}
    assert "not valid JSON" in errors[2] and "no matching rubric" in errors[3]
    assert 'needs a "question"' in errors[5] and "the limit is 20,000" in errors[6]
    err = capsys.readouterr().err
    assert "graded 3 answers, 4 failed" in err and "in.jsonl:2:" in err


def test_llm_grading_and_show_prompt_through_an_openai_compatible_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD)
    with fake_openai() as server:
        assert (
            main(
                [
                    "grade",
                    "--base-url",
                    server.base_url,
                    "--question",
                    "q09",
                    "--answer-file",
                    str(path),
                    "--show-prompt",
                ]
            )
            == 0
        )
        shown = capsys.readouterr().out
        assert "### system" in shown and GOOD in shown and server.requests == []

        claims = [
            ("q09.1", "We cache embeddings"),
            ("q09.2", "we also cache every model output"),  # not in the answer: rejected
            ("q09.3", "we dedupe identical requests"),
        ]
        server.push(
            Reply(
                {
                    "points": [
                        {"point_id": pid, "evidence_quote": quote, "reason": "r", "verdict": "covered"}
                        for pid, quote in claims
                    ]
                }
            )
        )
        assert (
            main(
                [
                    "grade",
                    "--base-url",
                    server.base_url,
                    "--model",
                    "my-model",
                    "--question",
                    "q09",
                    "--answer-file",
                    str(path),
                    "--json",
                    "--no-cache",
                ]
            )
            == 0
        )
        result = json.loads(capsys.readouterr().out)
    assert result["meta"]["grader"] == "llm" and result["meta"]["model"] == "my-model"
    assert [p["verdict"] for p in result["points"]] == ["covered", "missed", "covered"]
    assert result["meta"]["rejected_claims"] == 1
