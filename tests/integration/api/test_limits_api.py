"""Limits over HTTP: wrong passwords slow down then lock (423), requests per minute and
quotas give 429 with `Retry-After` and a ja/en message, and a refused request changes
nothing in the database."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from support_system.accounts import audit
from support_system.core.settings import get_settings
from support_system.data.db import session_scope
from support_system.data.repositories import api_queries, record_usage
from support_system.data.schema import Execution, Project
from tests.integration.api.conftest import PASSWORD, Person, assert_error, make_person


def _app_client(monkeypatch: pytest.MonkeyPatch, **env: str) -> TestClient:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    from support_system.api import create_app

    return TestClient(create_app(), raise_server_exceptions=False)


def test_wrong_passwords_are_slowed_then_locked_and_audited(
    accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = make_person("aiko")
    client = _app_client(
        monkeypatch,
        SUPPORT_SYSTEM_AUTH__SLOW_DOWN_AFTER="2",
        SUPPORT_SYSTEM_AUTH__LOCK_AFTER="3",
    )
    wrong = {"username": person.username, "password": "not the password"}
    seconds = []
    with client:
        for _ in range(2):
            started = time.monotonic()
            assert_error(client.post("/api/auth/login", json=wrong), 401, "login_failed")
            seconds.append(time.monotonic() - started)
        locked = client.post("/api/auth/login", json=wrong)
        error = assert_error(locked, 423, "account_locked")
        assert error["retry_after"] == 15 * 60
        assert locked.headers["retry-after"] == str(15 * 60)
        assert "15" in error["message"]["en"] and "15" in error["message"]["ja"]
        # Locked: even the right password is refused until the time is up.
        right = {"username": person.username, "password": PASSWORD}
        assert_error(client.post("/api/auth/login", json=right), 423, "account_locked")
    assert seconds[1] >= 1.0 > seconds[0]  # the 2nd failure in a row waited (slow-down)
    failures = audit.events(event="login_failed")
    assert [e.detail.get("reason") for e in failures] == [
        "locked",
        "wrong password; account locked",
        "wrong password",
        "wrong password",
    ]
    assert all(e.client == "testclient" and not e.ok for e in failures)
    assert "not the password" not in repr(failures)


def test_the_fourth_request_in_a_minute_gets_429_and_creates_nothing(
    accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = make_person("aiko")
    client = _app_client(monkeypatch, SUPPORT_SYSTEM_LIMITS__REQUESTS_PER_MINUTE="3")
    with client:
        for n in range(3):
            made = client.post("/api/projects", json={"name": f"p{n}"}, headers=a.headers)
            assert made.status_code == 201
        refused = client.post("/api/projects", json={"name": "p3"}, headers=a.headers)
        error = assert_error(refused, 429, "rate_limit_exceeded")
        retry = int(refused.headers["retry-after"])
        assert 1 <= retry <= 60 and error["retry_after"] == retry
        assert f"{retry} seconds" in error["message"]["en"]
        assert f"{retry} 秒" in error["message"]["ja"]
        assert "Nothing was changed" in error["message"]["en"]
        # Limits are per person: someone else is not held back by A.
        b = make_person("ben")
        assert client.get("/api/projects", headers=b.headers).status_code == 200
    with session_scope() as session:
        names = sorted(session.scalars(select(Project.name)))
    assert names == ["p0", "p1", "p2"]


def test_a_used_up_daily_quota_refuses_execution_before_anything_starts(
    accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = make_person("aiko")
    client = _app_client(monkeypatch, SUPPORT_SYSTEM_LIMITS__TOKENS_PER_DAY="1000")
    with session_scope() as session:
        project = Project(owner_id=a.id, name="p")
        session.add(project)
        session.flush()
        from support_system.jobs.catalogue import get_job

        agent = api_queries.create_task_agent(
            session,
            project_id=project.id,
            name="faq",
            job_id="faq-page",
            configuration=get_job("faq-page").samples["en"],
        )
        agent_id = agent.id
        record_usage(session, user_id=a.id, model="m", provider="p", tokens_in=600, tokens_out=400)
    with client:
        refused = client.post(f"/api/agents/{agent_id}/execute", json={}, headers=a.headers)
        error = assert_error(refused, 429, "quota_exceeded")
        assert 0 < error["retry_after"] <= 24 * 3600
        assert "1000 tokens" in error["message"]["en"]
        usage = client.get("/api/usage", headers=a.headers).json()
        assert (usage["tokens_in"], usage["tokens_out"]) == (600, 400)
        assert usage["rows"][0]["model"] == "m" and usage["rows"][0]["calls"] == 1
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Execution)) == 0


def test_generation_slots_are_per_user_and_given_back(accounts) -> None:
    from support_system.accounts.errors import TooManyGenerations
    from support_system.accounts.limits import Limits

    limits = Limits(get_settings().limits.model_copy(update={"concurrent_generations": 1}))
    first = limits.start_generation(7)
    with pytest.raises(TooManyGenerations) as refused:
        limits.start_generation(7)
    assert refused.value.retry_after > 0 and "1" in refused.value.message("en")
    other = limits.start_generation(8)  # another person is not affected
    first.release()
    first.release()  # idempotent: a double release must not free a slot that is in use
    again = limits.start_generation(7)
    assert limits.running_generations(7) == 1
    again.release()
    other.release()
    assert limits.running_generations(7) == 0


def test_each_app_keeps_its_own_counters(accounts, monkeypatch: pytest.MonkeyPatch) -> None:
    a: Person = make_person("aiko")
    first = _app_client(monkeypatch, SUPPORT_SYSTEM_LIMITS__REQUESTS_PER_MINUTE="1")
    second = _app_client(monkeypatch, SUPPORT_SYSTEM_LIMITS__REQUESTS_PER_MINUTE="1")
    with first, second:
        assert first.get("/api/me", headers=a.headers).status_code == 200
        assert second.get("/api/me", headers=a.headers).status_code == 200
        assert first.get("/api/me", headers=a.headers).status_code == 429
