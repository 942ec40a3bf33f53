"""Task agents and their executions over HTTP, on the real generation pipeline.

The model is an Ollama entry pointed at a closed port, so the pipeline meets a real
"model unavailable" at once and delivers the job's template with its real checks — the
path a person gets when their model server is down — without minutes of CPU.
"""

from __future__ import annotations

import socket
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from support_system.core.settings import get_settings
from support_system.data import repositories as repo
from support_system.data.db import session_scope
from support_system.data.schema import Execution, TaskAgent
from support_system.jobs.catalogue import get_job
from tests.integration.api.conftest import Person, assert_error, make_person

UNREACHABLE_MODEL = "ollama-qwen2.5-coder-1.5b"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def offline_client(accounts, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__OLLAMA_HOST", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__FALLBACK_MODELS", "[]")
    get_settings.cache_clear()
    from support_system.api import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client


def _project(client: TestClient, person: Person) -> int:
    made = client.post("/api/projects", json={"name": "Bakery"}, headers=person.headers)
    assert made.status_code == 201, made.text
    return made.json()["id"]


def _executions() -> int:
    """Task-agent executions (the pipeline records its attempts in the same row)."""
    with session_scope() as session:
        return session.scalar(
            select(func.count()).select_from(Execution).where(Execution.kind.like("agent:%"))
        )


def test_a_task_agent_runs_its_job_in_the_background(offline_client: TestClient) -> None:
    client = offline_client
    a, b = make_person("aiko"), make_person("ben")
    project_id = _project(client, a)
    answers = get_job("faq-page").samples["en"]
    agent = client.post(
        f"/api/projects/{project_id}/agents",
        json={"name": "FAQ writer", "job_id": "faq-page", "configuration": answers},
        headers=a.headers,
    )
    assert agent.status_code == 201, agent.text
    agent_id = agent.json()["id"]
    assert client.get(f"/api/projects/{project_id}/agents", headers=a.headers).json()[0][
        "name"
    ] == ("FAQ writer")

    accepted = client.post(
        f"/api/agents/{agent_id}/execute",
        json={"model": UNREACHABLE_MODEL, "attempts": 1, "lang": "en"},
        headers=a.headers,
    )
    assert accepted.status_code == 202, accepted.text
    execution_id = accepted.json()["execution_id"]

    deadline = time.monotonic() + 180
    while True:
        status = client.get(f"/api/executions/{execution_id}/status", headers=a.headers).json()
        if not status["running"] or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert not status["running"], status
    assert status["status"] in ("completed", "failed") and status["ended_at"]
    kinds = [event["kind"] for event in status["events"]]
    assert "fallback" in kinds and kinds[-1] == "done", kinds

    record = client.get(f"/api/executions/{execution_id}", headers=a.headers).json()
    assert (record["task_agent_id"], record["project_id"]) == (agent_id, project_id)
    assert record["kind"] == "agent:webpage" and record["goal"] == "FAQ writer"
    assert record["result"]["fallback_used"] is True and record["result"]["job"] == "faq-page"
    assert record["result"]["main_file"] == "index.html"
    # Which model and why, as the API gives it: the one the request named.
    routing = record["result"]["routing"]
    assert (routing["model"], routing["decided_by"]) == (UNREACHABLE_MODEL, "person")
    assert routing["reasons"]["en"].endswith("because you chose it.")
    listed = client.get("/api/executions", headers=a.headers).json()
    assert [e["id"] for e in listed] == [execution_id]  # one row per run, attempts under it
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Execution)) == 1
        assert len(repo.list_substeps(session, execution_id)) >= 1

    # B sees none of it: not the run, not its status, not in B's list.
    assert_error(client.get(f"/api/executions/{execution_id}", headers=b.headers), 404)
    assert_error(client.get(f"/api/executions/{execution_id}/status", headers=b.headers), 404)
    assert client.get("/api/executions", headers=b.headers).json() == []
    assert_error(client.post(f"/api/agents/{agent_id}/execute", headers=b.headers), 404)

    metrics = client.get("/metrics").text
    outcome = record["status"]
    assert f'generations_total{{job="faq-page",outcome="{outcome}"}} 1.0' in metrics
    assert "active_runs 0.0" in metrics
    # From the database, so the same in every API process (workers included).
    assert f'executions_last_hour{{kind="agent:webpage",status="{outcome}"}} 1.0' in metrics
    assert "executions_unfinished 0.0" in metrics


