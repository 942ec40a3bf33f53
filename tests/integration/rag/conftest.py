"""Knowledge-base fixtures: a real KnowledgeBase (e5, Chroma or FAISS) on the test's state dir."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support_system.core.settings import Settings, get_settings


@pytest.fixture
def kb_factory(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    """`kb_factory(store="faiss")` → a KnowledgeBase on this test's state dir."""
    from support_system.rag import KnowledgeBase

    def make(**rag: object) -> KnowledgeBase:
        for key, value in rag.items():
            monkeypatch.setenv(f"SUPPORT_SYSTEM_RAG__{key.upper()}", str(value))
        get_settings.cache_clear()
        return KnowledgeBase(get_settings())

    return make


@pytest.fixture
def kb(kb_factory: Callable[..., object]) -> object:
    return kb_factory()
