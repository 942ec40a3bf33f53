"""Accounts: registration, sign-in with slow-down and lock-out, passwords, roles, invites.

Used only when `auth.mode` is "accounts" (the local mode has one user and no sign-in).
Passwords are argon2id hashes (pwdlib); an unknown user name costs the same hash check as
a wrong password, so timing does not tell which one was wrong. After
`auth.slow_down_after` failures in a row each further try waits longer (1, 2, 4 … 8 s),
and `auth.lock_after` failures lock the account for `auth.lock_minutes`. Everything that
changes who may do what is audited.

The first account registered on an installation becomes its admin and takes over the
local user's row, so everything made before accounts were switched on stays theirs.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from pwdlib import PasswordHash

from support_system.accounts import audit
from support_system.accounts.errors import (
    AccountDisabled,
    AccountLocked,
    InviteInvalid,
    LoginFailed,
    PasswordTooWeak,
    PermissionDenied,
    RegistrationClosed,
    UsernameInvalid,
    UsernameTaken,
)
from support_system.accounts.principal import Principal
from support_system.accounts.tokens import revoke_all_refresh
from support_system.core.errors import NotFound
from support_system.core.settings import get_settings
from support_system.data.db import session_scope
from support_system.data.repositories import LOCAL_USERNAME
from support_system.data.repositories import accounts as repo
from support_system.data.schema import Invite, Role, User, utcnow

USERNAME = re.compile(r"^[a-z0-9._-]{3,50}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 256
MAX_DELAY_SECONDS = 8.0

_hasher = PasswordHash.recommended()
#: Verified against when the user name is unknown, so both failures take as long.
_DUMMY_HASH = _hasher.hash("not a password: " + secrets.token_hex(8))


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: Role
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None


def _info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        disabled=user.disabled,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_password(username: str, password: str) -> None:
    """PasswordTooWeak unless the password is long enough and not the user name."""
    if len(password) < MIN_PASSWORD:
        raise PasswordTooWeak("too_short")
    if len(password) > MAX_PASSWORD:
        raise PasswordTooWeak("too_long")
    if password.strip().lower() == normalise_username(username):
        raise PasswordTooWeak("same_as_name")


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


# --- registration and sign-in ------------------------------------------------------------


def register(
    username: str,
    password: str,
    *,
    display_name: str = "",
    invite_code: str | None = None,
    client: str = "",
) -> UserInfo:
    """Create an account. The first one becomes admin (and owner of the local data)."""
    name = normalise_username(username)
    if not USERNAME.match(name) or name == LOCAL_USERNAME:
        raise UsernameInvalid(name)
    check_password(name, password)
    password_hash = _hasher.hash(password)
    now = utcnow()
    with session_scope() as session:
        accounts = repo.count_accounts(session)
        if repo.user_by_name(session, name) is not None:
            raise UsernameTaken(name)
        role = Role.USER
        invite = None
        if accounts:
            if invite_code:
                invite = repo.invite_by_hash(session, _hash_code(invite_code))
                if invite is None or invite.used_at is not None or invite.expires_at <= now:
                    raise InviteInvalid("unknown, used or expired invite")
                role = invite.role
            elif not get_settings().auth.open_registration:
                raise RegistrationClosed(name)
            user = User(username=name, role=role)
            session.add(user)
        else:
            role = Role.ADMIN  # the first account: takes over the local user's data, if any
            user = repo.user_by_name(session, LOCAL_USERNAME) or User(username=name)
            user.username, user.role = name, role
            session.add(user)
        user.display_name = display_name.strip()[:200] or name
        user.password_hash = password_hash
        session.flush()
        if invite is not None:
            invite.used_by, invite.used_at = user.id, now
        info = _info(user)
    audit.record("register", actor_id=info.id, actor=name, target=role.value, client=client)
    return info


def login(username: str, password: str, *, client: str = "") -> UserInfo:
    """Check a user name and password; LoginFailed, AccountLocked or AccountDisabled if not."""
    name = normalise_username(username)
    settings = get_settings().auth
    now = utcnow()
    user_id: int | None = None
    with session_scope() as session:
        user = repo.user_by_name(session, name)
        if user is None or user.password_hash is None:
            _hasher.verify(password, _DUMMY_HASH)
            failures = 0
            problem = "unknown user"
        elif user.locked_until is not None and user.locked_until > now:
            retry = int((user.locked_until - now).total_seconds()) + 1
            audit.record("login_failed", ok=False, actor=name, client=client, reason="locked")
            raise AccountLocked(name, retry_after=retry)
        else:
            valid, new_hash = _hasher.verify_and_update(password[:MAX_PASSWORD], user.password_hash)
            if valid and user.disabled:
                audit.record(
                    "login_failed",
                    ok=False,
                    actor_id=user.id,
                    actor=name,
                    client=client,
                    reason="disabled",
                )
                raise AccountDisabled(name)
            if valid:
                if new_hash:
                    user.password_hash = new_hash
                user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
                info = _info(user)
                problem = ""
            else:
                user.failed_logins += 1
                failures = user.failed_logins
                problem = "wrong password"
                if failures >= settings.lock_after:
                    user.locked_until = now + timedelta(minutes=settings.lock_minutes)
                    user.failed_logins = 0
                    problem = "wrong password; account locked"
                user_id = user.id
    if not problem:
        audit.record("login", actor_id=info.id, actor=name, client=client)
        return info
    audit.record(
        "login_failed",
        ok=False,
        actor_id=user_id,
        actor=name,
        client=client,
        reason=problem,
        failures=failures,
    )
    if problem.endswith("locked"):
        raise AccountLocked(name, retry_after=settings.lock_minutes * 60)
    if failures >= settings.slow_down_after:  # make guessing slow before it is refused
        time.sleep(min(2.0 ** (failures - settings.slow_down_after), MAX_DELAY_SECONDS))
    raise LoginFailed(problem)


def change_password(user_id: int, old: str, new: str, *, client: str = "") -> None:
    """Change one's own password (the old one must be right); signs out other sessions."""
    with session_scope() as session:
        user = _user(session, user_id)
        if user.password_hash is None or not _hasher.verify(old[:MAX_PASSWORD], user.password_hash):
            raise LoginFailed("wrong current password")
        check_password(user.username, new)
        user.password_hash = _hasher.hash(new)
        name = user.username
    revoke_all_refresh(user_id)
    audit.record("password_changed", actor_id=user_id, actor=name, target=name, client=client)