def test_configurations_are_checked_like_wizard_answers(offline_client: TestClient) -> None:
    client = offline_client
    a = make_person("aiko")
    project_id = _project(client, a)
    url = f"/api/projects/{project_id}/agents"

    def create(**body):
        return client.post(url, json={"name": "x", **body}, headers=a.headers)

    assert_error(create(job_id="no-such-job"), 422, "unknown_job")
    error = assert_error(
        create(job_id="faq-page", configuration={"colour": "red"}), 422, "configuration_invalid"
    )
    assert "colour" in error["message"]["en"]
    assert_error(create(job_id="faq-page", configuration={"layout": "nonsense"}), 422)
    outside = create(job_id="profile-page", configuration={"photo": "/etc/passwd"})
    assert_error(outside, 422, "file_outside_project")
    climbing = create(job_id="profile-page", configuration={"photo": "../../other/photo.png"})
    assert_error(climbing, 422, "file_outside_project")
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(TaskAgent)) == 0

    agent_id = create(job_id="faq-page").json()["id"]
    missing = client.post(f"/api/agents/{agent_id}/execute", json={}, headers=a.headers)
    error = assert_error(missing, 422, "answers_missing")
    assert "faqs" in error["message"]["en"] and "contact" in error["message"]["en"]
    patched = client.patch(
        f"/api/agents/{agent_id}",
        json={"configuration": get_job("faq-page").samples["en"]},
        headers=a.headers,
    )
    assert patched.status_code == 200, patched.text
    unknown_model = client.post(
        f"/api/agents/{agent_id}/execute", json={"model": "no-such-model"}, headers=a.headers
    )
    assert_error(unknown_model, 422, "unknown_model")
    with session_scope() as session:  # every refusal came before anything was written
        assert session.scalar(select(func.count()).select_from(Execution)) == 0
    assert client.delete(f"/api/agents/{agent_id}", headers=a.headers).status_code == 204
    assert_error(client.get(f"/api/agents/{agent_id}", headers=a.headers), 404)


def _wait(client: TestClient, person: Person, execution_id: int) -> dict:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        status = client.get(f"/api/executions/{execution_id}/status", headers=person.headers)
        if not status.json()["running"]:
            return status.json()
        time.sleep(0.3)
    raise AssertionError(f"execution {execution_id} still running")


def test_a_second_run_while_the_slot_is_busy_gets_429_and_starts_nothing(
    accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPORT_SYSTEM_LIMITS__CONCURRENT_GENERATIONS", "1")
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__OLLAMA_HOST", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__FALLBACK_MODELS", "[]")
    get_settings.cache_clear()
    from support_system.api import create_app

    a = make_person("aiko")
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        project_id = _project(client, a)
        agent_id = client.post(
            f"/api/projects/{project_id}/agents",
            json={
                "name": "faq",
                "job_id": "faq-page",
                "configuration": get_job("faq-page").samples["ja"],
            },
            headers=a.headers,
        ).json()["id"]
        url = f"/api/agents/{agent_id}/execute"
        body = {"model": UNREACHABLE_MODEL, "attempts": 1}
        first = client.post(url, json=body, headers=a.headers)
        assert first.status_code == 202
        busy = client.post(url, json=body, headers=a.headers)
        error = assert_error(busy, 429, "too_many_generations")
        assert busy.headers["retry-after"] == str(error["retry_after"])
        assert "Nothing was changed" in error["message"]["en"]
        assert _executions() == 1
        _wait(client, a, first.json()["execution_id"])
        again = client.post(url, json=body, headers=a.headers)  # the slot was given back
        assert again.status_code == 202, again.text
        _wait(client, a, again.json()["execution_id"])
    assert _executions() == 2


def test_generate_runs_a_job_for_ones_own_project_and_streams_its_progress(
    offline_client: TestClient,
) -> None:
    """`/api/generate` without a task agent, watched over `/ws/executions/{id}`."""
    client = offline_client
    a, b = make_person("aiko"), make_person("ben")
    project_id = _project(client, a)
    body = {
        "job_id": "faq-page",
        "project_id": project_id,
        "answers": get_job("faq-page").samples["en"],
        "model": UNREACHABLE_MODEL,
        "attempts": 1,
        "lang": "en",
    }
    refused = client.post("/api/generate", json=body, headers=b.headers)  # A's project
    assert_error(refused, 404)
    assert_error(
        client.post("/api/generate", json={**body, "answers": {}}, headers=a.headers),
        422,
        "answers_missing",
    )
    assert _all_executions() == 0  # refused requests started nothing

    accepted = client.post("/api/generate", json=body, headers=a.headers)
    assert accepted.status_code == 202, accepted.text
    execution_id = accepted.json()["execution_id"]
    with client.websocket_connect(f"/ws/executions/{execution_id}", headers=a.headers) as socket_:
        frames = [socket_.receive_json()]
        while frames[-1]["type"] != "end":
            frames.append(socket_.receive_json())
    assert (frames[0]["type"], frames[0]["execution_id"]) == ("ready", execution_id)
    progress = [f for f in frames if f["type"] == "progress"]
    assert [f["id"] for f in progress] == list(range(1, len(progress) + 1))
    assert "fallback" in [f["kind"] for f in progress] and progress[-1]["kind"] == "done"
    assert frames[-1]["status"] in ("completed", "failed")

    record = client.get(f"/api/executions/{execution_id}", headers=a.headers).json()
    assert record["kind"] == "api:webpage" and record["task_agent_id"] is None
    assert record["result"]["main_file"] == "index.html"
    assert _all_executions() == 1

    with client.websocket_connect(f"/ws/executions/{execution_id}", headers=b.headers) as socket_:
        frame = socket_.receive_json()
    assert frame["error"]["code"] == "not_found"


def _all_executions() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Execution))
