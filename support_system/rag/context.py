"""Knowledge for prompts other than the chat: generation drafts and "decide for me".

When the person has added documents (their menu, their price list, a style guide), the
generators and the wizard's proposals should use them — and say which ones they used,
so the person can check. This module makes that one call safe to put in any pipeline:

* it costs nothing when there is no knowledge base yet (no store directory → no
  Chroma, no embedding model loaded), which is the common case;
* a broken store or embedding model is logged and treated as "no knowledge": a
  generation must never fail because of optional background material;
* the relevance rule of `KnowledgeBase.search` decides, so unrelated guides stay out.
"""

from __future__ import annotations

import threading
from typing import Any

import structlog

from support_system.core.errors import SupportSystemError
from support_system.core.settings import Settings, get_settings
from support_system.rag.retrieve import Hit

log = structlog.get_logger(__name__)

#: Generation prompts are short (the 0.5B model has little room): a few passages at most.
DEFAULT_PASSAGES = 3
_PASSAGE_CHARS = 400

_shared: dict[str, Any] = {}
_shared_lock = threading.Lock()


def _has_store(settings: Settings) -> bool:
    """True when a knowledge base may hold documents (a server, or local files exist)."""
    rag = settings.rag
    if rag.store == "chroma" and rag.chroma_url:
        return True
    folder = settings.state_dir / "rag" / ("chroma" if rag.store == "chroma" else "faiss")
    return folder.is_dir() and any(folder.iterdir())


def shared_knowledge_base(settings: Settings | None = None) -> Any:
    """One `KnowledgeBase` per configuration and process (opening Chroma takes ~1 s)."""
    from support_system.rag.knowledge_base import KnowledgeBase

    settings = settings or get_settings()
    key = settings.model_dump_json()
    with _shared_lock:
        if key not in _shared:
            _shared[key] = KnowledgeBase(settings)
        return _shared[key]


def knowledge_for(
    query: str,
    *,
    project: int | None = None,
    k: int = DEFAULT_PASSAGES,
    settings: Settings | None = None,
) -> list[Hit]:
    """Relevant passages from the global and the project's documents, or [] (never raises)."""
    settings = settings or get_settings()
    if not query.strip() or not _has_store(settings):
        return []
    try:
        kb = shared_knowledge_base(settings)
        if kb.store.count() == 0:  # emptied store: skip loading the embedding model
            return []
        return list(kb.search(query, k=k, project=project))
    except (SupportSystemError, OSError, RuntimeError, ValueError) as exc:
        log.warning("knowledge_unavailable", error=type(exc).__name__, detail=str(exc)[:200])
        return []


def passages_text(hits: list[Hit]) -> str:
    """Numbered passages for a prompt ("[1] …"), each cut to a prompt-friendly length.

    Sources are not shown to the model (a small model copies file names into its text);
    code records them beside the artifact instead (`source_labels`).
    """
    lines = []
    for number, hit in enumerate(hits, 1):
        text = " ".join(hit.text.split())
        if len(text) > _PASSAGE_CHARS:
            text = text[:_PASSAGE_CHARS].rstrip() + "…"
        lines.append(f"[{number}] {text}")
    return "\n".join(lines)


def source_labels(hits: list[Hit], lang: str) -> list[str]:
    """ "menu.pdf (p. 2)" for each distinct source, in rank order."""
    return list(dict.fromkeys(hit.citation.label(lang) for hit in hits))
