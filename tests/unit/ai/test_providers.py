"""The provider names are listed once (`ai.registry`); what each place needs follows them."""

from __future__ import annotations

import pytest

from support_system.ai.providers import JSON_REQUEST, ProviderRequest, chat_model, stream_kwargs
from support_system.ai.registry import (
    CLOUD_PROVIDERS,
    KEYED_PROVIDERS,
    LOCAL_SERVER_PROVIDERS,
    PROVIDERS,
    ModelSpec,
)
from support_system.ai.status import model_status
from support_system.core.errors import ModelUnavailable
from support_system.core.i18n import catalogue
from support_system.core.languages import LANGUAGES

SCHEMA = {"type": "object", "properties": {"a": {"type": "string"}}}


def _spec(provider: str) -> ModelSpec:
    if provider == "embedded":
        return ModelSpec(name="m", provider=provider, path="/nowhere/m.gguf")
    return ModelSpec(name="m", provider=provider, model_id="m")


def test_the_groups_are_made_of_known_providers() -> None:
    assert len(set(PROVIDERS)) == len(PROVIDERS) == 5
    for group in (CLOUD_PROVIDERS, LOCAL_SERVER_PROVIDERS, KEYED_PROVIDERS):
        assert set(group) <= set(PROVIDERS)
    assert not set(CLOUD_PROVIDERS) & set(LOCAL_SERVER_PROVIDERS)
    assert set(CLOUD_PROVIDERS) < set(KEYED_PROVIDERS)  # a cloud provider always gets its key
    assert "embedded" not in {*CLOUD_PROVIDERS, *LOCAL_SERVER_PROVIDERS, *KEYED_PROVIDERS}


def test_every_provider_says_how_it_is_asked_for_json() -> None:
    assert set(JSON_REQUEST) == set(PROVIDERS)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_stream_kwargs_follow_the_json_table(provider: str) -> None:
    request = ProviderRequest(
        max_tokens=8, temperature=0, timeout=1, first_token_timeout=1, json_schema=SCHEMA
    )
    kwargs = stream_kwargs(_spec(provider), request)
    how = JSON_REQUEST[provider]
    if how in ("format", "prompt"):
        assert kwargs == {}
    elif how == "grammar":
        assert kwargs["response_format"] == {"type": "json_object", "schema": SCHEMA}
    else:
        assert kwargs["response_format"]["json_schema"]["schema"] == SCHEMA
    request.json_schema = None
    assert stream_kwargs(_spec(provider), request) == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_settings_page_names_every_cloud_provider(lang: str) -> None:
    """The settings page offers a key field for each cloud provider, under its own name."""
    names = catalogue(lang)
    assert all(f"ui.settings.providers.{p}" in names for p in CLOUD_PROVIDERS)


@pytest.mark.parametrize("provider", CLOUD_PROVIDERS)
def test_a_cloud_provider_without_a_key_is_unavailable_and_says_so(provider: str) -> None:
    request = ProviderRequest(max_tokens=8, temperature=0, timeout=1, first_token_timeout=1)
    with pytest.raises(ModelUnavailable):
        chat_model(_spec(provider), request)
    status = model_status(_spec(provider))
    assert (status.state, status.fix_key) == ("error", "models.fix_key")
    assert model_status(_spec(provider), has_key=True).state == "ready"
