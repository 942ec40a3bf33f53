"""The everyday routes doing their job: projects, provider keys, usage, jobs, and the admin
routes (roles, invitations, password reset, the audit trail and its CSV export)."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from support_system.accounts import audit
from support_system.core.settings import get_settings
from support_system.data.db import session_scope
from support_system.data.repositories import record_usage
from support_system.data.schema import APIKey
from tests.integration.api.conftest import PASSWORD, Person, assert_error


def test_projects_can_be_created_renamed_and_deleted(
    client: TestClient, people: dict[str, Person]
) -> None:
    a = people["a"]
    made = client.post(
        "/api/projects", json={"name": " Bakery ", "description": "bread"}, headers=a.headers
    )
    assert made.status_code == 201
    project = made.json()
    assert (project["name"], project["owner_id"]) == ("Bakery", a.id)
    assert_error(client.post("/api/projects", json={"name": "   "}, headers=a.headers), 422)
    renamed = client.patch(
        f"/api/projects/{project['id']}", json={"name": "Bakery 2"}, headers=a.headers
    ).json()
    assert (renamed["name"], renamed["description"]) == ("Bakery 2", "bread")
    assert client.delete(f"/api/projects/{project['id']}", headers=a.headers).status_code == 204
    assert_error(client.get(f"/api/projects/{project['id']}", headers=a.headers), 404)
    deleted = audit.events(event="delete")[0]
    assert (deleted.actor, deleted.target) == ("aiko", f"project {project['id']}")


def test_provider_keys_are_stored_but_never_returned(
    client: TestClient, people: dict[str, Person]
) -> None:
    a = people["a"]
    key = "sk-live-abcdefghijklmnop1234"
    saved = client.put("/api/apikeys/anthropic", json={"key": key}, headers=a.headers)
    assert saved.status_code == 200
    assert saved.json()["key_hint"] == "…1234" and key not in saved.text
    listed = client.get("/api/apikeys", headers=a.headers)
    assert [k["provider"] for k in listed.json()] == ["anthropic"] and key not in listed.text
    assert client.get("/api/apikeys", headers=people["b"].headers).json() == []
    with session_scope() as session:
        stored = session.scalars(select(APIKey.encrypted_key)).one()
    assert key not in stored  # encrypted at rest
    assert_error(client.put("/api/apikeys/nonsense", json={"key": key}, headers=a.headers), 422)
    assert_error(client.put("/api/apikeys/openai", json={"key": "   "}, headers=a.headers), 422)
    assert client.delete("/api/apikeys/anthropic", headers=a.headers).status_code == 204
    assert_error(client.delete("/api/apikeys/anthropic", headers=a.headers), 404)
    events = [e.event for e in audit.events() if e.event.startswith("api_key")]
    assert events == ["api_key_deleted", "api_key_saved"]
    assert key not in repr(audit.events())


def test_usage_is_summed_per_model_and_day_and_private(
    client: TestClient, people: dict[str, Person]
) -> None:
    a, b, admin = people["a"], people["b"], people["admin"]
    with session_scope() as session:
        for tokens_in, model in ((10, "qwen"), (20, "qwen"), (5, "smol")):
            record_usage(
                session, user_id=a.id, model=model, provider="embedded", tokens_in=tokens_in
            )
        record_usage(session, user_id=b.id, model="qwen", provider="embedded", tokens_in=999)
    mine = client.get("/api/usage", headers=a.headers).json()
    assert [(r["model"], r["calls"], r["tokens_in"]) for r in mine["rows"]] == [
        ("qwen", 2, 30),
        ("smol", 1, 5),
    ]
    assert mine["tokens_in"] == 35 and mine["user_id"] == a.id
    assert_error(client.get(f"/api/usage?user_id={a.id}", headers=b.headers), 403)
    seen = client.get(f"/api/usage?user_id={b.id}", headers=admin.headers).json()
    assert seen["tokens_in"] == 999


def test_the_job_catalogue_lists_every_job_in_both_languages(
    client: TestClient, people: dict[str, Person]
) -> None:
    jobs = client.get("/api/jobs", headers=people["a"].headers).json()
    assert {"faq-page", "csv-summary", "form-letter"} <= {job["id"] for job in jobs}
    assert all(job["title"]["ja"] and job["title"]["en"] for job in jobs)
    faq = client.get("/api/jobs/faq-page", headers=people["a"].headers).json()
    assert [q["id"] for q in faq["questions"]][:2] == ["title", "faqs"]
    assert_error(client.get("/api/jobs/nope", headers=people["a"].headers), 404, "not_found")


def test_admins_manage_users_and_the_last_admin_is_protected(
    client: TestClient, people: dict[str, Person]
) -> None:
    admin, a = people["admin"], people["a"]
    users = client.get("/api/admin/users", headers=admin.headers).json()
    assert [u["username"] for u in users] == ["root", "aiko", "ben"]
    promoted = client.patch(
        f"/api/admin/users/{a.id}", json={"role": "admin"}, headers=admin.headers
    )
    assert promoted.json()["role"] == "admin"
    assert client.get("/api/admin/users", headers=a.headers).status_code == 200
    client.patch(f"/api/admin/users/{a.id}", json={"role": "user"}, headers=admin.headers)
    assert_error(client.get("/api/admin/users", headers=a.headers), 403)
    last = client.patch(
        f"/api/admin/users/{admin.id}", json={"role": "user"}, headers=admin.headers
    )
    assert_error(last, 403, "permission_denied")
    assert_error(client.delete(f"/api/admin/users/{admin.id}", headers=admin.headers), 403)
    assert_error(client.patch("/api/admin/users/9999", json={}, headers=admin.headers), 404)
    changes = [e.detail for e in audit.events(event="role_changed")]
    assert changes == [{"before": "admin", "after": "user"}, {"before": "user", "after": "admin"}]

    reset = client.post(
        f"/api/admin/users/{a.id}/password",
        json={"password": "a new password!"},
        headers=admin.headers,
    )
    assert reset.status_code == 204
    old = client.post("/api/auth/login", json={"username": "aiko", "password": PASSWORD})
    assert_error(old, 401, "login_failed")
    new = client.post("/api/auth/login", json={"username": "aiko", "password": "a new password!"})
    assert new.status_code == 200


def test_with_registration_closed_only_an_invitation_lets_someone_in(
    client: TestClient, people: dict[str, Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__OPEN_REGISTRATION", "false")
    get_settings.cache_clear()
    body = {"username": "carla", "password": PASSWORD}
    assert_error(client.post("/api/auth/register", json=body), 403, "registration_closed")
    invite = client.post(
        "/api/admin/invites", json={"role": "user"}, headers=people["admin"].headers
    )
    code = invite.json()["code"]
    assert invite.status_code == 201 and invite.json()["days"] == 7
    joined = client.post("/api/auth/register", json={**body, "invite_code": code})
    assert joined.status_code == 201 and joined.json()["role"] == "user"
    again = client.post(
        "/api/auth/register", json={"username": "dan", "password": PASSWORD, "invite_code": code}
    )
    assert_error(again, 403, "invite_invalid")


def test_the_audit_trail_filters_and_exports_csv(
    client: TestClient, people: dict[str, Person]
) -> None:
    admin = people["admin"]
    client.post("/api/auth/login", json={"username": "ben", "password": "wrong password"})
    failed = client.get(
        "/api/admin/audit", params={"event": "login_failed"}, headers=admin.headers
    ).json()
    assert [(e["actor"], e["ok"]) for e in failed] == [("ben", False)]
    assert failed[0]["client"] == "testclient"
    registered = client.get(
        "/api/admin/audit",
        params={"event": "register", "since": "2000-01-01T00:00:00"},
        headers=admin.headers,
    ).json()
    assert sorted(e["actor"] for e in registered) == ["aiko", "ben", "root"]
    exported = client.get("/api/admin/audit", params={"format": "csv"}, headers=admin.headers)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {"login_failed", "register"} <= {row["event"] for row in rows}
    assert audit.events(event="export")[0].actor == "root"
