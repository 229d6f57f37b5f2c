"""Rubric embeddings: MiniLM over text with its glossary synonyms appended (``PoC`` also reads as
``proof of concept``), behind the two interfaces we need: Chroma's embedding function (registered, so a
persisted collection reopens offline) and LangChain's ``Embeddings`` (for ``langchain_chroma.Chroma``).

Import this module before opening a collection created with it, or Chroma raises
"Embedding function ... not found".
"""

from __future__ import annotations

from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings as LangChainEmbeddings

from embeddings.minilm import MODEL_ID, get_encoder
from rubric.glossary import glossary


def embed_texts(texts: list[str]) -> np.ndarray:
    g = glossary()
    return get_encoder().encode([g.expand(t) for t in texts])


@register_embedding_function
class RubricChromaFunction(EmbeddingFunction[Documents]):
    def __init__(self) -> None:
        pass

    def __call__(self, input: Documents) -> Embeddings:
        return list(embed_texts(list(input)))

    @staticmethod
    def name() -> str:
        return "interview-grader-rubric-minilm"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"model": MODEL_ID, "glossary": glossary().digest}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> RubricChromaFunction:
        return RubricChromaFunction()


class RubricLangChainEmbeddings(LangChainEmbeddings):
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return embed_texts(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return embed_texts([text])[0].tolist()
