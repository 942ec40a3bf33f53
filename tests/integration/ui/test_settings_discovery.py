"""Settings lists the models found on the Ollama server (headless, AppTest).

The server is `tests.fakes.ollama_server`, which follows Ollama's documented wire format
for /api/tags and /api/show (docs/api.md in ollama/ollama) with the real facts of the
GGUF file behind it (smollm2-135m: llama family, 135M, 8192 tokens of context).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from support_system.ai.discovery import clear_cache
from support_system.core.i18n import t
from support_system.core.settings import get_settings
from tests.fakes.ollama_server import FakeOllama, running_fake_ollama
from tests.helpers.apptest import open_app, shown_text


@pytest.fixture(scope="module")
def fake_ollama(smol_gguf: Path) -> Iterator[FakeOllama]:
    with running_fake_ollama(smol_gguf, ["qwen2.5-coder:1.5b", "llama3.2:1b"], faults={}) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()


def _use_host(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__OLLAMA_HOST", url)
    get_settings.cache_clear()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_settings_lists_the_models_found_on_the_ollama_server(
    user_id, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    _use_host(monkeypatch, fake_ollama.url)
    app = open_app(lang, "settings")
    assert t("ui.settings.discovered_heading", lang) in [s.value for s in app.subheader]
    page = shown_text(app)
    assert t("ui.settings.discovered_help", lang, host=fake_ollama.url) in page
    row = t(
        "ui.settings.discovered_row",
        lang,
        model="llama3.2:1b",
        family="llama",
        size="135M",
        context="8,192",
        skills=t("names.skills.chat", lang),
    )
    assert f"- {row}" in page
    # models.yaml lists qwen2.5-coder:1.5b already: it is not listed again as found.
    assert "`qwen2.5-coder:1.5b`" not in page


def test_settings_says_so_when_no_ollama_server_answers(
    user_id, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as holder:  # bound, not listening: the connection is refused
        holder.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{holder.getsockname()[1]}"
        _use_host(monkeypatch, dead)
        app = open_app("en", "settings")
    assert t("ui.settings.discovered_none", "en", host=dead) in shown_text(app)
    assert not app.exception


def test_a_found_model_is_offered_and_answers_like_any_other(
    user_id, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not in models.yaml, yet offered in Settings' model box, and `generate` calls it on
    the Ollama server under its Ollama name."""
    from support_system.ai import generate

    _use_host(monkeypatch, fake_ollama.url)
    app = open_app("en", "settings")
    [box] = [s for s in app.selectbox if s.label == t("ui.settings.model", "en")]
    assert any(
        "llama3.2:1b" in str(option) or "llama3.2-1b" in str(option) for option in box.options
    )
    result = generate("Say hello.", "ollama-llama3.2-1b", max_tokens=8, fallback=False)
    assert result.model == "ollama-llama3.2-1b" and result.text.strip()
    assert fake_ollama.requests[-1]["model"] == "llama3.2:1b"
