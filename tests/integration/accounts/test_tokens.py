"""API tokens against the real database: access JWTs, rotating refresh tokens with reuse
detection, personal tokens with scopes; every refusal is audited without the token."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import text

from support_system.accounts import audit, signin, tokens
from support_system.accounts.errors import TokenInvalid
from support_system.accounts.principal import ALL, Principal
from support_system.core.settings import get_settings
from support_system.data import secrets
from support_system.data.db import session_scope
from support_system.data.schema import Role, utcnow

PASSWORD = "correct horse battery"


@pytest.fixture
def users(db, monkeypatch: pytest.MonkeyPatch) -> tuple[signin.UserInfo, signin.UserInfo]:
    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__MODE", "accounts")
    get_settings.cache_clear()
    return signin.register("aiko", PASSWORD), signin.register("ben", PASSWORD)


def _refused(bearer: str) -> str:
    with pytest.raises(TokenInvalid) as caught:
        tokens.principal_for(bearer, client="10.1.2.3")
    assert "sign in again" in caught.value.message("en").lower()
    last = audit.events(event="token_refused")[0]
    assert last.client == "10.1.2.3" and bearer not in repr(last)
    return last.detail["reason"]


def test_an_access_token_names_its_user_with_every_scope(users) -> None:
    aiko, _ = users
    pair = tokens.issue_tokens(aiko.id)
    who = tokens.principal_for(pair.access_token)
    assert (who.user_id, who.username, who.role, who.via) == (aiko.id, "aiko", Role.ADMIN, "access")
    assert who.allows("write") and who.is_admin
    assert pair.expires_in == 15 * 60


def test_expired_tampered_alg_none_and_other_typ_tokens_are_refused(users) -> None:
    aiko, _ = users
    key = secrets.derived_key("jwt-access")
    now = utcnow()
    claims = {"sub": str(aiko.id), "typ": "access", "iat": now, "jti": "x"}
    expired = jwt.encode({**claims, "exp": now - timedelta(seconds=1)}, key, algorithm="HS256")
    assert _refused(expired) == "expired access token"

    good = tokens.issue_tokens(aiko.id).access_token
    head, body, signature = good.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["sub"] = "2"  # become ben
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    assert _refused(f"{head}.{forged}.{signature}").startswith("invalid access token")

    unsigned = jwt.encode({**claims, "exp": now + timedelta(minutes=5)}, None, algorithm="none")
    assert _refused(unsigned).startswith("invalid access token")
    wrong_key = jwt.encode({**claims, "exp": now + timedelta(minutes=5)}, "k" * 32, "HS256")
    assert _refused(wrong_key).startswith("invalid access token")
    refresh_typ = jwt.encode({**claims, "typ": "refresh", "exp": now + timedelta(minutes=5)}, key)
    assert _refused(refresh_typ) == "not an access token"
    assert _refused("not.a.token").startswith("invalid access token")


def test_refresh_rotates_and_a_reused_token_revokes_the_whole_family(users) -> None:
    aiko, _ = users
    first = tokens.issue_tokens(aiko.id)
    second = tokens.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    third = tokens.refresh(second.refresh_token)

    with pytest.raises(TokenInvalid):  # the stolen copy of `first` comes back
        tokens.refresh(first.refresh_token, client="203.0.113.9")
    reuse = audit.events(event="token_reuse")
    assert [(e.actor_id, e.client) for e in reuse] == [(aiko.id, "203.0.113.9")]
    with pytest.raises(TokenInvalid):  # …and the legitimate latest one is revoked with it
        tokens.refresh(third.refresh_token)
    with session_scope() as session:
        stored = session.execute(text("SELECT token_hash FROM refresh_tokens")).scalars().all()
    assert first.refresh_token not in stored and len(stored) == 3


def test_logout_revokes_and_unknown_or_expired_refresh_tokens_are_refused(users) -> None:
    aiko, _ = users
    pair = tokens.issue_tokens(aiko.id)
    tokens.revoke_refresh(pair.refresh_token)
    with pytest.raises(TokenInvalid):
        tokens.refresh(pair.refresh_token)
    with pytest.raises(TokenInvalid):
        tokens.refresh("made-up")
    old = tokens.issue_tokens(aiko.id)
    with session_scope() as session:
        session.execute(text("UPDATE refresh_tokens SET expires_at = '2000-01-01 00:00:00'"))
    with pytest.raises(TokenInvalid):
        tokens.refresh(old.refresh_token)
    reasons = {e.detail["reason"] for e in audit.events(event="token_refused")}
    assert {"revoked refresh token", "unknown refresh token", "expired refresh token"} <= reasons


def test_a_deleted_or_disabled_users_tokens_stop_working(users) -> None:
    aiko, ben = users
    admin = Principal(aiko.id, "aiko", Role.ADMIN, frozenset({ALL}), "access")
    ben_access = tokens.issue_tokens(ben.id).access_token
    ben_script, _ = tokens.create_personal_token(ben.id, "backup", ["read"])
    signin.set_disabled(admin, ben.id, True)
    assert _refused(ben_access) == "user deleted or disabled"
    signin.set_disabled(admin, ben.id, False)
    assert tokens.principal_for(ben_access).username == "ben"
    signin.delete_user(admin, ben.id)
    assert _refused(ben_access) == "user deleted or disabled"
    assert _refused(ben_script) == "unknown personal token"  # deleted with its user


def test_personal_tokens_are_scoped_hashed_listed_by_prefix_and_revocable(users) -> None:
    aiko, ben = users
    token, info = tokens.create_personal_token(aiko.id, "nightly export", ["read", "generate"])
    who = tokens.principal_for(token)
    assert who.via == "personal" and who.allows("read") and not who.allows("write")
    assert not who.is_admin  # an admin's token without the admin scope is not an admin
    listed = tokens.list_personal_tokens(aiko.id)
    assert [(t.name, t.prefix, t.scopes) for t in listed] == [
        ("nightly export", token[:12], ["generate", "read"])
    ]
    assert listed[0].last_used_at is not None
    assert token not in repr(listed)
    with pytest.raises(ValueError):
        tokens.create_personal_token(aiko.id, "x", ["root"])
    assert tokens.revoke_personal_token(ben.id, info.id) is False  # not ben's
    assert tokens.revoke_personal_token(aiko.id, info.id) is True
    assert _refused(token) == "revoked personal token"


def test_local_mode_has_one_admin_without_sign_in(db) -> None:
    who = tokens.local_principal()
    assert (who.username, who.role, who.via, who.is_admin) == ("local", Role.ADMIN, "local", True)
