"""The rubric index as a LangChain retriever: question text in, rubric documents out (score in metadata)."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from rubric.index import MATCH_THRESHOLD, RubricIndex, rubric_document


class RubricRetriever(BaseRetriever):
    """Returns at most ``k`` rubrics scoring at least ``threshold``: an empty list means no matching rubric.
    Made with :func:`as_retriever` (the index does not know LangChain's retriever interface)."""

    index: Any  # RubricIndex; Any keeps pydantic from validating the Chroma client inside it
    k: int = 3
    threshold: float = MATCH_THRESHOLD

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        index: RubricIndex = self.index
        return [
            Document(
                page_content=rubric_document(m.question),
                metadata={
                    "question_id": m.question.id,
                    "section": m.question.section,
                    "score": m.score,
                    "similarity": m.similarity,
                },
                id=m.question.id,
            )
            for m in index.search(query, k=self.k)
            if m.score >= self.threshold
        ]


def as_retriever(index: RubricIndex, k: int = 3, threshold: float = MATCH_THRESHOLD) -> RubricRetriever:
    """The index as a LangChain retriever."""
    return RubricRetriever(index=index, k=k, threshold=threshold)
