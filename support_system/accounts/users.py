"""Who is using the app while sign-in is off: the single local user."""

from __future__ import annotations

from support_system.data.db import session_scope
from support_system.data.repositories import ensure_local_user


def local_user_id() -> int:
    """The id of the local user that owns everything, created on first use."""
    with session_scope() as session:
        return ensure_local_user(session).id
