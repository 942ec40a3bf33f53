"""Knowledge-base endpoints with the real e5 embeddings and the embedded Chroma store:
a user's documents belong to their projects; others cannot list, search or remove them;
the shared (global) documents are changed only by admins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from support_system.core.settings import get_settings

PASSWORD = "correct horse battery"
TEXT = "Lantern Books opens at nine. Returns of unopened books are accepted within 14 days."


@pytest.fixture
def client(db, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__MODE", "accounts")
    get_settings.cache_clear()
    from support_system.api.app import create_app

    with TestClient(create_app()) as test_client:
        yield test_client


def _auth(client: TestClient, name: str) -> dict[str, str]:
    client.post("/api/auth/register", json={"username": name, "password": PASSWORD})
    reply = client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def test_documents_are_visible_to_their_owner_and_admins_only(client) -> None:
    admin, ben, carla = (_auth(client, n) for n in ("aiko", "ben", "carla"))
    project = client.post("/api/projects", json={"name": "Shop"}, headers=ben)
    assert project.status_code == 201, project.text
    project_id = project.json()["id"]

    upload = client.post(
        "/api/kb/documents",
        files={"file": ("../../rules.txt", TEXT.encode(), "text/plain")},
        data={"project_id": str(project_id)},
        headers=ben,
    )
    assert upload.status_code == 201, upload.text
    added = upload.json()
    assert added["status"] == "added" and added["chunks"] >= 1 and added["name"] == "rules.txt"
    doc_id = added["doc_id"]

    hits = client.get(
        "/api/kb/search",
        params={"q": "Are returns of unopened books accepted?", "project_id": project_id},
        headers=ben,
    ).json()
    assert hits and "14 days" in hits[0]["text"] and hits[0]["label"]["ja"]

    assert [d["doc_id"] for d in client.get("/api/kb/documents", headers=ben).json()] == [doc_id]
    assert [d["doc_id"] for d in client.get("/api/kb/documents", headers=admin).json()] == [doc_id]
    assert client.get("/api/kb/documents", headers=carla).json() == []
    for reply in (
        client.get(
            "/api/kb/search", params={"q": "returns", "project_id": project_id}, headers=carla
        ),
        client.get("/api/kb/documents", params={"project_id": project_id}, headers=carla),
        client.delete(f"/api/kb/documents/{doc_id}", headers=carla),
    ):
        assert reply.status_code == 404 and reply.json()["error"]["code"] == "not_found"

    glob = client.post(
        "/api/kb/documents", files={"file": ("a.txt", b"shared notes", "text/plain")}, headers=ben
    )
    assert glob.status_code == 403
    assert "管理者" in glob.json()["error"]["message"]["ja"]

    assert client.delete(f"/api/kb/documents/{doc_id}", headers=ben).status_code == 204
    assert client.get("/api/kb/documents", headers=admin).json() == []


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_added(client, monkeypatch) -> None:
    from support_system.api import knowledge

    admin = _auth(client, "aiko")
    monkeypatch.setattr(knowledge, "MAX_UPLOAD_BYTES", 1024)
    reply = client.post(
        "/api/kb/documents", files={"file": ("big.txt", b"x" * 2048, "text/plain")}, headers=admin
    )
    assert reply.status_code == 413 and "MB" in reply.json()["error"]["message"]["en"]
    assert client.get("/api/kb/documents", headers=admin).json() == []
