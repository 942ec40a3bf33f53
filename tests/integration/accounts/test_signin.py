"""Accounts mode: registration, sign-in with slow-down and lock-out, roles, invites, and the
audit trail they leave (real SQLite through the `db` fixture, real argon2 hashes)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select, text

from support_system.accounts import audit, signin
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
from support_system.accounts.principal import ALL, Principal
from support_system.accounts.users import local_user_id
from support_system.core.settings import get_settings
from support_system.data import repositories as repo
from support_system.data.db import session_scope
from support_system.data.schema import Project, Role

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(db, monkeypatch: pytest.MonkeyPatch):
    """Accounts mode with a low lock-out, no slow-down (tests the counting, not the clock)."""
    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__MODE", "accounts")
    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__LOCK_AFTER", "3")
    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__SLOW_DOWN_AFTER", "99")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def _admin(info: signin.UserInfo) -> Principal:
    return Principal(info.id, info.username, info.role, frozenset({ALL}), "access")


def test_the_first_account_is_admin_and_keeps_the_local_users_data(accounts) -> None:
    local = local_user_id()
    with session_scope() as session:
        repo.create_project_row(session, local, "Made before accounts")
    first = signin.register("Aiko", PASSWORD)
    second = signin.register("ben", PASSWORD)
    assert (first.username, first.role, first.id) == ("aiko", Role.ADMIN, local)
    assert second.role == Role.USER
    with session_scope() as session:
        owners = session.scalars(select(Project.owner_id)).all()
    assert owners == [first.id]
    assert [e.event for e in audit.events()] == ["register", "register"]


def test_bad_names_passwords_and_taken_names_are_refused_in_both_languages(accounts) -> None:
    signin.register("aiko", PASSWORD)
    for name, password, error in [
        ("a", PASSWORD, UsernameInvalid),
        ("with space", PASSWORD, UsernameInvalid),
        ("local", PASSWORD, UsernameInvalid),
        ("AIKO", PASSWORD, UsernameTaken),
        ("ben", "short", PasswordTooWeak),
        ("benjamin1234", "Benjamin1234", PasswordTooWeak),
    ]:
        with pytest.raises(error) as caught:
            signin.register(name, password)
        assert caught.value.message("ja") != caught.value.message("en")
        assert "{" not in caught.value.message("ja")


def test_a_right_password_signs_in_and_a_wrong_one_is_refused_and_audited(accounts) -> None:
    signin.register("aiko", PASSWORD)
    with pytest.raises(LoginFailed):
        signin.login("aiko", "wrong password!", client="10.0.0.7")
    with pytest.raises(LoginFailed):
        signin.login("nobody", PASSWORD)
    assert signin.login(" Aiko ", PASSWORD).username == "aiko"
    failed = audit.events(event="login_failed")
    assert [(e.actor, e.client, e.ok) for e in failed] == [
        ("nobody", "", False),
        ("aiko", "10.0.0.7", False),
    ]
    assert PASSWORD not in repr(audit.events())
    assert audit.events(event="login")[0].actor == "aiko"


def test_repeated_wrong_passwords_lock_the_account_until_an_admin_resets_it(accounts) -> None:
    admin = _admin(signin.register("aiko", PASSWORD))
    signin.register("ben", PASSWORD)
    for _ in range(2):
        with pytest.raises(LoginFailed):
            signin.login("ben", "guess number one")
    with pytest.raises(AccountLocked) as locked:
        signin.login("ben", "guess number three")
    assert locked.value.retry_after == 15 * 60
    with pytest.raises(AccountLocked):  # even the right password waits for the lock
        signin.login("ben", PASSWORD)
    assert "15" in locked.value.message("en") and "15" in locked.value.message("ja")
    reasons = [e.detail.get("reason") for e in audit.events(event="login_failed", actor="ben")]
    assert reasons == [
        "locked",
        "wrong password; account locked",
        "wrong password",
        "wrong password",
    ]

    ben = next(u for u in signin.list_users() if u.username == "ben")
    signin.reset_password(admin, ben.id, "a brand new secret")
    assert signin.login("ben", "a brand new secret").username == "ben"


def test_failures_past_the_slow_down_threshold_are_delayed(accounts, monkeypatch) -> None:
    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__SLOW_DOWN_AFTER", "1")
    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__LOCK_AFTER", "10")
    get_settings.cache_clear()
    signin.register("aiko", PASSWORD)
    delays = []
    for _ in range(3):
        start = time.monotonic()
        with pytest.raises(LoginFailed):
            signin.login("aiko", "not the password")
        delays.append(time.monotonic() - start)
    # 1st failure: no delay; 2nd: 2 s; 3rd: 4 s (argon2 itself takes well under a second)
    assert delays[1] >= 2.0 and delays[2] >= 4.0, delays


def test_closed_registration_needs_a_one_time_invite(accounts, monkeypatch) -> None:
    admin = _admin(signin.register("aiko", PASSWORD))
    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__OPEN_REGISTRATION", "false")
    get_settings.cache_clear()
    with pytest.raises(RegistrationClosed):
        signin.register("ben", PASSWORD)
    code = signin.create_invite(admin, role=Role.ADMIN)
    assert signin.register("ben", PASSWORD, invite_code=code).role == Role.ADMIN
    with pytest.raises(InviteInvalid):
        signin.register("carla", PASSWORD, invite_code=code)
    with session_scope() as session:  # only the hash is stored
        stored = session.execute(text("SELECT code_hash FROM invites")).scalars().all()
    assert code not in stored


def test_roles_disable_and_delete_are_admin_only_and_keep_one_admin(accounts) -> None:
    admin = _admin(signin.register("aiko", PASSWORD))
    ben = signin.register("ben", PASSWORD)
    as_ben = _admin(ben)  # a user, whatever the token says
    with pytest.raises(PermissionDenied):
        signin.set_role(as_ben, ben.id, Role.ADMIN)
    local_user_id()  # something asks for the local user again: a password-less admin row
    with pytest.raises(PermissionDenied):  # the only admin who can sign in stays one
        signin.set_role(admin, admin.user_id, Role.USER)
    assert signin.set_disabled(admin, ben.id, True).disabled
    with pytest.raises(AccountDisabled):
        signin.login("ben", PASSWORD)
    signin.set_disabled(admin, ben.id, False)
    assert signin.set_role(admin, ben.id, Role.ADMIN).role == Role.ADMIN
    signin.delete_user(admin, ben.id)
    assert [u.username for u in signin.list_users()] == ["aiko"]
    events = [e.event for e in audit.events()]
    for name in ("user_disabled", "user_enabled", "role_changed", "user_deleted"):
        assert name in events


def test_the_audit_log_cannot_be_changed_or_deleted(accounts) -> None:
    signin.register("aiko", PASSWORD)
    for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(Exception, match="append-only"), session_scope() as session:
            session.execute(text(statement))
    assert len(audit.events()) == 1
    csv_text = audit.to_csv(audit.events())
    assert csv_text.splitlines()[0].startswith("id,created_at,event,ok")
    assert ",register," in csv_text
