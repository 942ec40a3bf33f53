"""Scale-out: the local cluster's two API processes and two Celery workers sharing Redis,
one database and a Chroma server.

Everything is a real process, started by `support_system.operations.cluster` exactly as
the `cluster` command starts it: Debian's `redis-server`, PostgreSQL made with initdb
and run as the `postgres` user (when the test run has PostgreSQL, as `./scripts/test`
does; else SQLite in the shared state dir, WAL), `chroma run`, two workers (`python -m
support_system worker`, solo pool) and two API servers, all with `queue.backend: celery`
and one state dir.

The model is an Ollama entry on a closed port, so each run meets "model unavailable"
and delivers the job's template with its real checks. The workers wait a few seconds
(cancellably) before each pipeline — the test-only `SUPPORT_SYSTEM_TEST_RUN_DELAY_SECONDS`
— so a worker can be killed, and a run cancelled, while it is running.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from support_system.core.settings import Settings, get_settings
from support_system.jobs.catalogue import get_job
from support_system.operations.cluster import ClusterPlan, LocalCluster
from support_system.operations.processes import free_port
from tests.helpers.servers import wait_for
from tests.integration.api.conftest import Person, make_person

UNREACHABLE_MODEL = "ollama-qwen2.5-coder-1.5b"
RUN_DELAY_SECONDS = 3  # each run's test-only wait before its pipeline
VISIBILITY_SECONDS = 10  # short, so a killed worker's run comes back within the test
RUNS = 6
DELAY_VARIABLE = "SUPPORT_SYSTEM_TEST_RUN_DELAY_SECONDS"


@dataclass
class Stack:
    apis: list[str]
    workers: list[subprocess.Popen]
    logs: Path
    person: Person

    def api(self, number: int) -> httpx.Client:
        return httpx.Client(base_url=self.apis[number], headers=self.person.headers, timeout=30)


@pytest.fixture
def stack(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    env = {
        "SUPPORT_SYSTEM_AUTH__MODE": "accounts",
        "SUPPORT_SYSTEM_QUEUE__VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_SECONDS),
        "SUPPORT_SYSTEM_LLM__OLLAMA_HOST": f"http://127.0.0.1:{free_port()}",  # closed
        "SUPPORT_SYSTEM_LLM__FALLBACK_MODELS": "[]",
        "SUPPORT_SYSTEM_LIMITS__CONCURRENT_GENERATIONS": "20",
        "SUPPORT_SYSTEM_LIMITS__REQUESTS_PER_MINUTE": "100000",  # the test polls a lot
        DELAY_VARIABLE: str(RUN_DELAY_SECONDS),
    }
    postgres = bool(os.environ.get("SUPPORT_SYSTEM_TEST_POSTGRES_URL", "").strip())
    # The server refuses root, and the `postgres` user cannot enter pytest's 0700 temp
    # folders: its data goes to a folder of its own under /tmp.
    pg_folder = Path(tempfile.mkdtemp(prefix="support-system-cluster-pg.")) if postgres else None
    plan = ClusterPlan(
        workers=2,
        apis=2,
        app=False,
        postgres=postgres,
        postgres_folder=pg_folder,
        chroma=True,
        api_port=0,
        persistent=False,
        env=env,
    )
    cluster = LocalCluster(settings.state_dir, plan)
    try:
        cluster.start()
        # This process reads the same database and settings as the cluster's processes.
        for name, value in cluster.env.items():
            if (
                name.startswith("SUPPORT_SYSTEM_")
                and name != "SUPPORT_SYSTEM_TEST_RUN_DELAY_SECONDS"
            ):
                monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        from support_system.data.db import reset_engine_cache

        reset_engine_cache()
        person = make_person("aiko")
        yield Stack(cluster.api_urls, [w.process for w in cluster.workers], cluster.logs, person)
    finally:
        cluster.stop()
        if pg_folder is not None:
            shutil.rmtree(pg_folder, ignore_errors=True)
        from support_system.data.db import reset_engine_cache

        reset_engine_cache()
        get_settings.cache_clear()


def _rows(project_id: int) -> tuple[dict[int, tuple[str, str | None]], int]:
    """Every execution of the project (status, error) and how many artifacts it has."""
    from support_system.data.db import session_scope
    from support_system.data.schema import Artifact, Execution

    with session_scope() as session:
        rows = session.execute(
            select(Execution.id, Execution.status, Execution.error).where(
                Execution.project_id == project_id
            )
        ).all()
        artifacts = session.scalar(
            select(func.count()).select_from(Artifact).where(Artifact.project_id == project_id)
        )
    return {row.id: (row.status.value, row.error) for row in rows}, artifacts


def _status(client: httpx.Client, execution_id: int) -> dict:
    response = client.get(f"/api/executions/{execution_id}/status")
    assert response.status_code == 200, response.text
    return response.json()


def test_runs_survive_a_killed_worker_and_any_server_sees_and_cancels_any_run(
    stack: Stack,
) -> None:
    one, two = stack.api(0), stack.api(1)
    made = one.post("/api/projects", json={"name": "Bakery"})
    assert made.status_code == 201, made.text
    project_id = made.json()["id"]
    body = {
        "job_id": "faq-page",
        "project_id": project_id,
        "answers": get_job("faq-page").samples["en"],
        "model": UNREACHABLE_MODEL,
        "attempts": 1,
        "lang": "en",
    }

    # A run started through server one is cancelled through server two while it runs.
    doomed = one.post("/api/generate", json=body)
    assert doomed.status_code == 202, doomed.text
    doomed_id = doomed.json()["execution_id"]
    wait_for("the run to be taken", lambda: _status(two, doomed_id)["status"] == "running", 30)
    stopping = two.post(f"/api/executions/{doomed_id}/cancel")
    assert stopping.status_code == 202, stopping.text
    assert stopping.json() == {"execution_id": doomed_id, "status": "cancelling"}

    ids = []
    for number in range(RUNS):  # alternate servers: the queue is shared
        accepted = (one, two)[number % 2].post("/api/generate", json=body)
        assert accepted.status_code == 202, accepted.text
        ids.append(accepted.json()["execution_id"])

    # Both workers busy (each holds one claimed run): kill one of them outright.
    def both_taken() -> bool:
        return sum(_status(one, i)["status"] == "running" for i in ids) >= 2

    wait_for("both workers to take a run", both_taken, 40)
    victim = stack.workers[0]
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(5)

    def all_over() -> bool:
        return not any(_status(two, i)["running"] for i in [doomed_id, *ids])

    wait_for("every run to end", all_over, 75, interval=0.5)

    rows, artifacts = _rows(project_id)
    assert sorted(rows) == sorted([doomed_id, *ids]), rows  # one row per run, no more
    assert rows[doomed_id] == ("failed", "cancelled")
    assert {rows[i] for i in ids} == {("completed", None)}, rows
    assert artifacts == RUNS  # each completed run delivered exactly once

    restarted = []
    for execution_id in ids:
        seen = [_status(client, execution_id) for client in (one, two)]
        assert seen[0] == seen[1]  # both servers tell the same story, events included
        assert seen[0]["status"] == "completed" and not seen[0]["running"]
        kinds = [event["kind"] for event in seen[0]["events"]]
        assert "fallback" in kinds and kinds[-1] == "done", kinds
        if "restarted" in kinds:
            restarted.append(execution_id)
        for client in (one, two):
            record = client.get(f"/api/executions/{execution_id}").json()
            assert record["result"]["main_file"] == "index.html"
    assert restarted, "the killed worker's run was not started again"
    assert "cancelled" in [e["kind"] for e in _status(one, doomed_id)["events"]]

    assert stack.workers[1].poll() is None  # the surviving worker is still up

    # A late redelivery of a finished run (as after a visibility timeout) does nothing.
    from support_system.queue.celery_backend import QUEUE_NAME, TASK_NAME, make_celery

    celery = make_celery(get_settings().queue)
    late = celery.send_task(
        TASK_NAME, args=[ids[0], {}], task_id=f"redelivered-{ids[0]}", queue=QUEUE_NAME
    )
    assert late.get(timeout=30) == "already finished"
    assert _rows(project_id) == (rows, artifacts)

    # The knowledge base is the Chroma server's: a document added through server one is
    # found through server two, and nothing was stored in the shared state folder.
    guide = b"# Delivery\n\nOrders over 3000 yen are delivered free of charge.\n"
    added = one.post(
        "/api/kb/documents",
        files={"file": ("delivery.md", guide, "text/markdown")},
        data={"project_id": str(project_id)},
        timeout=120,  # the first upload loads the embedding model
    )
    assert added.status_code == 201 and added.json()["status"] == "added", added.text
    found = two.get(
        "/api/kb/search", params={"q": "free delivery", "project_id": project_id}, timeout=120
    )
    assert found.status_code == 200, found.text
    assert found.json() and "3000 yen" in found.json()[0]["text"], found.json()
    assert not (get_settings().state_dir / "rag" / "chroma").exists()


def test_the_embedded_thread_backend_cancels_too(
    db: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`queue.backend: thread` (the default) offers the same cancel route; the run is
    held before its pipeline until cancelled, then the real pipeline records the stop."""
    from fastapi.testclient import TestClient

    from support_system.api import create_app
    from support_system.generators import pipeline

    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__MODE", "accounts")
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__OLLAMA_HOST", f"http://127.0.0.1:{free_port()}")
    get_settings.cache_clear()
    assert get_settings().queue.backend == "thread"
    real = pipeline.run_pipeline

    def held(*args, cancel, **kwargs):
        cancel.wait(30)
        return real(*args, cancel=cancel, **kwargs)

    monkeypatch.setattr(pipeline, "run_pipeline", held)
    a, b = make_person("aiko"), make_person("ben")
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        project_id = client.post(
            "/api/projects", json={"name": "Bakery"}, headers=a.headers
        ).json()["id"]
        body = {
            "job_id": "faq-page",
            "project_id": project_id,
            "answers": get_job("faq-page").samples["en"],
            "model": UNREACHABLE_MODEL,
            "attempts": 1,
            "lang": "en",
        }
        execution_id = client.post("/api/generate", json=body, headers=a.headers).json()[
            "execution_id"
        ]
        url = f"/api/executions/{execution_id}"
        assert client.post(f"{url}/cancel", headers=b.headers).status_code == 404  # A's run
        assert client.get(f"{url}/status", headers=a.headers).json()["running"]
        stopping = client.post(f"{url}/cancel", headers=a.headers)
        assert (stopping.status_code, stopping.json()["status"]) == (202, "cancelling")
        wait_for(
            "the run to stop",
            lambda: not client.get(f"{url}/status", headers=a.headers).json()["running"],
            60,
        )
        final = client.get(f"{url}/status", headers=a.headers).json()
        assert (final["status"], final["error"]) == ("failed", "cancelled")
        assert [e["kind"] for e in final["events"]][-1] == "cancelled"
        again = client.post(f"{url}/cancel", headers=a.headers)  # over: nothing to stop
        assert again.json() == {"execution_id": execution_id, "status": "failed"}
    get_settings.cache_clear()
