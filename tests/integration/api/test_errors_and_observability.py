"""One error shape for every kind of failure; request ids; the JSON log; /metrics; /health."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from support_system.core.settings import get_settings
from tests.integration.api.conftest import PASSWORD, Person, assert_error


def _json_lines(path: Path) -> list[dict]:
    """The structlog lines of the log (the HTTP client's own plain lines aside)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def test_unknown_route_wrong_method_and_invalid_body_share_the_shape(
    client: TestClient, people: dict[str, Person]
) -> None:
    a = people["a"]
    assert_error(client.get("/no/such/route"), 404, "route_not_found")
    assert_error(client.get("/api/nothing", headers=a.headers), 404, "route_not_found")
    assert_error(client.delete("/health"), 405, "method_not_allowed")
    wrong_method = assert_error(client.put("/api/me", headers=a.headers), 405)
    assert "PUT" in wrong_method["message"]["en"]
    invalid = assert_error(
        client.post("/api/projects", json={"name": ""}, headers=a.headers), 422, "request_invalid"
    )
    assert "name" in invalid["message"]["en"] and "name" in invalid["message"]["ja"]
    not_json = client.post(
        "/api/projects",
        content=b"{not json",
        headers={**a.headers, "Content-Type": "application/json"},
    )
    assert_error(not_json, 422, "request_invalid")
    bad_id = client.get("/api/projects/0", headers=a.headers)
    assert_error(bad_id, 422, "request_invalid")
    huge_id = client.get(f"/api/projects/{2**70}", headers=a.headers)
    assert_error(huge_id, 422, "request_invalid")
    missing = client.get("/api/projects/12345", headers=a.headers)
    assert_error(missing, 404, "not_found")


def test_a_rejected_password_is_never_echoed(client: TestClient, people: dict[str, Person]) -> None:
    secret = "x" * 300  # too long for the schema: refused with the field named, not the value
    response = client.post("/api/auth/login", json={"username": "aiko", "password": secret})
    error = assert_error(response, 422, "request_invalid")
    assert "password" in error["message"]["en"] and secret not in response.text
    weak = client.post("/api/auth/register", json={"username": "newbie", "password": "short"})
    assert_error(weak, 422, "password_too_weak")
    taken = client.post("/api/auth/register", json={"username": "aiko", "password": PASSWORD})
    assert_error(taken, 409, "username_taken")
    wrong = client.post("/api/auth/login", json={"username": "nobody", "password": PASSWORD})
    assert_error(wrong, 401, "login_failed")
    assert wrong.headers["www-authenticate"] == "Bearer"


def test_a_crash_is_a_500_in_the_shape_with_the_request_id_and_no_traceback(
    accounts, tmp_path: Path
) -> None:
    from support_system.api import create_app
    from support_system.core.logging import configure_logging

    configure_logging(tmp_path, "INFO", to_stderr=False)
    app = create_app()

    @app.get("/api/crash-for-test")
    def crash() -> None:
        raise RuntimeError("database password is hunter2")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/crash-for-test", headers={"X-Request-ID": "req-42"})
        error = assert_error(response, 500, "internal_error")
        assert "req-42" in error["message"]["en"] and "req-42" in error["message"]["ja"]
        assert response.headers["x-request-id"] == "req-42"
        assert "hunter2" not in response.text and "RuntimeError" not in response.text
        metrics = client.get("/metrics").text
    assert 'http_errors_total{code="internal_error",route="/api/crash-for-test"} 1.0' in metrics
    lines = _json_lines(tmp_path / "app.log")
    crash_line = next(line for line in lines if line["event"] == "http_crash")
    assert crash_line["request_id"] == "req-42" and "RuntimeError" in crash_line["exception"]


def test_requests_are_logged_as_json_with_an_id_and_without_secrets(
    client: TestClient, people: dict[str, Person], tmp_path: Path
) -> None:
    from support_system.core.logging import configure_logging

    configure_logging(tmp_path, "INFO", to_stderr=False)
    a = people["a"]
    response = client.get("/api/me", headers=a.headers)
    generated = response.headers["x-request-id"]
    assert len(generated) == 32
    echoed = client.get("/api/me", headers={**a.headers, "X-Request-ID": "trace-1"})
    assert echoed.headers["x-request-id"] == "trace-1"
    forged = client.get("/api/me", headers={**a.headers, "X-Request-ID": "bad id\nwith newline"})
    assert forged.headers["x-request-id"] != "bad id\nwith newline"
    client.post("/api/auth/login", json={"username": "aiko", "password": PASSWORD})
    text = (tmp_path / "app.log").read_text()
    lines = _json_lines(tmp_path / "app.log")
    requests = [line for line in lines if line["event"] == "http_request"]
    assert {line["request_id"] for line in requests} >= {generated, "trace-1"}
    me = next(line for line in requests if line["request_id"] == "trace-1")
    assert (me["route"], me["status"], me["user_id"], me["method"]) == ("/api/me", 200, a.id, "GET")
    for secret in (a.access, a.refresh, PASSWORD, "Bearer"):
        assert secret not in text


def test_metrics_count_requests_by_route_template(
    client: TestClient, people: dict[str, Person]
) -> None:
    a = people["a"]
    for _ in range(3):
        client.get("/api/projects/777", headers=a.headers)
    client.get("/api/projects", headers=a.headers)
    text = client.get("/metrics").text
    assert (
        'http_requests_total{method="GET",route="/api/projects/{project_id}",status="404"} 3.0'
        in text
    )
    assert 'http_errors_total{code="not_found",route="/api/projects/{project_id}"} 3.0' in text
    assert 'http_request_duration_seconds_count{method="GET",route="/api/projects"} 1.0' in text
    assert "active_runs 0.0" in text
    assert "/api/projects/777" not in text  # templates only: ids never become series


def test_metrics_read_runs_and_model_speed_from_the_database(client: TestClient) -> None:
    """Another process's runs and model calls (a worker's) show up: the database is read."""
    from support_system.data import repositories as repo
    from support_system.data.db import session_scope

    with session_scope() as session:
        repo.start_execution(session, kind="api:webpage", goal="elsewhere")
        repo.record_usage(
            session,
            model="qwen2.5-coder-0.5b",
            provider="llama_cpp",
            tokens_out=50,
            latency_ms=2000,
        )
    text = client.get("/metrics").text
    assert 'executions_last_hour{kind="api:webpage",status="running"} 1.0' in text
    assert "executions_unfinished 1.0" in text
    assert 'model_tokens_per_second{model="qwen2.5-coder-0.5b"} 25.0' in text


def test_health_is_public_and_says_the_database_answers(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == body["database"] == "ok"
    assert body["auth_mode"] == get_settings().auth.mode == "accounts"
    assert body["version"]


def test_the_openapi_schema_documents_the_error_shape(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "ErrorBody" in schema["components"]["schemas"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    login = schema["paths"]["/api/auth/login"]["post"]["responses"]
    assert login["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert client.get("/docs").status_code == 200
