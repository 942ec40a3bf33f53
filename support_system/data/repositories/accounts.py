"""Accounts: users by name, tokens by hash, invitations, admins left, the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from support_system.data.schema import (
    AuditEvent,
    Invite,
    PersonalToken,
    RefreshToken,
    Role,
    User,
)


def count_accounts(session: Session) -> int:
    """Users who can sign in (with a password): 0 before the first registration."""
    return session.scalar(select(func.count()).where(User.password_hash.is_not(None))) or 0


def user_by_name(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def all_users(session: Session) -> list[User]:
    """Every account that can sign in. The password-less "local" row (the owner of data
    made while sign-in was off, re-created if something still asks for it) is left out."""
    query = select(User).where(User.password_hash.is_not(None)).order_by(User.id)
    return list(session.scalars(query))


def active_admins_except(session: Session, user_id: int) -> int:
    """Admins who can sign in (a password, not disabled), other than `user_id`: the last
    one must stay. The password-less "local" row does not count: nobody can sign in as it."""
    query = select(func.count()).where(
        User.role == Role.ADMIN,
        User.disabled.is_(False),
        User.password_hash.is_not(None),
        User.id != user_id,
    )
    return session.scalar(query) or 0


def invite_by_hash(session: Session, code_hash: str) -> Invite | None:
    return session.scalars(select(Invite).where(Invite.code_hash == code_hash)).one_or_none()


def refresh_token_by_hash(session: Session, token_hash: str) -> RefreshToken | None:
    query = select(RefreshToken).where(RefreshToken.token_hash == token_hash)
    return session.scalars(query).one_or_none()


def revoke_refresh_family(session: Session, family: str, now: datetime) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def revoke_user_refresh_tokens(session: Session, user_id: int, now: datetime) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def personal_token_by_hash(session: Session, token_hash: str) -> PersonalToken | None:
    query = select(PersonalToken).where(PersonalToken.token_hash == token_hash)
    return session.scalars(query).one_or_none()


def personal_tokens_of(session: Session, user_id: int) -> list[PersonalToken]:
    query = select(PersonalToken).where(PersonalToken.user_id == user_id)
    return list(session.scalars(query.order_by(PersonalToken.id)))


def audit_events(
    session: Session,
    *,
    event: str | None = None,
    actor: str | None = None,
    ok: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
) -> list[AuditEvent]:
    """Audit events newest first, filtered by name, actor name, outcome and time."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if event:
        query = query.where(AuditEvent.event == event)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if ok is not None:
        query = query.where(AuditEvent.ok == ok)
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    if until is not None:
        query = query.where(AuditEvent.created_at < until)
    return list(session.scalars(query))
