"""`/api/ask`: a question about an uploaded table, through the real data-question service."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from support_system.core.settings import get_settings
from tests.integration.api.conftest import Person, assert_error

SALES = b"month,shop,amount\n2026-01,Tokyo,120\n2026-01,Osaka,80\n2026-02,Tokyo,100\n"


def _ask(client: TestClient, person: Person, question: str, name: str = "sales.csv", **form):
    return client.post(
        "/api/ask",
        files={"file": (name, SALES, "text/csv")},
        data={"question": question, **form},
        headers=person.headers,
    )


def test_questions_that_cannot_be_asked_are_refused_before_any_model_runs(
    client: TestClient, people: dict[str, Person]
) -> None:
    a = people["a"]
    error = assert_error(_ask(client, a, "Tell me a joke"), 422, "not_about_data")
    assert "chat" in error["message"]["en"]
    assert_error(_ask(client, a, "total amount?", name="notes.txt"), 422, "invalid_upload")
    assert_error(_ask(client, a, "total amount?", model="no-such-model"), 422, "unknown_model")
    assert_error(client.post("/api/ask", data={"question": "x"}, headers=a.headers), 422)
    uploads = get_settings().state_dir / "uploads" / "api"
    assert not uploads.exists() or not any(uploads.rglob("*.csv"))  # nothing was kept


def test_a_read_only_token_cannot_ask(client: TestClient, people: dict[str, Person]) -> None:
    made = client.post(
        "/api/tokens", json={"name": "r", "scopes": ["read"]}, headers=people["a"].headers
    )
    reader = Person(people["a"].id, "aiko", made.json()["token"], "")
    assert_error(_ask(client, reader, "total amount?"), 403, "scope_missing")


@pytest.mark.model
def test_a_question_is_answered_by_a_program_run_on_the_file(
    client: TestClient, people: dict[str, Person]
) -> None:
    answer = _ask(
        client, people["a"], "What is the total amount?", lang="en", model="qwen2.5-coder-0.5b"
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert float(body["value"]) == 300 and "300" in body["text"]
    assert body["model"] == "qwen2.5-coder-0.5b" and "amount" in body["code"]
