"""Importing markdown guides: the shipped guide, its escapes, and every kind of malformed guide."""

from __future__ import annotations

from pathlib import Path

import pytest

from interview_grader.cli import main
from rubric.guide_import import GuideError, import_guide, parse_guide, unescape

GOOD = """\\# My guide

\\## Section 1. Basics

1\\. \\*\\*What is a cache?\\*\\*\u00a0\u00a0
\u00a0 - Logic: A \\*\\*fast store\\*\\* for repeated reads (e.g. Redis); invalidation matters.\u00a0
\u00a0 - Good answers mention TTLs or write-through.

2\\. \\*\\*What is a queue?\\*\\*
  - Logic: Decouples producers and consumers,
    absorbs bursts.

\\## Section 2. More

3\\. \\*\\*Why rate-limit?\\*\\*
  - Logic: Per user/IP/token quotas.
"""


def write(tmp_path: Path, text: str | bytes, name: str = "guide.md") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_the_shipped_guide_imports_fifty_questions_in_ten_sections(guide_path: Path) -> None:
    bank = import_guide(guide_path)
    assert len(bank.questions) == 50
    assert [q.number for q in bank.questions] == list(range(1, 51))
    assert len(bank.sections()) == 10
    assert all(sum(q.section == s for q in bank.questions) == 5 for s in bank.sections())
    q6 = bank.get("q06")
    assert q6.text == "Design a fraud detection API with <100ms SLA. What infra do you need?"
    assert q6.logic == (
        "End-to-end design: stream ingestion (Kafka), low-latency model server (ONNX/Triton), "
        "Redis caching, API gateway, monitoring."
    )
    assert bank.get(1).notes == [
        "Good answers focus on fraud prevention, smart personalization, or reducing user effort."
    ]
    assert bank.get(1).logic == "Start with the **user journey**, find friction points, then map AI to value-add."
    assert all(q.review == "draft" for q in bank.questions)
    # The "Final Note" section after question 50 is not part of any rubric.
    assert "Final Note" not in bank.get(50).logic and bank.get(50).notes == []


def test_draft_points_split_lists_and_keep_examples(guide_path: Path) -> None:
    bank = import_guide(guide_path)
    q6 = bank.get(6)
    assert [p.text for p in q6.points] == [
        "Stream ingestion",
        "Low-latency model server",
        "Redis caching",
        "API gateway",
        "Monitoring",
    ]
    assert q6.points[0].examples == ["Kafka"]
    assert q6.points[1].examples == ["ONNX", "Triton"]
    rag = bank.get(21)
    assert len(rag.points) == 7  # Ingest → chunk → embed → vector DB → retriever → re-ranker → LLM
    # "Good answers ..." lines become examples, never new required points.
    q1 = bank.get(1)
    assert len(q1.points) == 3
    assert "smart personalization" in q1.points[-1].examples
    # Two-sided definitions name their subject, so graders can catch swapped definitions.
    assert [p.subject for p in bank.get(11).points] == [["Offline"], ["Online"]]


def test_escapes_nbsp_continuations_and_notes(tmp_path: Path) -> None:
    bank = import_guide(write(tmp_path, GOOD))
    assert bank.title == "My guide"
    first = bank.get(1)
    assert first.text == "What is a cache?"
    assert first.logic == "A **fast store** for repeated reads (e.g. Redis); invalidation matters."
    assert first.notes == ["Good answers mention TTLs or write-through."]
    assert bank.get(2).logic == "Decouples producers and consumers, absorbs bursts."
    assert bank.get(3).section == 2 and bank.get(3).section_title == "More"
    assert unescape(r"1\. \*\*x\*\* \<100ms") == "1. **x** <100ms"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("# Title\n\nJust prose, no questions.\n", 0, "no questions found"),
        (
            "## Section 1. A\n\n1. **Q one?**\n  - Logic: fine.\n\n2. **Q two?**\n  - Good answers say x.\n",
            6,
            "question 2 has no 'Logic:' line",
        ),
        (
            "## Section 1. A\n\n1. **Q one?**\n  - Logic: a.\n\n1. **Q again?**\n  - Logic: b.\n",
            6,
            "question number 1 is used twice (first on line 3)",
        ),
        ("## Section 1. A\n\n1. **Q one?**\n  - Logic:\n", 4, "empty Logic line"),
        ("## Section 1. A\n\n1. **Q one?**\n  - Logic: a.\n  - Logic: b.\n", 5, "second Logic line"),
    ],
)
def test_malformed_guides_name_the_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    with pytest.raises(GuideError) as err:
        import_guide(write(tmp_path, text))
    assert err.value.line == line
    assert fragment in str(err.value)
    if line:
        assert f"guide.md:{line}:" in str(err.value)


def test_bad_encoding_names_the_line(tmp_path: Path) -> None:
    data = "## Section 1. A\n\n1. **Caf\u00e9?**\n".encode("latin-1") + b"  - Logic: x.\n"
    with pytest.raises(GuideError) as err:
        import_guide(write(tmp_path, data))
    assert err.value.line == 3
    assert "not valid UTF-8" in str(err.value)


def test_binary_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GuideError, match="NUL byte"):
        import_guide(write(tmp_path, b"1. **Q?**\n\x00\x00"))


def test_cli_import_writes_a_bank_and_a_bad_guide_writes_nothing(
    tmp_path: Path, guide_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bank.yaml"
    assert main(["bank", "import", str(guide_path), "-o", str(out)]) == 0
    assert "50 questions in 10 sections" in capsys.readouterr().out
    assert out.exists()

    bad = write(tmp_path, "## Section 1. A\n\n1. **Q?**\n  - Good answers x\n", "bad.md")
    target = tmp_path / "never.yaml"
    assert main(["bank", "import", str(bad), "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert "bad.md:3: question 1 has no 'Logic:' line (nothing was written)" in err
    assert not target.exists()
    assert list(tmp_path.glob(".never.yaml*")) == []


def test_cli_import_refuses_to_overwrite_and_keeps_reviewed_points(
    tmp_path: Path, guide_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rubric.bank import SHIPPED_BANK
    from rubric.yaml_bank import load_bank

    out = tmp_path / "bank.yaml"
    out.write_bytes(SHIPPED_BANK.read_bytes())
    before = out.read_bytes()
    assert main(["bank", "import", str(guide_path), "-o", str(out)]) == 1
    assert "pass --force" in capsys.readouterr().err
    assert out.read_bytes() == before

    assert main(["bank", "import", str(guide_path), "-o", str(out), "--force"]) == 0
    assert "kept the reviewed points of 50 unchanged questions" in capsys.readouterr().out
    assert load_bank(out).questions == load_bank(SHIPPED_BANK).questions


def test_parse_guide_without_sections_uses_one_general_section() -> None:
    bank = parse_guide("1. **Q?**\n  - Logic: A, B and C.\n")
    assert bank.get(1).section == 1 and bank.get(1).section_title == "General"
    assert [p.text for p in bank.get(1).points] == ["A", "B", "C"]
