"""The rubric index: find a question's rubric by id, or by how a candidate or recruiter words the question.

Storage is a Chroma collection with one document per question (the question and its points), used through
LangChain's vector-store interface, plus a second collection of the bare question texts. Chroma is local (a
persistent directory in the data home) or a server shared by every replica (``CHROMA_URL``). A collection's
name carries a digest of its fingerprint (the bank's content, the glossary, the embedding model), so a changed
bank gets new collections and an unchanged one opens without embedding anything. Building is an idempotent
upsert of deterministic ids followed by a "complete" mark, so two replicas that build the same version at once
write the same rows and neither can leave the other a half-built index; a local build also holds a file lock.

Matching free text scores every candidate with three signals, chosen on the calibration set
(``rubric/data/match-calibration.yaml``; ``interview-grader index calibrate`` reproduces the figures):

    score = (0.5 * cos(query, question) + 1.0 * cos(query, question + points)) / 1.5 + 0.2 * lexical

where ``lexical`` is the idf-weighted share of the query's content words found in the rubric. Below
``MATCH_THRESHOLD`` the answer is "no matching rubric" with the closest questions as suggestions: a wrong
rubric would grade the answer against the wrong points, which is worse than asking.
"""

from __future__ import annotations

import fcntl
import hashlib
import math
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from config.offline import enforce_offline
from config.settings import chroma_server, get_settings
from rubric.model import Bank, Question
from rubric.terms import content_terms

QUESTION_WEIGHT = 0.5
DOCUMENT_WEIGHT = 1.0
LEXICAL_WEIGHT = 0.2
MATCH_THRESHOLD = 0.40
INDEX_FORMAT = 1
BUILD_BATCH = 500  # questions per upsert (Chroma caps a batch)


@dataclass(frozen=True)
class RubricMatch:
    question: Question
    score: float  # the combined score above; comparable with MATCH_THRESHOLD
    similarity: float  # cosine between the query and the question's rubric document


class IndexUnavailable(RuntimeError):
    """The Chroma server named by ``CHROMA_URL`` cannot be reached."""


class NoMatchingRubric(LookupError):
    """Free text that matches no question well enough; ``suggestions`` are the closest ones."""

    def __init__(self, text: str, suggestions: list[RubricMatch]) -> None:
        self.text = text
        self.suggestions = suggestions
        closest = ", ".join(f"{m.question.id} ({m.score:.2f})" for m in suggestions[:3])
        super().__init__(f"no matching rubric for {text!r}; closest: {closest or 'none'}")


def rubric_document(question: Question) -> str:
    lines = [question.text]
    for p in question.points:
        example = f" (e.g. {', '.join(p.examples)})" if p.examples else ""
        lines.append(f"- {p.text}{example}")
    return "\n".join(lines)


def _lexical_terms(question: Question) -> set[str]:
    parts = [question.text, question.logic, *question.notes]
    for p in question.points:
        parts.extend([p.label, p.text, *p.examples])
    return _terms(" ".join(parts))


