"""A person's API keys for cloud models: stored encrypted, shown only as a hint.

The settings page lists, saves and forgets keys through these functions; the key
itself never comes back out except to the provider that needs it (`ai.providers`).
"""

from __future__ import annotations

from support_system.accounts.errors import APIKeyEmpty
from support_system.data.db import session_scope
from support_system.data.repositories import APIKeyInfo, delete_api_key, list_api_keys, save_api_key

__all__ = ["APIKeyInfo", "forget_key", "save_key", "stored_keys"]


def stored_keys(user_id: int) -> dict[str, APIKeyInfo]:
    """Provider name → what may be shown about the user's key for it (no secret)."""
    with session_scope() as session:
        return {info.provider: info for info in list_api_keys(session, user_id)}


def save_key(user_id: int, provider: str, key: str) -> APIKeyInfo:
    """Store (or replace) the key, trimmed; APIKeyEmpty when there is nothing to store."""
    key = key.strip()
    if not key:
        raise APIKeyEmpty(f"empty API key for {provider}", provider=provider)
    with session_scope() as session:
        row = save_api_key(session, user_id, provider, key)
        return APIKeyInfo(provider=row.provider, key_hint=row.key_hint, created_at=row.created_at)


def forget_key(user_id: int, provider: str) -> bool:
    """Delete the user's key for `provider`; True when there was one."""
    with session_scope() as session:
        return delete_api_key(session, user_id, provider)
