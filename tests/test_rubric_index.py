"""The rubric index: exact and free-text lookups, retrieval quality, rebuilds, LangChain interfaces."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from rubric.index import MATCH_THRESHOLD, NoMatchingRubric, RubricIndex
from rubric.model import Bank
from rubric.retriever import as_retriever

PARAPHRASES = Path(__file__).parent / "data" / "question-paraphrases.yaml"


def _load_set() -> tuple[dict[str, str], list[str]]:
    raw = yaml.safe_load(PARAPHRASES.read_text(encoding="utf-8"))
    return raw["paraphrases"], raw["unrelated"]


def test_paraphrase_set_covers_every_question(shipped_bank: Bank) -> None:
    paraphrases, unrelated = _load_set()
    assert sorted(paraphrases) == [q.id for q in shipped_bank.questions]
    for qid, text in paraphrases.items():
        assert text.strip().lower() != shipped_bank.get(qid).text.strip().lower()
    assert len(unrelated) == 10


def test_at_least_48_of_50_paraphrases_retrieve_their_own_rubric(rubric_index: RubricIndex) -> None:
    paraphrases, _ = _load_set()
    wrong = {}
    for qid, text in paraphrases.items():
        try:
            got = rubric_index.match(text).question.id
        except NoMatchingRubric:
            got = "no match"
        if got != qid:
            wrong[qid] = got
    assert len(wrong) <= 2, wrong


def test_unrelated_questions_get_no_matching_rubric(rubric_index: RubricIndex) -> None:
    _, unrelated = _load_set()
    for text in unrelated:
        with pytest.raises(NoMatchingRubric) as miss:
            rubric_index.match(text)
        assert miss.value.suggestions, "a miss still offers the closest questions"
        assert miss.value.suggestions[0].score < MATCH_THRESHOLD


def test_fetch_by_id_is_exact(rubric_index: RubricIndex) -> None:
    assert rubric_index.by_id("q21").number == 21
    match = rubric_index.resolve("q21")
    assert match.question.id == "q21" and match.score == 1.0
    assert rubric_index.resolve("21").question.id == "q21"


def test_search_reports_similarity_and_orders_by_score(rubric_index: RubricIndex) -> None:
    found = rubric_index.search("What is the difference between a canary release and an A/B test?", k=3)
    assert found[0].question.id == "q17"
    assert found[0].similarity > 0.8
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)


def test_blank_text_is_no_match(rubric_index: RubricIndex) -> None:
    with pytest.raises(NoMatchingRubric):
        rubric_index.match("   ")


def test_langchain_retriever_and_vectorstore(rubric_index: RubricIndex) -> None:
    retriever = as_retriever(rubric_index, k=2)
    docs = retriever.invoke("Which caches cut the cost of LLM calls?")
    assert docs and docs[0].metadata["question_id"] == "q09"
    assert "Deduplicate identical requests" in docs[0].page_content
    assert retriever.invoke("What is your favourite colour?") == []
    hits = rubric_index.vectorstore.similarity_search("online versus offline feature store", k=1)
    assert hits[0].metadata["question_id"] == "q11"
    assert rubric_index.vectorstore._collection.count() == 50


def _tiny_bank(shipped_bank: Bank, n: int) -> Bank:
    return Bank(id="tiny", title="tiny", questions=shipped_bank.questions[:n])


def test_index_reopens_without_rebuilding_and_rebuilds_when_the_bank_changes(
    shipped_bank: Bank, tmp_path: Path
) -> None:
    first = RubricIndex(_tiny_bank(shipped_bank, 3), tmp_path)
    assert first.rebuilt
    started = time.perf_counter()
    again = RubricIndex(_tiny_bank(shipped_bank, 3), tmp_path)
    reopen_seconds = time.perf_counter() - started
    assert not again.rebuilt
    assert reopen_seconds < 1.0, f"reopening took {reopen_seconds:.2f} s"

    changed = _tiny_bank(shipped_bank, 4)
    grown = RubricIndex(changed, tmp_path)
    assert grown.rebuilt
    assert grown.vectorstore._collection.count() == 4
    # a local index keeps only the current version: the 3-question collections are gone
    names = {c.name for c in grown._client.list_collections()}
    assert names == {grown.vectorstore._collection.name, grown.vectorstore._collection.name + "-q"}
    assert grown.resolve("How do you choose between fine-tuning and an API?").question.id == "q04"


def test_an_interrupted_build_is_redone(shipped_bank: Bank, tmp_path: Path) -> None:
    index = RubricIndex(_tiny_bank(shipped_bank, 2), tmp_path)
    index.vectorstore._collection.modify(metadata={"fingerprint": "building"})
    assert RubricIndex(_tiny_bank(shipped_bank, 2), tmp_path).rebuilt


def test_a_fresh_process_reopens_the_persisted_index(shipped_bank: Bank, tmp_path: Path) -> None:
    """The registered embedding function lets a new process open the collection offline."""
    import subprocess
    import sys

    name = RubricIndex(_tiny_bank(shipped_bank, 3), tmp_path).vectorstore._collection.name
    assert name.startswith("rubric-tiny-")  # the bank's id and a digest of its version
    code = (
        "import chromadb, sys\n"
        "import rubric.embedding_functions  # registers the embedding function\n"
        f"client = chromadb.PersistentClient(path={str(tmp_path)!r})\n"
        f"col = client.get_collection({name!r})\n"
        "res = col.query(query_texts=['fraud detection feature in a banking app'], n_results=1)\n"
        "print(res['ids'][0][0])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "q01"