def _terms(text: str) -> set[str]:
    from rubric.glossary import glossary

    return set(content_terms(text)) | {f"glossary:{i}" for i in glossary().groups_in(text)}


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One process at a time checks and rebuilds an index directory (the app and the CLI may race)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class RubricIndex:
    def __init__(
        self, bank: Bank, directory: Path | None = None, *, rebuild: bool = False, chroma_url: str | None = None
    ) -> None:
        """The index of ``bank``: on the Chroma server at ``chroma_url`` when given, else in ``directory``."""
        enforce_offline()
        from langchain_chroma import Chroma

        from rubric.embedding_functions import RubricChromaFunction, RubricLangChainEmbeddings

        self.bank = bank
        self.directory = directory
        self.chroma_url = chroma_url
        self._ef = RubricChromaFunction()
        self._embeddings = RubricLangChainEmbeddings()
        self.rebuilt = False
        self.fingerprint = self._fingerprint()
        if chroma_url is not None:
            self._client = _server_client(chroma_url)
            self._open(rebuild)
        else:
            if directory is None:
                raise ValueError("a local rubric index needs a directory")
            with _locked(directory):
                self._client = _local_client(directory)
                self._open(rebuild)
                self._drop_other_versions()
        self.vectorstore = Chroma(
            client=self._client,
            collection_name=self._name,
            embedding_function=self._embeddings,
            create_collection_if_not_exists=False,
        )
        self._load_matrices()

    # -- building -------------------------------------------------------------------------------------

    @property
    def _prefix(self) -> str:
        return f"rubric-{self.bank.id}"[:40].rstrip("-_.")

    @property
    def _name(self) -> str:
        digest = hashlib.sha256(self.fingerprint.encode()).hexdigest()[:12]
        return f"{self._prefix}-{digest}"

    @property
    def _questions_name(self) -> str:
        return f"{self._name}-q"

    def _fingerprint(self) -> str:
        from embeddings.minilm import MODEL_ID
        from rubric.glossary import glossary

        return f"{INDEX_FORMAT}:{MODEL_ID}:{glossary().digest}:{self.bank.content_hash()}"

    def _open(self, rebuild: bool) -> None:
        if rebuild:
            for name in (self._name, self._questions_name):
                with suppress(Exception):  # not there: nothing to drop (chromadb's error type varies)
                    self._client.delete_collection(name)
        if rebuild or not self._is_current():
            self._build()
            self.rebuilt = True

    def _is_current(self) -> bool:
        try:
            docs = self._client.get_collection(self._name, embedding_function=self._ef)
            bare = self._client.get_collection(self._questions_name, embedding_function=self._ef)
        except Exception:  # chromadb raises NotFoundError / ValueError depending on version
            return False
        n = len(self.bank.questions)
        return (
            (docs.metadata or {}).get("fingerprint") == self.fingerprint
            and (bare.metadata or {}).get("fingerprint") == self.fingerprint
            and docs.count() == n
            and bare.count() == n
        )

    def _build(self) -> None:
        from langchain_chroma import Chroma

        config: Any = {"hnsw": {"space": "cosine"}}
        # Deterministic ids and upserts: a second builder of the same version writes the same rows. The
        # fingerprint is written last, so a build cut short is finished by the next open.
        docs = self._client.get_or_create_collection(
            self._name, embedding_function=self._ef, configuration=config, metadata={"fingerprint": "building"}
        )
        bare = self._client.get_or_create_collection(
            self._questions_name,
            embedding_function=self._ef,
            configuration=config,
            metadata={"fingerprint": "building"},
        )
        store = Chroma(
            client=self._client,
            collection_name=self._name,
            embedding_function=self._embeddings,
            create_collection_if_not_exists=False,
        )
        ids = [q.id for q in self.bank.questions]
        metadatas: list[dict[str, str | int | float | bool | None]] = [
            {"question_id": q.id, "number": q.number, "section": q.section, "section_title": q.section_title}
            for q in self.bank.questions
        ]
        for start in range(0, len(ids), BUILD_BATCH):
            part = slice(start, start + BUILD_BATCH)
            store.add_texts(
                [rubric_document(q) for q in self.bank.questions[part]], metadatas=metadatas[part], ids=ids[part]
            )  # LangChain's add_texts upserts
            bare.upsert(ids=ids[part], documents=[q.text for q in self.bank.questions[part]], metadatas=metadatas[part])
        docs.modify(metadata={"fingerprint": self.fingerprint, "bank": self.bank.id})
        bare.modify(metadata={"fingerprint": self.fingerprint, "bank": self.bank.id})

    def _drop_other_versions(self) -> None:
        """A local index keeps only the current version of each bank (this process holds the directory's lock).
        A server keeps every version: another replica may still be reading an older one."""
        keep = {self._name, self._questions_name}
        for collection in self._client.list_collections():
            name = collection.name if hasattr(collection, "name") else str(collection)
            if name.startswith(f"{self._prefix}-") and name not in keep:
                self._client.delete_collection(name)

    def _load_matrices(self) -> None:
        ids = [q.id for q in self.bank.questions]
        docs = self._client.get_collection(self._name, embedding_function=self._ef)
        bare = self._client.get_collection(self._questions_name, embedding_function=self._ef)
        self._doc_vectors = _ordered_embeddings(docs.get(ids=ids, include=["embeddings"]), ids)
        self._question_vectors = _ordered_embeddings(bare.get(ids=ids, include=["embeddings"]), ids)
        # The semantic part of the score is linear in the query, so both cosines fold into one matrix: one
        # product per query however large the bank (the document cosine is computed for the top k only).
        self._semantic = (QUESTION_WEIGHT * self._question_vectors + DOCUMENT_WEIGHT * self._doc_vectors) / (
            QUESTION_WEIGHT + DOCUMENT_WEIGHT
        )
        self._terms = [_lexical_terms(q) for q in self.bank.questions]
        frequency = Counter(t for terms in self._terms for t in terms)
        n = len(self._terms)
        self._idf = {t: math.log((n + 1) / (f + 0.5)) for t, f in frequency.items()}
        self._unknown_idf = math.log((n + 1) / 0.5)
        rows: dict[str, list[int]] = {}
        for i, terms in enumerate(self._terms):
            for t in terms:
                rows.setdefault(t, []).append(i)
        self._postings = {t: np.asarray(r, dtype=np.intp) for t, r in rows.items()}  # term -> questions having it

    # -- lookups ---------------------------------------------------------------------------------------

    def by_id(self, ref: str | int) -> Question:
        return self.bank.get(ref)

    def search(self, text: str, k: int = 3) -> list[RubricMatch]:
        """The ``k`` best-scoring questions for ``text``, best first (whatever their score)."""
        from rubric.embedding_functions import embed_texts

        query = embed_texts([text])[0]
        # einsum, not BLAS: a threaded BLAS matrix-vector product leaves its threads spinning for a while, and
        # they take the cores the next query's embedding needs (at 10,000 questions, embedding plus product took
        # 16 ms p50 with BLAS, 8 ms with einsum); one thread does this product in about a millisecond.
        score = np.einsum("ij,j->i", self._semantic, query) + LEXICAL_WEIGHT * self._lexical(text)
        k = min(k, len(score))
        top = np.argpartition(-score, k - 1)[:k] if 0 < k < len(score) else np.arange(len(score))
        order = top[np.argsort(-score[top], kind="stable")][:k]
        doc_sim = np.einsum("ij,j->i", self._doc_vectors[order], query)
        return [
            RubricMatch(self.bank.questions[i], float(score[i]), float(sim))
            for i, sim in zip(order, doc_sim, strict=True)
        ]

    def match(self, text: str, threshold: float = MATCH_THRESHOLD) -> RubricMatch:
        """The question ``text`` asks; raises :class:`NoMatchingRubric` below the threshold."""
        found = self.search(text, k=3)
        if not text.strip() or not found or found[0].score < threshold:
            raise NoMatchingRubric(text, found)
        return found[0]

    def resolve(self, ref: str) -> RubricMatch:
        """An id or number first (exact, score 1), otherwise free text through :meth:`match`."""
        try:
            return RubricMatch(self.bank.get(ref), 1.0, 1.0)
        except KeyError:
            return self.match(ref)

    def _lexical(self, text: str) -> np.ndarray:
        query = _terms(text)
        total = sum(self._idf.get(t, self._unknown_idf) for t in query)
        if not total:
            return np.zeros(len(self._terms))
        found = np.zeros(len(self._terms))
        for t in query:  # through the postings, so the cost follows the query's terms, not the bank's size
            if (rows := self._postings.get(t)) is not None:
                found[rows] += self._idf[t]
        return found / total


