"""The shipped bank (reviewed key points) and the YAML bank format."""

from __future__ import annotations

from pathlib import Path

import pytest

from rubric.guide_import import import_guide
from rubric.model import Bank
from rubric.yaml_bank import BankError, dump_bank, load_bank, parse_bank

POINTS_PER_SECTION = {1: 17, 2: 15, 3: 12, 4: 18, 5: 20, 6: 12, 7: 16, 8: 14, 9: 13, 10: 15}


def test_shipped_bank_has_fifty_reviewed_questions_five_per_section(shipped_bank: Bank) -> None:
    assert len(shipped_bank.questions) == 50
    per_section = {s: sum(q.section == s for q in shipped_bank.questions) for s in range(1, 11)}
    assert per_section == {s: 5 for s in range(1, 11)}
    assert all(q.review == "reviewed" for q in shipped_bank.questions)
    assert [q.id for q in shipped_bank.questions] == [f"q{n:02d}" for n in range(1, 51)]


def test_shipped_bank_points_are_non_empty_and_well_formed(shipped_bank: Bank) -> None:
    for q in shipped_bank.questions:
        assert 1 <= len(q.points) <= 7, q.id
        for i, p in enumerate(q.points, start=1):
            assert p.id == f"{q.id}.{i}"
            assert p.label.strip() and p.text.strip(), p.id
            assert all(e.strip() for e in p.examples), p.id
    per_section = {s: sum(len(q.points) for q in shipped_bank.questions if q.section == s) for s in range(1, 11)}
    assert per_section == POINTS_PER_SECTION


def test_shipped_bank_keeps_the_guide_verbatim(shipped_bank: Bank, guide_path: Path) -> None:
    imported = import_guide(guide_path)
    for mine, fresh in zip(shipped_bank.questions, imported.questions, strict=True):
        assert (mine.number, mine.section, mine.section_title, mine.text, mine.logic, mine.notes) == (
            fresh.number,
            fresh.section,
            fresh.section_title,
            fresh.text,
            fresh.logic,
            fresh.notes,
        )


def test_examples_come_from_the_guide(shipped_bank: Bank) -> None:
    """Points carry the guide's own examples; 'Good answers ...' lines are examples, not points."""
    q6 = shipped_bank.get("q06")
    assert [p.label for p in q6.points] == [
        "stream ingestion",
        "low-latency model server",
        "Redis caching",
        "API gateway",
        "monitoring",
    ]
    assert q6.points[0].examples == ["Kafka"] and q6.points[1].examples == ["ONNX", "Triton"]
    q1 = shipped_bank.get("q01")
    assert len(q1.points) == 3
    assert q1.points[2].examples == ["fraud prevention", "smart personalization", "reducing user effort"]
    for q in shipped_bank.questions:
        logic = q.logic.lower() + " " + " ".join(q.notes).lower()
        for p in q.points:
            for example in p.examples:
                assert example.lower() in logic.replace("**", ""), (p.id, example)


def test_lookup_by_id_and_number(shipped_bank: Bank) -> None:
    assert shipped_bank.get("q06").number == 6
    assert shipped_bank.get(6).id == "q06"
    assert shipped_bank.get("6").id == "q06"
    assert shipped_bank.get("Q06").id == "q06"
    with pytest.raises(KeyError):
        shipped_bank.get("q99")


def test_content_hash_is_stable_and_changes_with_the_rubric(shipped_bank: Bank) -> None:
    again = parse_bank(dump_bank(shipped_bank))
    assert again == shipped_bank
    assert again.content_hash() == shipped_bank.content_hash()
    q = shipped_bank.questions[0]
    edited_point = q.points[0].model_copy(update={"text": "Something else"})
    edited = shipped_bank.model_copy(
        update={
            "questions": [q.model_copy(update={"points": [edited_point, *q.points[1:]]}), *shipped_bank.questions[1:]]
        }
    )
    assert edited.content_hash() != shipped_bank.content_hash()
    assert edited.questions[0].content_hash() != q.content_hash()
    assert edited.questions[1].content_hash() == shipped_bank.questions[1].content_hash()


HAND_WRITTEN = """\
id: k8s
title: Kubernetes basics
questions:
  - number: 1
    section_title: Probes
    text: How does a readiness probe differ from a liveness probe?
    logic: Readiness gates traffic; liveness restarts the container.
    points:
      - label: readiness gates traffic
        text: A failing readiness probe takes the pod out of the service endpoints
      - label: liveness restarts
        text: A failing liveness probe makes the kubelet restart the container
        examples: [crash loop]
"""


def test_hand_written_yaml_bank_gets_default_ids() -> None:
    bank = parse_bank(HAND_WRITTEN)
    q = bank.get(1)
    assert q.id == "q01" and q.section == 1 and q.review == "draft"
    assert [p.id for p in q.points] == ["q01.1", "q01.2"]
    assert q.points[1].examples == ["crash loop"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            HAND_WRITTEN.replace(
                "text: A failing liveness probe makes the kubelet restart the container", "text: '  '"
            ),
            "bank.yaml:12: questions.0.points.1.text: must not be empty",
        ),
        (HAND_WRITTEN[: HAND_WRITTEN.index("    points:")] + "    points: []\n", "has no key points"),
        ("id: x\ntitle: y\nquestions: [\n", "not valid YAML"),
        ("- just\n- a list\n", "a bank is a mapping"),
        (HAND_WRITTEN + HAND_WRITTEN[HAND_WRITTEN.index("  - number") :], "two questions share the id 'q01'"),
    ],
)
def test_bad_yaml_banks_get_clear_errors(text: str, fragment: str) -> None:
    with pytest.raises(BankError) as err:
        parse_bank(text, "bank.yaml")
    assert fragment in str(err.value)


def test_load_bank_reports_bad_encoding_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_bytes(HAND_WRITTEN.encode().replace(b"Kubernetes", b"Kub\xe9rnetes"))
    with pytest.raises(BankError, match=r"b\.yaml:2: not valid UTF-8"):
        load_bank(path)
