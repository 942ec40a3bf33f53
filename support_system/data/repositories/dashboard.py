"""Queries for the Dashboard and the pages' ownership checks: who owns a row, runs with
their owner's name, usage rows for summing. Owner scoping is an argument (`owner_id=None`
means everyone's, for admins), so a caller cannot forget it by writing its own query.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from support_system.data.schema import (
    Conversation,
    Execution,
    Project,
    UsageRecord,
    User,
    WizardSession,
)

#: What can be owned, and the column holding its owner's id.
OWNED = {
    "wizard_session": (WizardSession.id, WizardSession.user_id),
    "conversation": (Conversation.id, Conversation.user_id),
    "project": (Project.id, Project.owner_id),
    "execution": (Execution.id, Execution.user_id),
}


def owner_of(session: Session, kind: str, object_id: int) -> tuple[bool, int | None]:
    """(exists, owner id) of a row of `kind` (a key of OWNED); the owner may be None."""
    key, owner = OWNED[kind]
    row = session.execute(select(owner).where(key == object_id)).first()
    return (row is not None, row[0] if row is not None else None)


def has_accounts(session: Session) -> bool:
    """True once someone has registered (a user with a password)."""
    found = session.scalar(select(User.id).where(User.password_hash.is_not(None)).limit(1))
    return found is not None


def executions_with_owner(
    session: Session, owner_id: int | None, *, since: datetime | None, limit: int
) -> list[tuple[Execution, str | None]]:
    """Executions newest first with their owner's user name (None when it has none)."""
    query = (
        select(Execution, User.username)
        .outerjoin(User, User.id == Execution.user_id)
        .order_by(Execution.id.desc())
        .limit(limit)
    )
    if owner_id is not None:
        query = query.where(Execution.user_id == owner_id)
    if since is not None:
        query = query.where(Execution.started_at >= since)
    return [(row[0], row[1]) for row in session.execute(query)]


def usage_rows(
    session: Session, owner_id: int | None, *, since: datetime | None
) -> list[tuple[Any, ...]]:
    """(created_at, model, user name or None, status, tokens_in, tokens_out, cost) per
    UsageRecord: the owner's, or everyone's when `owner_id` is None."""
    query = select(
        UsageRecord.created_at,
        UsageRecord.model,
        User.username,
        UsageRecord.status,
        UsageRecord.tokens_in,
        UsageRecord.tokens_out,
        UsageRecord.cost,
    ).outerjoin(User, User.id == UsageRecord.user_id)
    if owner_id is not None:
        query = query.where(UsageRecord.user_id == owner_id)
    if since is not None:
        query = query.where(UsageRecord.created_at >= since)
    return [tuple(row) for row in session.execute(query)]
