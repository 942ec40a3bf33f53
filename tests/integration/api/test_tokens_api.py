"""Bad tokens over HTTP: each is refused with 401 (and `WWW-Authenticate: Bearer`), and
each refusal is in the audit trail — with the reason and the client, never the token."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import jwt
from fastapi.testclient import TestClient

from support_system.accounts import audit
from support_system.data import secrets
from support_system.data.schema import utcnow
from tests.integration.api.conftest import PASSWORD, Person, assert_error


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _refused(client: TestClient, token: str, event: str = "token_refused") -> str:
    """The token gets 401 on /api/me; returns the audited reason."""
    error = assert_error(client.get("/api/me", headers=_bearer(token)), 401, "token_invalid")
    assert "sign in again" in error["message"]["en"].lower()
    last = audit.events(event=event)[0]
    assert not last.ok and last.client == "testclient"
    assert token not in repr(last)
    return last.detail["reason"]


def _claims(person: Person, **changes) -> dict:
    now = utcnow()
    return {
        "sub": str(person.id),
        "typ": "access",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": "test",
        **changes,
    }


def test_expired_tampered_and_alg_none_access_tokens_are_refused(
    client: TestClient, people: dict[str, Person]
) -> None:
    a = people["a"]
    key = secrets.derived_key("jwt-access")
    expired = jwt.encode(_claims(a, exp=utcnow() - timedelta(seconds=1)), key, algorithm="HS256")
    assert _refused(client, expired) == "expired access token"

    head, body, signature = a.access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["sub"] = str(people["admin"].id)  # try to become the admin
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert "invalid access token" in _refused(client, f"{head}.{forged}.{signature}")

    unsigned = jwt.encode(_claims(a), None, algorithm="none")
    assert "invalid access token" in _refused(client, unsigned)

    wrong_key = jwt.encode(_claims(a), "not the server's key" * 2, algorithm="HS256")
    assert "invalid access token" in _refused(client, wrong_key)

    assert_error(client.get("/api/me", headers={"Authorization": "Basic abc"}), 401)
    assert client.get("/api/me", headers=a.headers).status_code == 200  # the real one works


def test_a_revoked_personal_token_is_refused(client: TestClient, people: dict[str, Person]) -> None:
    a = people["a"]
    made = client.post("/api/tokens", json={"name": "cron", "scopes": ["read"]}, headers=a.headers)
    token, token_id = made.json()["token"], made.json()["info"]["id"]
    assert client.get("/api/projects", headers=_bearer(token)).status_code == 200
    assert client.delete(f"/api/tokens/{token_id}", headers=a.headers).status_code == 204
    assert _refused(client, token) == "revoked personal token"
    listed = client.get("/api/tokens", headers=a.headers).json()
    assert listed[0]["revoked_at"] is not None and "token" not in listed[0]
    assert audit.events(event="personal_token_revoked")[0].target == made.json()["info"]["prefix"]


def test_a_reused_refresh_token_revokes_its_whole_family(
    client: TestClient, people: dict[str, Person]
) -> None:
    a = people["a"]
    first = a.refresh
    second = client.post("/api/auth/refresh", json={"refresh_token": first})
    assert second.status_code == 200
    newer = second.json()["refresh_token"]
    assert newer != first

    # Someone kept a copy of the first token and uses it again: the family is revoked.
    reuse = client.post("/api/auth/refresh", json={"refresh_token": first})
    assert_error(reuse, 401, "token_invalid")
    assert reuse.headers["www-authenticate"] == "Bearer"
    last = audit.events(event="token_reuse")[0]
    assert last.detail["reason"] == "reused refresh token" and last.actor_id == a.id
    # …so the newest token of that family is dead too, for the thief and the owner alike.
    assert_error(client.post("/api/auth/refresh", json={"refresh_token": newer}), 401)
    assert audit.events(event="token_refused")[0].detail["reason"] == "revoked refresh token"


def test_logout_revokes_the_refresh_token(client: TestClient, people: dict[str, Person]) -> None:
    a = people["a"]
    assert (
        client.post("/api/auth/logout", json={"refresh_token": a.refresh}, headers=a.headers)
    ).status_code == 204
    assert audit.events(event="logout")[0].actor_id == a.id
    assert_error(client.post("/api/auth/refresh", json={"refresh_token": a.refresh}), 401)


def test_a_deleted_users_tokens_are_refused(client: TestClient, people: dict[str, Person]) -> None:
    b = people["b"]
    personal = client.post(
        "/api/tokens", json={"name": "s", "scopes": ["read"]}, headers=b.headers
    ).json()["token"]
    deleted = client.delete(f"/api/admin/users/{b.id}", headers=people["admin"].headers)
    assert deleted.status_code == 204
    assert audit.events(event="user_deleted")[0].target == b.username
    assert _refused(client, b.access) == "user deleted or disabled"
    assert _refused(client, personal) == "unknown personal token"  # gone with the user
    assert_error(client.post("/api/auth/refresh", json={"refresh_token": b.refresh}), 401)


def test_a_disabled_user_is_refused_at_once_and_can_come_back(
    client: TestClient, people: dict[str, Person]
) -> None:
    admin, b = people["admin"], people["b"]
    off = client.patch(f"/api/admin/users/{b.id}", json={"disabled": True}, headers=admin.headers)
    assert off.status_code == 200 and off.json()["disabled"] is True
    assert _refused(client, b.access) == "user deleted or disabled"
    login = client.post("/api/auth/login", json={"username": b.username, "password": PASSWORD})
    assert_error(login, 403, "account_disabled")
    client.patch(f"/api/admin/users/{b.id}", json={"disabled": False}, headers=admin.headers)
    assert client.get("/api/me", headers=b.headers).status_code == 200
    assert [e.event for e in audit.events()[:4]].count("user_enabled") == 1


def test_login_returns_a_working_pair(client: TestClient, people: dict[str, Person]) -> None:
    response = client.post("/api/auth/login", json={"username": "AIKO ", "password": PASSWORD})
    assert response.status_code == 200, response.text
    pair = response.json()
    assert pair["token_type"] == "bearer" and pair["expires_in"] == 15 * 60
    me = client.get("/api/me", headers=_bearer(pair["access_token"])).json()
    assert (me["username"], me["role"], me["via"]) == ("aiko", "user", "access")
    assert audit.events(event="login")[0].client == "testclient"