def _ordered_embeddings(result: dict, ids: list[str]) -> np.ndarray:
    by_id = dict(zip(result["ids"], result["embeddings"], strict=True))
    return np.asarray([by_id[i] for i in ids], dtype=np.float32)


def open_index(bank: Bank | None = None, directory: Path | None = None, *, rebuild: bool = False) -> RubricIndex:
    """The index of ``bank`` (default: the configured bank): on the Chroma server the settings name
    (``CHROMA_URL``), else in ``directory`` (default: the data home)."""
    from rubric.bank import load_default_bank

    settings = get_settings()
    return RubricIndex(
        bank or load_default_bank(),
        directory or settings.index_dir(),
        rebuild=rebuild,
        chroma_url=settings.chroma_url,
    )


def _local_client(directory: Path) -> Any:
    import chromadb
    from chromadb.config import Settings

    return chromadb.PersistentClient(
        path=str(directory), settings=Settings(anonymized_telemetry=False, allow_reset=True)
    )


def _server_client(url: str) -> Any:
    import chromadb
    from chromadb.config import Settings

    host, port, ssl = chroma_server(url)
    try:
        return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=Settings(anonymized_telemetry=False))
    except Exception as err:  # chromadb checks the server at once; its error types vary by version
        raise IndexUnavailable(f"the Chroma server at {url} did not answer ({err}); is `chroma run` up?") from err


def index_size_bytes(directory: Path) -> int:
    return sum(f.stat().st_size for f in directory.rglob("*") if f.is_file()) if directory.exists() else 0


__all__ = [
    "MATCH_THRESHOLD",
    "IndexUnavailable",
    "NoMatchingRubric",
    "RubricIndex",
    "RubricMatch",
    "open_index",
    "rubric_document",
]
