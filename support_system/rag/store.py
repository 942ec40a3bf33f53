"""Vector stores: where chunk vectors, texts and metadata are kept.

Two implementations behind one small protocol, so ingestion and retrieval never care
which is in use:

* `ChromaStore` — LlamaIndex's `ChromaVectorStore` over a Chroma collection: embedded
  (`PersistentClient` in `<state_dir>/rag/chroma`) by default, a Chroma server when
  `rag.chroma_url` is set. The collection is created with `embedding_function=None` so
  Chroma can never fall back to its default model (which downloads from the internet);
  vectors always come from our embedding model. Cosine space, so similarity = 1 − distance.
* `FaissStore` — a FAISS `IndexIDMap2(IndexFlatIP)` of normalised vectors plus a JSON
  file of the nodes. LlamaIndex's `FaissMapVectorStore` is not used: it derives new ids
  from `ntotal`, which repeats ids after a delete, and cannot delete by document.

One collection per embedding model (`knowledge-e5`, `knowledge-static`, …): vectors of
different models must never be compared.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from llama_index.core.schema import BaseNode, TextNode
from llama_index.core.vector_stores.types import (
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
)

from support_system.core.settings import Settings
from support_system.rag.embeddings import embedding_key
from support_system.rag.errors import StoreUnavailable


class VectorStore(Protocol):
    """What ingestion and retrieval need from a store."""

    def add(self, nodes: Sequence[TextNode]) -> None:
        """Store nodes that carry embeddings and a `doc_id` in their metadata."""

    def delete(self, doc_id: str) -> None:
        """Remove every chunk of one document."""

    def query(
        self, embedding: list[float], k: int, scopes: list[str] | None = None
    ) -> list[tuple[TextNode, float]]:
        """The k most similar chunks with cosine similarity, best first."""

    def nodes(self, scopes: list[str] | None = None) -> list[TextNode]:
        """Every chunk (texts and metadata, no vectors): for listing and keyword search."""

    def count(self) -> int:
        """How many chunks are stored."""

    def vectors(self, node_ids: Sequence[str]) -> dict[str, list[float]]:
        """Stored vectors of some chunks (keyword-only search hits need their similarity)."""


def _scope_filters(scopes: list[str] | None) -> MetadataFilters | None:
    if not scopes:
        return None
    return MetadataFilters(
        filters=[MetadataFilter(key="scope", value=scopes, operator=FilterOperator.IN)]
    )


class ChromaStore:
    """Chroma through LlamaIndex's ChromaVectorStore (embedded or client/server)."""

    def __init__(self, collection: Any) -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.collection = collection
        self._store = ChromaVectorStore(chroma_collection=collection)

    @classmethod
    def open(cls, settings: Settings) -> ChromaStore:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        name = f"knowledge-{embedding_key(settings.rag)}"
        try:
            if settings.rag.chroma_url:
                from urllib.parse import urlparse

                url = urlparse(settings.rag.chroma_url)
                client = chromadb.HttpClient(
                    host=url.hostname or "127.0.0.1",
                    port=url.port or (443 if url.scheme == "https" else 8000),
                    ssl=url.scheme == "https",
                    settings=chroma_settings,
                )
            else:
                path = settings.state_dir / "rag" / "chroma"
                path.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            collection = client.get_or_create_collection(
                name, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
        except Exception as exc:  # noqa: BLE001 - connection refused, damaged files, …
            where = settings.rag.chroma_url or str(settings.state_dir / "rag" / "chroma")
            raise StoreUnavailable(
                f"{type(exc).__name__}: {exc}", store="Chroma", where=where
            ) from exc
        return cls(collection)

    def add(self, nodes: Sequence[TextNode]) -> None:
        if nodes:
            self._store.add(list(nodes))

    def delete(self, doc_id: str) -> None:
        self.collection.delete(where={"doc_id": doc_id})

    def query(
        self, embedding: list[float], k: int, scopes: list[str] | None = None
    ) -> list[tuple[TextNode, float]]:
        if self.count() == 0:
            return []
        result = self._store.query(
            VectorStoreQuery(
                query_embedding=embedding, similarity_top_k=k, filters=_scope_filters(scopes)
            )
        )
        # ChromaVectorStore reports exp(-distance); cosine distance = 1 - similarity.
        return [
            (node, 1.0 + math.log(max(score, 1e-12)))
            for node, score in zip(result.nodes or [], result.similarities or [], strict=False)
            if isinstance(node, TextNode)
        ]

    def nodes(self, scopes: list[str] | None = None) -> list[TextNode]:
        filters = _scope_filters(scopes)
        found: list[BaseNode] = self._store.get_nodes(None, filters=filters)  # type: ignore[arg-type]
        return [n for n in found if isinstance(n, TextNode)]

    def count(self) -> int:
        return int(self.collection.count())

    def vectors(self, node_ids: Sequence[str]) -> dict[str, list[float]]:
        if not node_ids:
            return {}
        found = self.collection.get(ids=list(node_ids), include=["embeddings"])
        return {
            i: list(map(float, v)) for i, v in zip(found["ids"], found["embeddings"], strict=True)
        }


class FaissStore:
    """Exact inner-product search over normalised vectors, persisted in `directory`."""

    def __init__(self, directory: Path, dim: int | None = None) -> None:
        self.directory = directory
        self._index: Any = None
        self._nodes: dict[int, TextNode] = {}
        self._next_id = 0
        self._dim = dim
        self._load()

    @classmethod
    def open(cls, settings: Settings) -> FaissStore:
        return cls(settings.state_dir / "rag" / f"faiss-{embedding_key(settings.rag)}")

    @property
    def _index_path(self) -> Path:
        return self.directory / "index.faiss"

    @property
    def _nodes_path(self) -> Path:
        return self.directory / "nodes.json"

    def _load(self) -> None:
        import faiss

        if not self._nodes_path.is_file():
            return
        try:
            data = json.loads(self._nodes_path.read_text(encoding="utf-8"))
            self._next_id = int(data["next_id"])
            self._nodes = {
                int(i): TextNode.model_validate_json(s) for i, s in data["nodes"].items()
            }
            self._index = faiss.read_index(str(self._index_path))
        except Exception as exc:  # noqa: BLE001 - a damaged store must say where it is
            raise StoreUnavailable(
                f"{type(exc).__name__}: {exc}", store="FAISS", where=str(self.directory)
            ) from exc

    def _save(self) -> None:
        import faiss

        self.directory.mkdir(parents=True, exist_ok=True)
        if self._index is not None:
            faiss.write_index(self._index, str(self._index_path) + ".tmp")
            os.replace(str(self._index_path) + ".tmp", self._index_path)
        data = {
            "next_id": self._next_id,
            "nodes": {str(i): n.model_dump_json() for i, n in self._nodes.items()},
        }
        tmp = self._nodes_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self._nodes_path)

    def add(self, nodes: Sequence[TextNode]) -> None:
        import faiss

        if not nodes:
            return
        vectors = _normalised([n.get_embedding() for n in nodes])
        if self._index is None:
            self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
        ids = np.arange(self._next_id, self._next_id + len(nodes), dtype=np.int64)
        self._index.add_with_ids(vectors, ids)
        for faiss_id, node in zip(ids.tolist(), nodes, strict=True):
            self._nodes[faiss_id] = node.model_copy(update={"embedding": None})
        self._next_id += len(nodes)
        self._save()

    def delete(self, doc_id: str) -> None:
        ids = [i for i, n in self._nodes.items() if n.metadata.get("doc_id") == doc_id]
        if not ids or self._index is None:
            return
        self._index.remove_ids(np.asarray(ids, dtype=np.int64))
        for faiss_id in ids:
            del self._nodes[faiss_id]
        self._save()

    def query(
        self, embedding: list[float], k: int, scopes: list[str] | None = None
    ) -> list[tuple[TextNode, float]]:
        if self._index is None or self._index.ntotal == 0:
            return []
        # Scopes are filtered after the search, so ask for more when filtering.
        wanted = min(self._index.ntotal, k if not scopes else max(k * 8, 64))
        scores, ids = self._index.search(_normalised([embedding]), wanted)
        found: list[tuple[TextNode, float]] = []
        for faiss_id, score in zip(ids[0].tolist(), scores[0].tolist(), strict=True):
            node = self._nodes.get(faiss_id)
            if node is None or (scopes and node.metadata.get("scope") not in scopes):
                continue
            found.append((node, float(score)))
            if len(found) == k:
                break
        return found

    def nodes(self, scopes: list[str] | None = None) -> list[TextNode]:
        return [n for n in self._nodes.values() if not scopes or n.metadata.get("scope") in scopes]

    def count(self) -> int:
        return len(self._nodes)

    def vectors(self, node_ids: Sequence[str]) -> dict[str, list[float]]:
        wanted = set(node_ids)
        return {
            node.node_id: self._index.reconstruct(faiss_id).tolist()
            for faiss_id, node in self._nodes.items()
            if node.node_id in wanted
        }


def _normalised(vectors: Sequence[Sequence[float]]) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return np.ascontiguousarray(array / np.where(norms == 0, 1, norms))


def open_store(settings: Settings) -> VectorStore:
    """The configured store: Chroma (embedded or server) or FAISS."""
    if settings.rag.store == "faiss":
        return FaissStore.open(settings)
    return ChromaStore.open(settings)
