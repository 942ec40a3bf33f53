"""The authorisation matrix: every route of the app × anonymous / user A / user B / admin.

Routes are read from the app itself, so a route added later is in the matrix without
anyone remembering to add it: anonymous gets 401 except on the public routes, a user gets
403 on admin routes, B gets 404 on A's objects (like a missing id, so ids do not leak)
and changes nothing of A's — checked in the database, not only in the answers.
"""

from __future__ import annotations

import itertools
import string
from pathlib import Path
from typing import Any

from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select

from support_system.accounts import api_keys, tokens
from support_system.core.settings import get_settings
from support_system.data import repositories as repo
from support_system.data.db import session_scope
from support_system.data.repositories import api_queries
from support_system.data.schema import (
    APIKey,
    Execution,
    PersonalToken,
    Project,
    TaskAgent,
    User,
)
from tests.integration.api.conftest import PASSWORD, Person, assert_error

PUBLIC = {
    ("GET", "/health"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/refresh"),
}
OWNED = (
    "{project_id}",
    "{agent_id}",
    "{execution_id}",
    "{token_id}",
    "{conversation_id}",
    "{doc_id}",
)
_names = itertools.count(1)


def all_routes(app: Any) -> list[tuple[str, str]]:
    """(method, path template) of every route the app serves, HEAD aside."""
    return sorted(
        (method, route.path)
        for route in iter_route_contexts(app.routes)
        for method in (route.methods or ())
        if method != "HEAD"
    )


def _document_of(project_id: int, folder: Path) -> str:
    """A knowledge-base document in the project (real ingestion: e5 and the store)."""
    from support_system.rag import project_scope
    from support_system.rag.context import shared_knowledge_base

    path = folder / f"notes{next(_names)}.txt"
    path.write_text("Opening hours are nine to five on weekdays.", encoding="utf-8")
    report = shared_knowledge_base().add([path], scope=project_scope(project_id))
    return str(report.outcomes[0].doc_id)


def objects_of(owner: Person, caller: Person | None, path: str = "") -> dict[str, Any]:
    """Fresh objects of `owner` for one request (a DELETE may remove them), a spare user
    for the admin routes, and a provider key of the caller's own. A knowledge-base
    document (ingestion costs a model call) is made only for a route that names one."""
    with session_scope() as session:
        project = repo.create_project_row(session, owner.id, "A's project")
        agent = api_queries.create_task_agent(
            session, project_id=project.id, name="agent", job_id="faq-page"
        )
        execution = repo.start_execution(
            session,
            kind="agent:webpage",
            goal="agent",
            project_id=project.id,
            user_id=owner.id,
            task_agent_id=agent.id,
        )
        conversation = repo.create_conversation(session, owner.id, title="A's chat")
        spare = User(username=f"spare{next(_names)}")
        session.add(spare)
        session.flush()
        ids = {
            "project_id": project.id,
            "agent_id": agent.id,
            "execution_id": execution.id,
            "user_id": spare.id,
            "conversation_id": conversation.id,
        }
    ids["doc_id"] = "none"
    if "{doc_id}" in path:
        ids["doc_id"] = _document_of(ids["project_id"], get_settings().state_dir)
    _, token = tokens.create_personal_token(owner.id, "script", ["read"])
    if caller is not None:
        api_keys.save_key(caller.id, "openai", f"sk-{caller.username}-0123456789abcdef")
    return {**ids, "token_id": token.id, "provider": "openai", "job_id": "faq-page"}


def body_for(method: str, path: str, a: Person) -> dict[str, Any] | None:
    """A request body that is valid, so only authorisation decides the answer."""
    bodies: dict[tuple[str, str], Any] = {
        ("POST", "/api/auth/register"): {"username": f"new{next(_names)}", "password": PASSWORD},
        ("POST", "/api/auth/login"): {"username": a.username, "password": PASSWORD},
        ("POST", "/api/auth/refresh"): {"refresh_token": tokens.issue_tokens(a.id).refresh_token},
        ("POST", "/api/auth/logout"): {"refresh_token": "not-a-token"},
        # The same password again: the change is real, and later logins still work.
        ("POST", "/api/me/password"): {"old_password": PASSWORD, "new_password": PASSWORD},
        ("POST", "/api/projects"): {"name": "new"},
        ("PATCH", "/api/projects/{project_id}"): {"name": "renamed"},
        ("POST", "/api/projects/{project_id}/agents"): {"name": "new", "job_id": "faq-page"},
        ("PATCH", "/api/agents/{agent_id}"): {"name": "renamed"},
        ("POST", "/api/agents/{agent_id}/execute"): {"model": "no-such-model"},
        ("POST", "/api/tokens"): {"name": "new", "scopes": ["read"]},
        ("PUT", "/api/apikeys/{provider}"): {"key": "sk-changed-0123456789abcdef"},
        ("PATCH", "/api/admin/users/{user_id}"): {"disabled": False},
        ("POST", "/api/admin/users/{user_id}/password"): {"password": PASSWORD},
        ("POST", "/api/admin/invites"): {"role": "user"},
    }
    return bodies.get((method, path))


def expected(who: str, method: str, path: str) -> str:
    if (method, path) in PUBLIC:
        return "allowed"
    if who == "anonymous":
        return "401"
    if path.startswith("/api/admin"):
        return "allowed" if who == "admin" else "403"
    if who == "b" and any(param in path for param in OWNED):
        return "404"
    if who == "admin" and "{token_id}" in path:
        return "404"  # personal tokens are their owner's alone, admins included
    return "allowed"


def path_parameters(path: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(path) if name}


def call(client: TestClient, who: str, caller: Person | None, method: str, path: str, a: Person):
    ids = objects_of(a, caller, path)
    url = path.format(**ids)
    headers = caller.headers if caller is not None else {}
    return client.request(method, url, json=body_for(method, path, a), headers=headers)


def a_state(a: Person) -> dict[str, Any]:
    """Everything of A's that another user might try to read or change."""
    with session_scope() as session:
        return {
            "projects": sorted(
                (p.id, p.name, p.description)
                for p in session.scalars(select(Project).where(Project.owner_id == a.id))
            ),
            "agents": sorted(
                (t.id, t.name, t.job_id, str(t.configuration))
                for t in session.scalars(
                    select(TaskAgent).join(Project).where(Project.owner_id == a.id)
                )
            ),
            "executions": sorted(
                e.id for e in session.scalars(select(Execution).where(Execution.user_id == a.id))
            ),
            "tokens": sorted(
                (t.id, t.revoked_at is None)
                for t in session.scalars(select(PersonalToken).where(PersonalToken.user_id == a.id))
            ),
            "keys": sorted(
                (k.provider, k.key_hint)
                for k in session.scalars(select(APIKey).where(APIKey.user_id == a.id))
            ),
        }


def test_every_route_answers_each_kind_of_caller_as_the_matrix_says(
    client: TestClient, people: dict[str, Person]
) -> None:
    a = people["a"]
    routes = all_routes(client.app)
    assert len(routes) >= 35, routes  # the whole API, not an empty list by mistake
    known = set(objects_of(a, None))
    unknown = {path: path_parameters(path) - known for _, path in routes}
    unknown = {path: names for path, names in unknown.items() if names}
    assert not unknown, (
        f"routes with path parameters the matrix cannot fill: {unknown}; "
        "make one such object of A's in objects_of() (and name it in OWNED if it is owned)"
    )
    callers: dict[str, Person | None] = {
        "anonymous": None,
        "b": people["b"],
        "a": a,
        "admin": people["admin"],
    }
    wrong: list[str] = []
    for who, caller in callers.items():
        before = a_state(a) if who == "b" else None
        for method, path in routes:
            want = expected(who, method, path)
            response = call(client, who, caller, method, path, a)
            got = response.status_code
            ok = {
                "401": got == 401,
                "403": got == 403,
                "404": got == 404,
                "allowed": got < 500 and got not in (401, 403, 404),
            }[want]
            if not ok:
                wrong.append(f"{who} {method} {path}: want {want}, got {got} {response.text[:200]}")
            elif want in ("401", "403", "404"):
                assert_error(response, got)
                if got == 401:
                    assert response.headers["www-authenticate"] == "Bearer"
        if who == "b":
            # B's pass made a fresh set of A's objects per request; none was changed,
            # removed or revoked, and B's refused `execute` started nothing.
            after = a_state(a)
            assert set(before["projects"]) <= set(after["projects"])
            assert {(name, text) for _, name, text in after["projects"]} == {("A's project", "")}
            assert {(name, config) for _, name, _, config in after["agents"]} == {("agent", "{}")}
            assert len(after["executions"]) == len(before["executions"]) + len(routes)
            assert all(alive for _, alive in after["tokens"])
            assert after["keys"] == before["keys"]
    assert not wrong, "\n".join(wrong)


def test_b_gets_exactly_the_answer_of_a_missing_object(
    client: TestClient, people: dict[str, Person]
) -> None:
    """Another person's project and a project that never existed look the same."""
    ids = objects_of(people["a"], None)
    theirs = client.get(f"/api/projects/{ids['project_id']}", headers=people["b"].headers)
    missing = client.get("/api/projects/999999", headers=people["b"].headers)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"
    listed = client.get("/api/projects", headers=people["b"].headers).json()
    assert ids["project_id"] not in [p["id"] for p in listed]
    everyone = client.get("/api/projects", headers=people["admin"].headers).json()
    assert ids["project_id"] in [p["id"] for p in everyone]


def test_a_personal_token_does_only_what_its_scopes_allow(
    client: TestClient, people: dict[str, Person]
) -> None:
    admin = people["admin"]
    created = client.post(
        "/api/tokens", json={"name": "reader", "scopes": ["read"]}, headers=admin.headers
    )
    assert created.status_code == 201
    token = created.json()["token"]
    listed = client.get("/api/tokens", headers=admin.headers).json()
    assert token.startswith("sst_") and token not in str(listed)
    reader = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/projects", headers=reader).status_code == 200
    refused = assert_error(client.post("/api/projects", json={"name": "x"}, headers=reader), 403)
    assert refused["code"] == "scope_missing" and "make changes" in refused["message"]["en"]
    assert_error(client.get("/api/admin/users", headers=reader), 403, "scope_missing")
    # A script's token cannot mint tokens or change the password, even with "write".
    writer = client.post(
        "/api/tokens", json={"name": "w", "scopes": ["read", "write"]}, headers=admin.headers
    ).json()["token"]
    as_writer = {"Authorization": f"Bearer {writer}"}
    assert client.post("/api/projects", json={"name": "ok"}, headers=as_writer).status_code == 201
    assert_error(
        client.post("/api/tokens", json={"name": "x", "scopes": ["admin"]}, headers=as_writer),
        403,
        "personal_token_refused",
    )
    assert_error(
        client.post(
            "/api/me/password",
            json={"old_password": PASSWORD, "new_password": PASSWORD + "2"},
            headers=as_writer,
        ),
        403,
        "personal_token_refused",
    )
    with session_scope() as session:
        names = sorted(p.name for p in session.scalars(select(Project)))
    assert names == ["ok"]  # the refused create left nothing behind


def test_local_mode_needs_no_token_but_checks_one_that_is_sent(db, monkeypatch) -> None:
    from support_system.api import create_app

    with TestClient(create_app()) as local:
        me = local.get("/api/me").json()
        assert (me["username"], me["role"], me["via"]) == ("local", "admin", "local")
        refused = local.get("/api/me", headers={"Authorization": "Bearer nonsense"})
        assert_error(refused, 401, "token_invalid")
