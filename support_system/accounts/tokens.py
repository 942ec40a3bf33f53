"""API tokens: short-lived access JWTs, rotating refresh tokens, personal tokens for scripts.

- An **access token** is a JWT (HS256, signed with a key derived from the installation's
  secret key) that lives `auth.access_token_minutes`. Only HS256 is accepted, so
  `alg: none` and algorithm swaps are refused by PyJWT itself.
- A **refresh token** is random, stored only as its SHA-256 hash, and used once: refreshing
  marks it used and issues the next one in the same family. A used token presented again
  means someone kept a copy, so the whole family is revoked (the thief and the owner both
  have to sign in again — the safe side).
- A **personal token** (`sst_…`) is for scripts: hashed, limited to scopes, revocable.

Every refusal is audited (`token_refused`, `token_reuse`) with the reason, never the token.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from support_system.accounts import audit
from support_system.accounts.errors import TokenInvalid
from support_system.accounts.principal import ALL, SCOPES, Principal
from support_system.core.settings import get_settings
from support_system.data import secrets as stored_secrets
from support_system.data.db import session_scope
from support_system.data.repositories import accounts as repo
from support_system.data.repositories import ensure_local_user
from support_system.data.schema import PersonalToken, RefreshToken, User, utcnow

ALGORITHM = "HS256"
PERSONAL_PREFIX = "sst_"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds the access token lives
    token_type: str = "bearer"


@dataclass(frozen=True)
class PersonalTokenInfo:
    """What may be shown about a personal token after it was created: never the token."""

    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _signing_key() -> bytes:
    return stored_secrets.derived_key("jwt-access")


def _refused(reason: str, *, client: str, user_id: int | None = None, event: str = "") -> None:
    audit.record(event or "token_refused", ok=False, actor_id=user_id, client=client, reason=reason)
    raise TokenInvalid(reason)


# --- access and refresh tokens ------------------------------------------------------------


def _access_token(user_id: int) -> tuple[str, int]:
    lifetime = get_settings().auth.access_token_minutes * 60
    now = utcnow()
    claims = {
        "sub": str(user_id),
        "typ": "access",
        "iat": now,
        "exp": now + timedelta(seconds=lifetime),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, _signing_key(), algorithm=ALGORITHM), lifetime


def _new_refresh(session, user_id: int, family: str) -> str:  # noqa: ANN001 - a Session
    token = secrets.token_urlsafe(32)
    days = get_settings().auth.refresh_token_days
    session.add(
        RefreshToken(
            user_id=user_id,
            family=family,
            token_hash=_hash(token),
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    return token


def issue_tokens(user_id: int) -> TokenPair:
    """A fresh access token and the first refresh token of a new family (after sign-in)."""
    with session_scope() as session:
        refresh_token = _new_refresh(session, user_id, uuid.uuid4().hex)
    access, lifetime = _access_token(user_id)
    return TokenPair(access_token=access, refresh_token=refresh_token, expires_in=lifetime)


def refresh(refresh_token: str, *, client: str = "") -> TokenPair:
    """Use a refresh token once: the next pair, or TokenInvalid (reuse revokes the family)."""
    now = utcnow()
    reuse: tuple[int, str] | None = None
    owner: int | None = None
    with session_scope() as session:
        row = repo.refresh_token_by_hash(session, _hash(refresh_token))
        owner = row.user_id if row is not None else None
        if row is None:
            problem = "unknown refresh token"
        elif row.revoked_at is not None:
            problem = "revoked refresh token"
        elif row.used_at is not None:
            problem = "reused refresh token"
            reuse = (row.user_id, row.family)
            repo.revoke_refresh_family(session, row.family, now)
        elif row.expires_at <= now:
            problem = "expired refresh token"
        elif not _usable_user(session, row.user_id):
            problem = "user deleted or disabled"
        else:
            problem = ""
            row.used_at = now
            user_id = row.user_id
            next_token = _new_refresh(session, row.user_id, row.family)
    if reuse is not None:
        _refused(problem, client=client, user_id=reuse[0], event="token_reuse")
    if problem:
        _refused(problem, client=client, user_id=owner)
    audit.record("token_refresh", actor_id=user_id, client=client)
    access, lifetime = _access_token(user_id)
    return TokenPair(access_token=access, refresh_token=next_token, expires_in=lifetime)


def revoke_refresh(refresh_token: str, *, client: str = "") -> None:
    """Sign out: revoke the token's whole family (unknown tokens are ignored: already out)."""
    with session_scope() as session:
        row = repo.refresh_token_by_hash(session, _hash(refresh_token))
        if row is None:
            return
        user_id = row.user_id
        repo.revoke_refresh_family(session, row.family, utcnow())
    audit.record("logout", actor_id=user_id, client=client)


