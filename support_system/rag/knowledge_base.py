"""`KnowledgeBase`: the one object the CLI, the UI and the chat use.

It wires the configured pieces together (store, embedding model, splitter) and keeps
the BM25 keyword index in step with the store: rebuilt lazily after an add or a
remove, never on every query.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding

from support_system.core.settings import Settings, get_settings
from support_system.rag.chunking import JapaneseSentenceSplitter
from support_system.rag.embeddings import get_embedding
from support_system.rag.errors import UnknownDocument
from support_system.rag.ingest import (
    GLOBAL_SCOPE,
    DocumentInfo,
    IngestReport,
    ProgressCallback,
    ingest,
    list_documents,
    project_scope,
)
from support_system.rag.retrieve import Hit, KeywordIndex, rank
from support_system.rag.store import VectorStore, open_store


class KnowledgeBase:
    """Add, list, remove and search documents in the configured store."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: VectorStore | None = None,
        embedding: BaseEmbedding | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        rag = self.settings.rag
        self.store = store or open_store(self.settings)
        self.embedding = embedding or get_embedding(self.settings)
        self.splitter = JapaneseSentenceSplitter(
            chunk_size=rag.chunk_size, chunk_overlap=rag.chunk_overlap
        )
        self._keywords: dict[tuple[str, ...] | None, KeywordIndex] = {}
        self._lock = threading.Lock()

    @property
    def threshold(self) -> float:
        """The similarity under which a chunk never counts as relevant (see retrieve.rank)."""
        configured = self.settings.rag.score_threshold
        return (
            configured
            if configured is not None
            else float(getattr(self.embedding, "relevance_threshold", 0.0))
        )

    @property
    def strong_threshold(self) -> float:
        """The similarity from which a chunk is relevant even without shared words."""
        return max(
            self.threshold, float(getattr(self.embedding, "strong_threshold", self.threshold))
        )

    def add(
        self,
        paths: Sequence[Path],
        *,
        scope: str = GLOBAL_SCOPE,
        on_progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Add or update files and folders; bad files are reported in the result, not raised."""
        try:
            return ingest(
                paths,
                store=self.store,
                embedding=self.embedding,
                splitter=self.splitter,
                scope=scope,
                on_progress=on_progress,
            )
        finally:
            self._keywords.clear()

    def documents(self, scopes: list[str] | None = None) -> list[DocumentInfo]:
        return list_documents(self.store, scopes)

    def remove(self, doc_id: str) -> DocumentInfo:
        """Delete a document and all its chunks; raises UnknownDocument for a wrong id."""
        match = [d for d in self.documents() if d.doc_id == doc_id]
        if not match:
            raise UnknownDocument(doc_id, doc_id=doc_id)
        self.store.delete(doc_id)
        self._keywords.clear()
        return match[0]

    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        project: int | str | None = None,
        all_scopes: bool = False,
    ) -> list[Hit]:
        """The relevant chunks for `query`, best first; [] means "not in the knowledge base".

        Searches the global documents plus, when `project` is given, that project's own
        (`all_scopes=True` searches everything, for the knowledge-base page and the CLI).
        """
        if not query.strip():
            return []
        rag = self.settings.rag
        k = k or rag.top_k
        scopes = (
            None
            if all_scopes
            else [GLOBAL_SCOPE, *([project_scope(project)] if project is not None else [])]
        )
        vector = self.embedding.get_query_embedding(query)
        pool = k * 5 if rag.hybrid else k
        hits = self.store.query(vector, pool, scopes)
        keywords = self._keyword_index(scopes) if rag.hybrid else None
        return rank(
            query,
            vector,
            hits,
            store=self.store,
            k=k,
            threshold=self.threshold,
            strong=self.strong_threshold,
            keywords=keywords,
        )

    def _keyword_index(self, scopes: list[str] | None) -> KeywordIndex:
        key = tuple(scopes) if scopes else None
        with self._lock:
            if key not in self._keywords:
                self._keywords[key] = KeywordIndex(self.store.nodes(scopes))
            return self._keywords[key]
