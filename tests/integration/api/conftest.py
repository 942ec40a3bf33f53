"""Fixtures for the API tests: a real app on a real (per-test) SQLite database.

Accounts are made through the accounts core (one argon2 hash each), tokens through
`issue_tokens` rather than a login request, so tests spend their time on the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from support_system.core.settings import Settings, get_settings

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    access: str
    refresh: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


def make_person(username: str) -> Person:
    """A registered account (the first one on a database is the admin) with a token pair."""
    from support_system.accounts import signin, tokens

    info = signin.register(username, PASSWORD)
    pair = tokens.issue_tokens(info.id)
    return Person(info.id, info.username, pair.access_token, pair.refresh_token)


@pytest.fixture
def accounts(db: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A migrated database in `auth.mode: accounts` (login required)."""
    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__MODE", "accounts")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def client(accounts: Settings) -> Iterator[TestClient]:
    """A TestClient on a fresh app; leaving it waits for background executions."""
    from support_system.api import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def people(accounts: Settings) -> dict[str, Person]:
    """admin (registered first), and two plain users A and B."""
    return {"admin": make_person("root"), "a": make_person("aiko"), "b": make_person("ben")}


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The one error shape, with both messages; returns the `error` object."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) <= {"code", "message", "retry_after"}
    assert error["message"]["ja"] and error["message"]["en"]
    assert error["message"]["ja"] != error["message"]["en"]
    if code is not None:
        assert error["code"] == code, error
    assert "Traceback" not in response.text
    return error