# --- administration -----------------------------------------------------------------------


def _require_admin(admin: Principal) -> None:
    if not admin.is_admin:
        raise PermissionDenied(f"{admin.username} is not an admin", scope="admin")


def _user(session, user_id: int) -> User:  # noqa: ANN001 - a Session
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def list_users() -> list[UserInfo]:
    with session_scope() as session:
        return [_info(u) for u in repo.all_users(session)]


def get_user_info(user_id: int) -> UserInfo:
    with session_scope() as session:
        return _info(_user(session, user_id))


def reset_password(admin: Principal, user_id: int, new: str, *, client: str = "") -> None:
    """An admin sets a new password (and unlocks the account); the user is signed out."""
    _require_admin(admin)
    with session_scope() as session:
        user = _user(session, user_id)
        check_password(user.username, new)
        user.password_hash = _hasher.hash(new)
        user.failed_logins, user.locked_until = 0, None
        name = user.username
    revoke_all_refresh(user_id)
    audit.record(
        "password_reset", actor_id=admin.user_id, actor=admin.username, target=name, client=client
    )


def set_role(admin: Principal, user_id: int, role: Role, *, client: str = "") -> UserInfo:
    """Change a role; the last active admin cannot stop being one (nobody could manage)."""
    _require_admin(admin)
    with session_scope() as session:
        user = _user(session, user_id)
        if (
            role != Role.ADMIN
            and user.role == Role.ADMIN
            and not repo.active_admins_except(session, user_id)
        ):
            raise PermissionDenied("the last admin cannot lose the role", scope="admin")
        before, user.role = user.role, role
        info = _info(user)
    audit.record(
        "role_changed",
        actor_id=admin.user_id,
        actor=admin.username,
        target=info.username,
        client=client,
        before=before.value,
        after=role.value,
    )
    return info


def set_disabled(admin: Principal, user_id: int, disabled: bool, *, client: str = "") -> UserInfo:
    """Turn an account off (its tokens stop working at once) or on again."""
    _require_admin(admin)
    with session_scope() as session:
        user = _user(session, user_id)
        if disabled and user.role == Role.ADMIN and not repo.active_admins_except(session, user_id):
            raise PermissionDenied("the last admin cannot be disabled", scope="admin")
        user.disabled = disabled
        info = _info(user)
    if disabled:
        revoke_all_refresh(user_id)
    audit.record(
        "user_disabled" if disabled else "user_enabled",
        actor_id=admin.user_id,
        actor=admin.username,
        target=info.username,
        client=client,
    )
    return info


def delete_user(admin: Principal, user_id: int, *, client: str = "") -> None:
    """Delete an account and everything it owns (cascades); not the last admin."""
    _require_admin(admin)
    with session_scope() as session:
        user = _user(session, user_id)
        if user.role == Role.ADMIN and not repo.active_admins_except(session, user_id):
            raise PermissionDenied("the last admin cannot be deleted", scope="admin")
        name = user.username
        session.delete(user)
    audit.record(
        "user_deleted", actor_id=admin.user_id, actor=admin.username, target=name, client=client
    )


def create_invite(
    admin: Principal, *, role: Role = Role.USER, days: int = 7, client: str = ""
) -> str:
    """A one-time invitation code (shown once; only its hash is stored)."""
    _require_admin(admin)
    code = secrets.token_urlsafe(12)
    with session_scope() as session:
        session.add(
            Invite(
                code_hash=_hash_code(code),
                role=role,
                created_by=admin.user_id,
                expires_at=utcnow() + timedelta(days=days),
            )
        )
    audit.record(
        "invite_created",
        actor_id=admin.user_id,
        actor=admin.username,
        target=role.value,
        client=client,
    )
    return code
