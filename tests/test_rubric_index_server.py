"""The rubric index on a real Chroma server (``chroma run`` on loopback), as replicas share it via CHROMA_URL:
it answers as the local index does, a second replica opens it without embedding anything, replicas that build
the same version at once both end with the whole index, a changed bank gets its own version while the old one
stays readable, and an unreachable server is a clear error."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster.chroma import chroma_server
from config.settings import SettingsError, load_settings
from rubric.index import IndexUnavailable, RubricIndex, open_index
from rubric.model import Bank, KeyPoint

pytestmark = pytest.mark.slow  # starts a Chroma server

QUERIES = {
    "How would you design real-time features for fraud detection?": "q12",
    "When would you fine-tune a model instead of calling an API?": "q04",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with chroma_server(tmp_path_factory.mktemp("chroma")) as url:
        yield url


def _bank(shipped_bank: Bank, bank_id: str, n: int = 12) -> Bank:
    return Bank(id=bank_id, title=bank_id, questions=shipped_bank.questions[:n])


def test_the_server_index_answers_as_the_local_one_does(
    server: str, shipped_bank: Bank, rubric_index: RubricIndex
) -> None:
    remote = RubricIndex(shipped_bank, chroma_url=server)
    assert remote.chroma_url == server and remote.vectorstore._collection.count() == 50
    for text, expected in QUERIES.items():
        assert remote.resolve(text).question.id == expected
        assert [m.question.id for m in remote.search(text, k=5)] == [
            m.question.id for m in rubric_index.search(text, k=5)
        ]
    # LangChain's retriever reads the server's collection
    assert remote.vectorstore.similarity_search("card fraud in real time", k=1)[0].metadata["question_id"]


def test_a_second_replica_opens_the_index_without_building(server: str, shipped_bank: Bank, tmp_path: Path) -> None:
    bank = _bank(shipped_bank, "second-replica")
    assert RubricIndex(bank, chroma_url=server).rebuilt
    # another process (a replica on another machine) finds it current
    code = (
        "from rubric.index import RubricIndex\n"
        "from rubric.model import Bank\n"
        "from rubric.bank import load_default_bank\n"
        "shipped = load_default_bank()\n"
        "bank = Bank(id='second-replica', title='second-replica', questions=shipped.questions[:12])\n"
        f"index = RubricIndex(bank, chroma_url={server!r})\n"
        "match = index.resolve('When would you fine-tune a model instead of calling an API?')\n"
        "print(index.rebuilt, match.question.id)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "q04"]


def test_replicas_building_the_same_version_at_once_both_get_the_whole_index(server: str, shipped_bank: Bank) -> None:
    bank = _bank(shipped_bank, "race", n=30)
    opened: list[RubricIndex] = []
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def replica() -> None:
        try:
            start.wait()
            opened.append(RubricIndex(bank, chroma_url=server))
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=replica) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert len(opened) == 3
    for index in opened:
        assert index.vectorstore._collection.count() == 30
        assert index._is_current()
        assert index.resolve("How would you design real-time features for fraud detection?").question.id == "q12"


def test_a_changed_bank_gets_its_own_version_and_the_old_one_stays_readable(server: str, shipped_bank: Bank) -> None:
    old = _bank(shipped_bank, "versioned")
    first = RubricIndex(old, chroma_url=server)
    q = old.questions[0]
    edited_question = q.model_copy(
        update={"points": [*q.points, KeyPoint(id=f"{q.id}.9", label="new point", text="A point added later.")]}
    )
    new = Bank(id="versioned", title="versioned", questions=[edited_question, *old.questions[1:]])
    second = RubricIndex(new, chroma_url=server)
    assert second.rebuilt and second.fingerprint != first.fingerprint
    assert second.vectorstore._collection.name != first.vectorstore._collection.name
    # a replica still on the old version keeps reading it
    assert first.vectorstore._collection.count() == len(old.questions)
    assert RubricIndex(old, chroma_url=server).rebuilt is False


def test_open_index_follows_the_chroma_url_setting(server: str, shipped_bank: Bank, monkeypatch) -> None:
    monkeypatch.setenv("CHROMA_URL", server)
    index = open_index(_bank(shipped_bank, "from-settings", n=5))
    assert index.chroma_url == server and index.directory is not None  # the directory is not used
    assert index.vectorstore._collection.count() == 5


def test_an_unreachable_server_is_a_clear_error(shipped_bank: Bank) -> None:
    from tests.app_server import free_port

    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(IndexUnavailable, match=rf"the Chroma server at {url} did not answer.*chroma run"):
        RubricIndex(_bank(shipped_bank, "nowhere", n=2), chroma_url=url)


def test_a_malformed_chroma_url_names_the_variable() -> None:
    with pytest.raises(SettingsError, match=r"CHROMA_URL.*expected http://host:port"):
        load_settings(chroma_url="127.0.0.1:8000")