def revoke_all_refresh(user_id: int) -> None:
    """Sign the user out everywhere (password change or reset, account disabled)."""
    with session_scope() as session:
        repo.revoke_user_refresh_tokens(session, user_id, utcnow())


def _usable_user(session, user_id: int) -> User | None:  # noqa: ANN001
    user = session.get(User, user_id)
    return user if user is not None and not user.disabled else None


# --- who is calling -----------------------------------------------------------------------


def principal_for(bearer: str, *, client: str = "") -> Principal:
    """The user behind a bearer token (access JWT or personal token), or TokenInvalid."""
    bearer = bearer.strip()
    if bearer.startswith(PERSONAL_PREFIX):
        return _personal_principal(bearer, client=client)
    try:
        claims = jwt.decode(
            bearer,
            _signing_key(),
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        _refused("expired access token", client=client)
    except jwt.InvalidTokenError as exc:
        _refused(f"invalid access token ({type(exc).__name__})", client=client)
    if claims.get("typ") != "access":
        _refused("not an access token", client=client)
    try:
        user_id = int(claims["sub"])
    except (TypeError, ValueError):
        _refused("invalid subject", client=client)
    with session_scope() as session:
        user = _usable_user(session, user_id)
        if user is None:
            _refused("user deleted or disabled", client=client, user_id=user_id)
        return Principal(user.id, user.username, user.role, frozenset({ALL}), "access")


def local_principal() -> Principal:
    """The single local user (admin) while `auth.mode` is local: no sign-in at all."""
    with session_scope() as session:
        user = ensure_local_user(session)
        return Principal(user.id, user.username, user.role, frozenset({ALL}), "local")


# --- personal tokens ----------------------------------------------------------------------


def _info(row: PersonalToken) -> PersonalTokenInfo:
    return PersonalTokenInfo(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scopes=list(row.scopes),
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def create_personal_token(
    user_id: int,
    name: str,
    scopes: list[str],
    *,
    expires_days: int | None = None,
    client: str = "",
) -> tuple[str, PersonalTokenInfo]:
    """A new token for scripts; the token itself is returned only here, never again."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ValueError(f"unknown or no scopes: {unknown}")
    token = PERSONAL_PREFIX + secrets.token_urlsafe(32)
    with session_scope() as session:
        row = PersonalToken(
            user_id=user_id,
            name=name.strip()[:100] or "token",
            prefix=token[:12],
            token_hash=_hash(token),
            scopes=sorted(set(scopes)),
            expires_at=utcnow() + timedelta(days=expires_days) if expires_days else None,
        )
        session.add(row)
        session.flush()
        info = _info(row)
    audit.record("personal_token_created", actor_id=user_id, target=info.prefix, client=client)
    return token, info


def list_personal_tokens(user_id: int) -> list[PersonalTokenInfo]:
    with session_scope() as session:
        return [_info(row) for row in repo.personal_tokens_of(session, user_id)]


def revoke_personal_token(user_id: int, token_id: int, *, client: str = "") -> bool:
    """Revoke one of the user's tokens; False when it is not theirs or already revoked."""
    with session_scope() as session:
        row = session.get(PersonalToken, token_id)
        if row is None or row.user_id != user_id or row.revoked_at is not None:
            return False
        row.revoked_at = utcnow()
        prefix = row.prefix
    audit.record("personal_token_revoked", actor_id=user_id, target=prefix, client=client)
    return True


def _personal_principal(token: str, *, client: str) -> Principal:
    now = utcnow()
    with session_scope() as session:
        row = repo.personal_token_by_hash(session, _hash(token))
        if row is None:
            _refused("unknown personal token", client=client)
        if row.revoked_at is not None:
            _refused("revoked personal token", client=client, user_id=row.user_id)
        if row.expires_at is not None and row.expires_at <= now:
            _refused("expired personal token", client=client, user_id=row.user_id)
        user = _usable_user(session, row.user_id)
        if user is None:
            _refused("user deleted or disabled", client=client, user_id=row.user_id)
        row.last_used_at = now
        return Principal(user.id, user.username, user.role, frozenset(row.scopes), "personal")
