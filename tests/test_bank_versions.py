"""Banks in the database, versioned: an edit names the version it was made on, the first save wins, a later
save on the same version is refused with a message naming the winner, and nothing is half-written."""

from __future__ import annotations

from pathlib import Path

import pytest

from rubric.editing import EditError, edited_question, points_text, with_question
from rubric.model import Bank
from store import bank_versions
from store.bank_versions import BankConflict, BankFollower, UnknownVersion
from store.db import Database


def _edit(bank: Bank, qid: str, extra: str) -> Bank:
    q = bank.get(qid)
    return with_question(bank, edited_question(q, q.text, points_text(q) + f"\n{extra}"))


def test_the_first_save_on_a_version_wins_and_the_second_is_refused(db: Database, shipped_bank: Bank) -> None:
    v1 = bank_versions.publish(db, shipped_bank, based_on=None, author="seed")
    assert v1.info.version == 1 and v1.info.stamp == f"{shipped_bank.id}@{shipped_bank.content_hash()[:12]}"
    ada = _edit(shipped_bank, "q06", "observability | dashboards and alerts on latency")
    ben = _edit(shipped_bank, "q06", "feature store | precomputed features")
    v2 = bank_versions.publish(db, ada, based_on=1, author="ada@example.com")
    assert v2.info.version == 2 and v2.info.based_on == 1
    with pytest.raises(BankConflict) as refused:
        bank_versions.publish(db, ben, based_on=1, author="ben@example.com")
    message = str(refused.value)
    assert "version 2 was saved by ada@example.com" in message and "was not saved" in message
    assert refused.value.latest is not None and refused.value.latest.version == 2
    assert [v.version for v in bank_versions.history(db, shipped_bank.id)] == [1, 2]
    stored = bank_versions.latest(db, shipped_bank.id)
    assert stored is not None and stored.bank == ada
    assert stored.bank.get("q06").points[-1].label == "observability"


def test_saving_the_same_content_adds_no_version(db: Database, shipped_bank: Bank) -> None:
    bank_versions.publish(db, shipped_bank, based_on=None, author="seed")
    again = bank_versions.publish(db, shipped_bank, based_on=1, author="someone")
    assert again.info.version == 1 and len(bank_versions.history(db, shipped_bank.id)) == 1


def test_a_version_is_found_by_number_stamp_or_hash(db: Database, shipped_bank: Bank) -> None:
    v1 = bank_versions.publish(db, shipped_bank, based_on=None, author="seed")
    v2 = bank_versions.publish(db, _edit(shipped_bank, "q01", "x | y"), based_on=1, author="ada")
    for ref in ("1", "v1", 1, v1.info.stamp, v1.info.content_hash[:8]):
        assert bank_versions.get(db, shipped_bank.id, ref).info.version == 1
    assert bank_versions.get(db, shipped_bank.id, v2.info.stamp).info.version == 2
    with pytest.raises(UnknownVersion, match="no version 'v9'"):
        bank_versions.get(db, shipped_bank.id, "v9")


def test_the_bank_file_seeds_once_and_again_only_when_it_changes(db: Database, shipped_bank: Bank) -> None:
    assert bank_versions.sync_from_file(db, shipped_bank, "file").info.version == 1
    assert bank_versions.sync_from_file(db, shipped_bank, "file").info.version == 1
    edited = _edit(shipped_bank, "q02", "edge | an edge case")
    bank_versions.publish(db, edited, based_on=1, author="ada")
    assert bank_versions.sync_from_file(db, shipped_bank, "file").bank == edited  # the saved edit stands
    changed_file = _edit(shipped_bank, "q03", "more | something more")
    synced = bank_versions.sync_from_file(db, changed_file, "file")
    assert synced.info.version == 3 and synced.info.based_on == 2 and synced.bank == changed_file


def test_a_follower_picks_up_a_version_saved_by_another_process(db: Database, shipped_bank: Bank) -> None:
    other = Database(db.url)
    try:
        follower = BankFollower(db, lambda: shipped_bank, "file")
        assert follower.current().info.version == 1
        bank_versions.publish(other, _edit(shipped_bank, "q04", "p | q"), based_on=1, author="ben")
        assert follower.current().info.version == 2
    finally:
        other.dispose()


def test_a_bad_edit_says_what_is_wrong(shipped_bank: Bank) -> None:
    q = shipped_bank.get("q06")
    with pytest.raises(EditError, match="at least one key point"):
        edited_question(q, q.text, "  \n ")
    with pytest.raises(EditError, match="text is empty"):
        edited_question(q, " ", points_text(q))
    with pytest.raises(EditError, match="share a label"):
        edited_question(q, q.text, "a | one\na | two")


def test_the_editor_text_of_every_seed_question_reads_back_unchanged(shipped_bank: Bank) -> None:
    for q in shipped_bank.questions:  # labels such as "prod: CI/CD" hold colons
        assert edited_question(q, q.text, points_text(q)).points == q.points


def test_an_unchanged_point_keeps_its_paraphrases_and_a_new_point_gets_a_new_id(shipped_bank: Bank) -> None:
    q = shipped_bank.get("q06")
    lines = points_text(q).splitlines()
    edited = edited_question(q, q.text, "\n".join([lines[0], "alerts | page on-call when latency rises"]))
    assert edited.points[0] == q.points[0] and edited.points[0].paraphrases
    assert edited.points[1].id not in {p.id for p in q.points} and edited.points[1].paraphrases == []
    assert edited.logic == f"{q.points[0].text}; page on-call when latency rises"


def test_the_bank_commands_export_publish_and_refuse_a_stale_publish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from interview_grader.cli import main

    monkeypatch.delenv("DATABASE_URL", raising=False)
    home = str(tmp_path / "home")

    def cli(*args: str) -> tuple[int, str, str]:
        code = main(["--home", home, "bank", *args])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = cli("export", "-o", str(tmp_path / "bank.yaml"))
    assert code == 0 and "version 1" in out
    text = (tmp_path / "bank.yaml").read_text()
    (tmp_path / "bank.yaml").write_text(text.replace("Stream ingestion of the events", "Stream every payment event"))
    assert "pass --based-on" in cli("publish", str(tmp_path / "bank.yaml"))[2]
    code, out, _ = cli("publish", str(tmp_path / "bank.yaml"), "--based-on", "1", "--author", "ada")
    assert code == 0 and "saved version 2" in out
    code, _, err = cli("publish", str(tmp_path / "bank.yaml"), "--based-on", "1", "--author", "ben")
    assert code == 1 and "version 2 was saved by ada" in err
    listed = cli("versions")[1].splitlines()
    assert [line.split()[0] for line in listed] == ["v1", "v2"] and "ada" in listed[1]
    # the other commands read the stored latest version too, as the app does
    assert "Stream every payment event" in cli("show", "q06")[1]
