"""Discovered Ollama models: the registry names they get and the skills guessed for them.

No server here: these are the pure rules of support_system/ai/discovery.py. Discovery
against a server speaking Ollama's wire format is in
tests/integration/ai/test_ollama_discovery.py.
"""

from __future__ import annotations

import re

import pytest

from support_system.ai.discovery import guess_skills, registry_name
from support_system.ai.registry import ModelSpec

# The registry's own rule for names (ModelSpec.name).
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@pytest.mark.parametrize(
    ("ollama_name", "expected"),
    [
        ("qwen2.5-coder:1.5b", "ollama-qwen2.5-coder-1.5b"),  # the name models.yaml uses
        ("llama3.2:1b", "ollama-llama3.2-1b"),
        ("llama3:latest", "ollama-llama3"),  # Ollama's default tag adds nothing
        ("llama3", "ollama-llama3"),  # … so "x" and "x:latest" get one name
        ("Mistral:7B-Instruct", "ollama-mistral-7b-instruct"),  # Ollama ignores case
        (
            "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M",
            ("ollama-hf.co-bartowski-llama-3.2-1b-instruct-gguf-q4_k_m"),
        ),
        ("user/model::tag", "ollama-user-model-tag"),  # runs of odd characters: one dash
        ("日本語モデル:latest", "ollama-model"),  # nothing left of the name: still valid
        ("-odd-:.", "ollama-odd"),
    ],
)
def test_registry_name_follows_the_registry_pattern(ollama_name: str, expected: str) -> None:
    name = registry_name(ollama_name)
    assert name == expected
    assert NAME_PATTERN.fullmatch(name)
    # The registry accepts it as an entry's name.
    assert ModelSpec(name=name, provider="ollama", model_id=ollama_name).name == name


@pytest.mark.parametrize(
    ("family", "name", "capabilities", "expected"),
    [
        # Code models, by family or by name.
        ("qwen2", "qwen2.5-coder:1.5b", (), ["chat", "code", "json", "japanese"]),
        ("llama", "codellama:7b", (), ["chat", "code", "json"]),
        ("gemma", "codegemma:2b", (), ["chat", "code", "json", "japanese"]),
        ("starcoder2", "starcoder2:3b", (), ["chat", "code", "json"]),
        # Multilingual families that know Japanese.
        ("qwen3", "qwen3:4b", ("completion", "thinking"), ["chat", "japanese", "json"]),
        ("gemma3", "gemma3:1b", ("completion", "vision"), ["chat", "japanese"]),
        # Models made for Japanese, whatever their family.
        ("llama", "hf.co/elyza/Llama-3-ELYZA-JP-8B-GGUF:latest", (), ["chat", "japanese"]),
        ("llama", "swallow-8b:latest", (), ["chat", "japanese"]),
        # Nothing known: it can chat, and that is all we claim.
        ("llama", "llama3.2:1b", ("completion", "tools"), ["chat"]),
        ("", "my-helper:latest", (), ["chat"]),
        # Embedding models write no text: never a chat candidate.
        ("nomic-bert", "nomic-embed-text:latest", ("embedding",), ["embedding"]),
        ("bert", "all-minilm:latest", (), ["embedding"]),  # older servers: no capabilities
        ("qwen3", "qwen3-embedding:0.6b", (), ["embedding"]),
    ],
)
def test_guess_skills_from_family_and_name(
    family: str, name: str, capabilities: tuple[str, ...], expected: list[str]
) -> None:
    assert guess_skills(family, name, capabilities) == expected


def test_reported_capabilities_decide_over_the_name() -> None:
    # A server that says the model writes text is believed, "embed" in its name or not.
    assert guess_skills("llama", "embedder-chat:1b", ("completion",)) == ["chat"]
