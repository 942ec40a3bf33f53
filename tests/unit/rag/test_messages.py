"""Knowledge-base errors and settings: every message in ja and en, bad settings named."""

from __future__ import annotations

import pytest

from support_system.core.errors import ConfigError
from support_system.core.i18n import LANGUAGES, catalogue
from support_system.core.settings import load_settings
from support_system.rag import errors


@pytest.mark.parametrize(
    "error_type",
    [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.RAGError)],
)
def test_every_rag_error_has_a_distinct_message_in_each_language(error_type: type) -> None:
    error = error_type(
        "disk full",
        file="guide.pdf",
        types=".md",
        doc_id="abc",
        model="m",
        host="h",
        store="Chroma",
        where="/x",
    )
    for lang in LANGUAGES:
        assert error_type.message_key in catalogue(lang)
        message = error.message(lang)
        assert "disk full" in message or "guide.pdf" in message
    assert error.message("ja") != error.message("en")


def test_rag_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORT_SYSTEM_RAG__STORE", "faiss")
    monkeypatch.setenv("SUPPORT_SYSTEM_RAG__CHROMA_URL", "http://10.0.0.5:8000/")
    rag = load_settings().rag
    assert rag.store == "faiss" and rag.chroma_url == "http://10.0.0.5:8000"
    assert (rag.embedding, rag.top_k, rag.hybrid) == ("e5", 4, True)


@pytest.mark.parametrize(("key", "value"), [("CHROMA_URL", "10.0.0.5:8000"), ("STORE", "qdrant")])
def test_invalid_rag_settings_name_the_field(
    monkeypatch: pytest.MonkeyPatch, key: str, value: str
) -> None:
    monkeypatch.setenv(f"SUPPORT_SYSTEM_RAG__{key}", value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert f"rag.{key.lower()}" in caught.value.detail
