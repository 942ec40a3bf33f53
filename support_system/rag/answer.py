"""Answers from the knowledge base, with their sources — or an explicit "not in it".

The decision "is this in the knowledge base?" is made by retrieval, not by the model:
when nothing relevant is found the person gets the catalogue's "not in the knowledge
base" sentence and no model is called, so a small model cannot guess an answer. When
chunks are found, the model answers from them only (prompt `rag/answer`), and the list
of sources is appended by code, so every answer names its sources even when the model
forgets the [n] markers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from support_system.ai import generate
from support_system.ai.prompts import render
from support_system.core.i18n import t
from support_system.rag.knowledge_base import KnowledgeBase
from support_system.rag.retrieve import Citation, Hit

_MARKER = re.compile(r"\[(\d{1,2})\]")


@dataclass
class GroundedAnswer:
    """Iterate for the streamed text (sources line included); inspect afterwards."""

    question: str
    hits: list[Hit]
    _chunks: Iterator[str]
    parts: list[str] = field(default_factory=list)
    cited: list[Citation] = field(default_factory=list)

    @property
    def found(self) -> bool:
        """False when the knowledge base had nothing relevant (the answer says so)."""
        return bool(self.hits)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def __iter__(self) -> Iterator[str]:
        for piece in self._chunks:
            self.parts.append(piece)
            yield piece


def format_sources(hits: list[Hit]) -> str:
    """The numbered passages the prompt shows the model.

    File names and locations are left out: a 0.5B model copies them into its answer
    instead of answering; code appends them after the answer instead.
    """
    return "\n\n".join(
        f"[{number}] {' '.join(hit.text.split())}" for number, hit in enumerate(hits, 1)
    )


def cited_citations(text: str, hits: list[Hit]) -> list[Citation]:
    """Citations the model referred to with [n]; all given sources if it named none."""
    numbers = [int(n) for n in _MARKER.findall(text) if 1 <= int(n) <= len(hits)]
    chosen = [hits[n - 1].citation for n in dict.fromkeys(numbers)] or [h.citation for h in hits]
    unique: dict[tuple[str, str], Citation] = {}
    for citation in chosen:
        unique.setdefault((citation.doc_id, citation.label()), citation)
    return list(unique.values())


def answer(
    question: str,
    *,
    language: str,
    kb: KnowledgeBase | None = None,
    project: int | str | None = None,
    model: str | None = None,
    max_tokens: int = 320,
) -> GroundedAnswer:
    """Answer `question` from the knowledge base (streamed), ending with its sources."""
    kb = kb or KnowledgeBase()
    hits = kb.search(question, project=project)
    if not hits:
        return GroundedAnswer(question, [], iter([t("rag.not_found", language)]))
    grounded = GroundedAnswer(question, hits, iter(()))
    grounded._chunks = _stream(grounded, language, model, max_tokens)
    return grounded


def _stream(
    grounded: GroundedAnswer, language: str, model: str | None, max_tokens: int
) -> Iterator[str]:
    messages = [
        ("system", render("chat/system", language=language, app_name=t("app.title", language))),
        (
            "user",
            render(
                "rag/answer",
                language=language,
                question=grounded.question,
                sources=format_sources(grounded.hits),
            ),
        ),
    ]
    text: list[str] = []
    for piece in generate(
        messages, model, stream=True, max_tokens=max_tokens, temperature=0.1, purpose="rag-answer"
    ):
        text.append(piece)
        yield piece
    grounded.cited = cited_citations("".join(text), grounded.hits)
    labels = "; ".join(c.label(language) for c in grounded.cited)
    yield "\n\n" + t("rag.sources", language, sources=labels)
