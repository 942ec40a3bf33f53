"""Typed knowledge-base errors; their messages (ja/en) live in `locales/rag.<lang>.yaml`.

A file that cannot be read raises a `DocumentError` naming the file; ingestion records
it and carries on with the next file, so one bad PDF never stops a batch.
"""

from __future__ import annotations

from typing import Any

from support_system.core.errors import SupportSystemError


class RAGError(SupportSystemError):
    """Base of knowledge-base errors."""

    message_key = "rag.errors.generic"


class DocumentError(RAGError):
    """One file could not be added; `file` names it (shown to the person)."""

    message_key = "rag.errors.unreadable"

    def __init__(self, detail: str = "", *, file: str = "", **params: Any) -> None:
        super().__init__(detail, file=file, **params)
        self.file = file


class FileNotFound(DocumentError):
    message_key = "rag.errors.not_found"


class UnsupportedFileType(DocumentError):
    message_key = "rag.errors.unsupported"


class EncryptedDocument(DocumentError):
    message_key = "rag.errors.encrypted"


class CorruptDocument(DocumentError):
    message_key = "rag.errors.corrupt"


class EmptyDocument(DocumentError):
    message_key = "rag.errors.empty"


class UnknownEncoding(DocumentError):
    message_key = "rag.errors.encoding"


class UnknownDocument(RAGError):
    """`kb remove ID` with an id that is not in the knowledge base."""

    message_key = "rag.errors.unknown_document"


class EmbeddingUnavailable(RAGError):
    """The configured embedding model cannot be reached (an Ollama host that is down)."""

    message_key = "rag.errors.embedding_unavailable"


class StoreUnavailable(RAGError):
    """The vector store cannot be opened (Chroma server down, damaged files)."""

    message_key = "rag.errors.store_unavailable"
