"""Users, their stored preferences and their encrypted API keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from support_system.core.errors import NotFound
from support_system.data import secrets
from support_system.data.repositories.upsert import insert_for
from support_system.data.schema import APIKey, Role, User, utcnow

LOCAL_USERNAME = "local"


def ensure_local_user(session: Session) -> User:
    """The single local user (admin) that owns everything while authentication is off."""
    insert = insert_for(session, User).values(
        username=LOCAL_USERNAME, display_name="Local user", role=Role.ADMIN
    )
    session.execute(insert.on_conflict_do_nothing(index_elements=["username"]))
    return session.scalars(select(User).where(User.username == LOCAL_USERNAME)).one()


def get_user(session: Session, user_id: int) -> User:
    """The user with this id; NotFound when there is none (a stale id, not a person's typo)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def stored_preferences(session: Session, user_id: int) -> Any:
    """The user's preferences JSON exactly as stored (validated by `accounts.preferences`)."""
    return get_user(session, user_id).preferences


def store_preferences(session: Session, user_id: int, stored: dict[str, Any]) -> None:
    """Replace the user's stored preferences JSON."""
    # A new dict, not an in-place change: SQLAlchemy does not track JSON mutation.
    get_user(session, user_id).preferences = dict(stored)


# --- API keys ----------------------------------------------------------------------------


@dataclass(frozen=True)
class APIKeyInfo:
    """What a settings page may show about a stored key: never the key itself."""

    provider: str
    key_hint: str
    created_at: datetime


def key_hint(key: str) -> str:
    """A hint like "…abcd", enough to recognise a key. Keys under 12 characters show nothing:
    their last 4 would be too much of the secret."""
    return f"…{key[-4:]}" if len(key) >= 12 else "…"


def save_api_key(session: Session, user_id: int, provider: str, key: str) -> APIKey:
    """Store (or replace) the user's key for `provider`, encrypted; only the hint is plain."""
    key = key.strip()
    if not key:
        raise ValueError("empty API key")
    values = {
        "user_id": user_id,
        "provider": provider,
        "encrypted_key": secrets.encrypt(key),
        "key_hint": key_hint(key),
        "created_at": utcnow(),
    }
    insert = insert_for(session, APIKey).values(**values)
    upsert = insert.on_conflict_do_update(
        index_elements=["user_id", "provider"],
        set_={name: insert.excluded[name] for name in ("encrypted_key", "key_hint", "created_at")},
    ).returning(APIKey)
    return session.scalars(upsert, execution_options={"populate_existing": True}).one()


def get_api_key(session: Session, user_id: int, provider: str) -> str | None:
    """The decrypted key, or None; SecretError when the secret key has changed."""
    token = session.scalar(
        select(APIKey.encrypted_key).where(APIKey.user_id == user_id, APIKey.provider == provider)
    )
    return None if token is None else secrets.decrypt(token)


def list_api_keys(session: Session, user_id: int) -> list[APIKeyInfo]:
    """The user's stored keys as hints, by provider name."""
    rows = session.execute(
        select(APIKey.provider, APIKey.key_hint, APIKey.created_at)
        .where(APIKey.user_id == user_id)
        .order_by(APIKey.provider)
    )
    return [APIKeyInfo(*row) for row in rows]


def delete_api_key(session: Session, user_id: int, provider: str) -> bool:
    """Forget the key; True when there was one."""
    result = session.execute(
        delete(APIKey).where(APIKey.user_id == user_id, APIKey.provider == provider)
    )
    return bool(result.rowcount)
