"""`rag.embedding: ollama`: the knowledge base embeds through an Ollama host's /api/embed.

No Ollama server can be installed here, so these tests use `tests/fakes/ollama_server/`,
which follows Ollama's documented /api/embed wire format and computes the vectors with
a real embedding model (multilingual-e5-small); the client side is the real `ollama`
package, exactly as in production.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from support_system.rag.errors import RAGError
from tests.fakes.ollama_server import running_fake_ollama

MODEL = "nomic-embed-text"
DOCS = {
    "delivery.md": "# Delivery\n\nWe deliver bread by bicycle within three kilometres of the shop.",
    "allergens.md": "# Allergens\n\nOur croissants contain butter, milk, eggs and wheat flour.",
}


def _write(folder: Path) -> list[Path]:
    paths = []
    for name, text in DOCS.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_documents_are_embedded_and_found_through_the_ollama_host(
    db,
    kb_factory: Callable[..., object],
    smol_gguf: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with running_fake_ollama(smol_gguf, [MODEL]) as server:
        monkeypatch.setenv("SUPPORT_SYSTEM_LLM__OLLAMA_HOST", server.url)
        kb = kb_factory(embedding="ollama", ollama_embedding_model=MODEL)
        report = kb.add(_write(tmp_path))
        assert not report.failed
        hits = kb.search("Do the croissants contain milk?")
        assert hits and hits[0].citation.file_name == "allergens.md"
        embeds = [r for r in server.requests if "input" in r]
        assert embeds and all(r["model"] == MODEL for r in embeds)
        # The query went over the wire too (not only the passages at ingestion).
        assert any(r["input"] == ["Do the croissants contain milk?"] for r in embeds)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_an_unreachable_ollama_host_gives_a_translated_error_and_keeps_the_rest(
    db,
    kb_factory: Callable[..., object],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    language: str,
) -> None:
    host = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__OLLAMA_HOST", host)
    kb = kb_factory(embedding="ollama", ollama_embedding_model=MODEL)
    with pytest.raises(RAGError) as caught:
        kb.search("Do the croissants contain milk?")
    message = caught.value.message(language)
    assert MODEL in message and host in message
    assert ("Ollama" in message) and ("サーバー" in message) == (language == "ja")
