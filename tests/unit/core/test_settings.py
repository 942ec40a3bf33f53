"""Settings: defaults, YAML file, environment overrides and readable validation errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from support_system.core.errors import ConfigError
from support_system.core.settings import PROJECT_ROOT, load_settings


def test_defaults_from_shipped_yaml(settings) -> None:
    assert settings.language == "ja"
    assert settings.llm.default_model == "qwen2.5-coder-0.5b"
    assert settings.models_file == PROJECT_ROOT / "config" / "models.yaml"
    assert settings.effective_database_url.startswith("sqlite:///")
    assert str(settings.state_dir) in settings.effective_database_url


def test_environment_overrides_nested_fields(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORT_SYSTEM_LANGUAGE", "en")
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__TIMEOUT_SECONDS", "7.5")
    monkeypatch.setenv("SUPPORT_SYSTEM_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1/db")
    loaded = load_settings()
    assert loaded.language == "en"
    assert loaded.llm.timeout_seconds == 7.5
    assert loaded.effective_database_url == "postgresql+psycopg://u@127.0.0.1/db"


def test_yaml_file_named_by_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "settings.yaml"
    config.write_text(
        "language: en\nstate_dir: relative-state\nllm:\n  retries: 3\n", encoding="utf-8"
    )
    monkeypatch.setenv("SUPPORT_SYSTEM_CONFIG", str(config))
    loaded = load_settings()
    assert loaded.language == "en"
    assert loaded.llm.retries == 3
    assert loaded.state_dir == PROJECT_ROOT / "relative-state"  # relative paths: project root


@pytest.mark.parametrize(
    ("env", "value", "field"),
    [
        ("SUPPORT_SYSTEM_LANGUAGE", "fr", "language"),
        ("SUPPORT_SYSTEM_LLM__TIMEOUT_SECONDS", "-1", "llm.timeout_seconds"),
        ("SUPPORT_SYSTEM_LLM__OLLAMA_HOST", "localhost:11434", "llm.ollama_host"),
    ],
)
def test_invalid_values_name_the_field_in_both_languages(
    settings, monkeypatch: pytest.MonkeyPatch, env: str, value: str, field: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert field in caught.value.detail
    ja, en = caught.value.message("ja"), caught.value.message("en")
    assert field in ja and field in en
    assert "設定" in ja and "settings" in en


def test_unknown_key_in_yaml_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "settings.yaml"
    config.write_text("langauge: en\n", encoding="utf-8")  # typo must not pass silently
    monkeypatch.setenv("SUPPORT_SYSTEM_CONFIG", str(config))
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "langauge" in caught.value.detail


def test_missing_config_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPORT_SYSTEM_CONFIG", str(tmp_path / "nope.yaml"))
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "nope.yaml" in caught.value.message("en")
