"""The model registry file: the shipped one is valid; broken ones name file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from support_system.ai.registry import PROVIDERS, get_registry, load_registry
from support_system.core.errors import ConfigError, UnknownModel


def test_shipped_registry_has_the_embedded_defaults(settings) -> None:
    registry = get_registry()
    default = registry.get(settings.llm.default_model)
    assert default.provider == "embedded"
    assert default.packaged is not None and default.packaged.sha256
    assert len(default.packaged.packages) == 6
    assert "smollm2-135m" in registry.names()
    assert {s.provider for s in registry.models} == set(PROVIDERS)  # an example of each
    assert all(s.cost_per_1k_input == 0 for s in registry.models if s.provider == "embedded")


def test_fallback_chain_order_without_repeats(settings) -> None:
    chain = get_registry().fallback_chain("qwen2.5-coder-0.5b", ["smollm2-135m", "local-server"])
    assert [s.name for s in chain] == ["qwen2.5-coder-0.5b", "smollm2-135m", "local-server"]


def test_unknown_model_is_typed(settings) -> None:
    with pytest.raises(UnknownModel) as caught:
        get_registry().get("gpt-99")
    assert "gpt-99" in caught.value.message("ja") and "gpt-99" in caught.value.message("en")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("models:\n  - {name: a, provider: embedded}\n", "packaged"),
        ("models:\n  - {name: a, provider: ollama}\n", "model_id"),
        ("models:\n  - {name: a, provider: martian, model_id: x}\n", "models.0.provider"),
        (
            "models:\n  - {name: a, provider: ollama, model_id: x, fallbacks: [b]}\n",
            "unknown fallbacks b",
        ),
        (
            "models:\n  - {name: a, provider: ollama, model_id: x}\n"
            "  - {name: a, provider: ollama, model_id: y}\n",
            "duplicate model names: a",
        ),
        ("models: [\n", "models.yaml"),
    ],
)
def test_broken_registry_names_file_and_field(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "models.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_registry(path)
    message = caught.value.message("en")
    assert expected in message and str(path) in message
