"""The caller's provider API keys (OpenAI, Anthropic, an OpenAI-compatible server).

Keys are stored encrypted (`accounts.api_keys`); the API only ever returns a hint
("…abcd"). Saving and deleting are audited, without the key.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from support_system.accounts import api_keys, audit
from support_system.api.deps import Client, Reader, Writer
from support_system.api.models import ApiKeyIn, ApiKeyOut, Provider
from support_system.core.errors import NotFound

router = APIRouter(prefix="/api/apikeys", tags=["provider keys"])


@router.get("", response_model=list[ApiKeyOut])
def list_keys(caller: Reader) -> list[ApiKeyOut]:
    """Which providers have a key stored, with a hint of each (never the key)."""
    stored = api_keys.stored_keys(caller.user_id)
    return [ApiKeyOut.model_validate(stored[name]) for name in sorted(stored)]


@router.put("/{provider}", response_model=ApiKeyOut)
def save_key(provider: Provider, body: ApiKeyIn, caller: Writer, client: Client) -> ApiKeyOut:
    """Store (or replace) the key for a provider."""
    info = api_keys.save_key(caller.user_id, provider, body.key)
    audit.record(
        "api_key_saved",
        actor_id=caller.user_id,
        actor=caller.username,
        target=provider,
        client=client,
    )
    return ApiKeyOut.model_validate(info)


@router.delete("/{provider}", status_code=status.HTTP_204_NO_CONTENT)
def delete_key(provider: Provider, caller: Writer, client: Client) -> Response:
    """Forget the key for a provider."""
    if not api_keys.forget_key(caller.user_id, provider):
        raise NotFound(f"no {provider} key")
    audit.record(
        "api_key_deleted",
        actor_id=caller.user_id,
        actor=caller.username,
        target=provider,
        client=client,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
