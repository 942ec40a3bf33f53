"""Scale-out: two API processes and two Celery workers sharing Redis and one database.

Everything is a real process: Debian's `redis-server` on a free port, two workers
(`python -m support_system.cli.worker`, solo pool), two API servers (`python -m
support_system.api`), all with `queue.backend: celery`, one state dir and one database —
PostgreSQL when `SUPPORT_SYSTEM_TEST_POSTGRES_URL` is set (as `./scripts/test` does),
else SQLite in the shared state dir (WAL: several processes may write it).

The model is an Ollama entry on a closed port, so each run meets "model unavailable"
and delivers the job's template with its real checks. The workers wait a few seconds
(cancellably) before each pipeline — the test-only `SUPPORT_SYSTEM_TEST_RUN_DELAY_SECONDS`
— so a worker can be killed, and a run cancelled, while it is running.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from support_system.core.settings import PROJECT_ROOT, Settings, get_settings
from support_system.jobs.catalogue import get_job
from tests.integration.api.conftest import Person, make_person

UNREACHABLE_MODEL = "ollama-qwen2.5-coder-1.5b"
RUN_DELAY_SECONDS = 3  # each run's test-only wait before its pipeline
VISIBILITY_SECONDS = 10  # short, so a killed worker's run comes back within the test
RUNS = 6


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(what: str, check, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError, OSError):
            value = check()
            if value:
                return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@dataclass
class Stack:
    apis: list[str]
    workers: list[subprocess.Popen]
    logs: Path
    person: Person

    def api(self, number: int) -> httpx.Client:
        return httpx.Client(base_url=self.apis[number], headers=self.person.headers, timeout=30)


@contextlib.contextmanager
def _database(settings: Settings) -> Iterator[str | None]:
    """PostgreSQL when the test server is configured, else SQLite in the state dir."""
    if not os.environ.get("SUPPORT_SYSTEM_TEST_POSTGRES_URL", "").strip():
        yield None
        return
    from tests.integration.data.conftest import fresh_postgres_database

    with fresh_postgres_database() as url:
        yield url


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a kill reaches the process alone, never pytest
        )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture
def stack(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        pytest.fail("redis-server is missing: ./scripts/setup installs Debian's redis-server")
    logs = tmp_path / "logs"
    logs.mkdir()
    processes: list[subprocess.Popen] = []
    with _database(settings) as database_url:
        redis_port = _free_port()
        env = {
            "SUPPORT_SYSTEM_AUTH__MODE": "accounts",
            "SUPPORT_SYSTEM_QUEUE__BACKEND": "celery",
            "SUPPORT_SYSTEM_QUEUE__REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "SUPPORT_SYSTEM_QUEUE__VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_SECONDS),
            "SUPPORT_SYSTEM_LLM__OLLAMA_HOST": f"http://127.0.0.1:{_free_port()}",  # closed
            "SUPPORT_SYSTEM_LLM__FALLBACK_MODELS": "[]",
            "SUPPORT_SYSTEM_LIMITS__CONCURRENT_GENERATIONS": "20",
            "SUPPORT_SYSTEM_LIMITS__REQUESTS_PER_MINUTE": "100000",  # the test polls a lot
        }
        if database_url is not None:
            env["SUPPORT_SYSTEM_DATABASE_URL"] = database_url
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        from support_system.data.db import reset_engine_cache
        from support_system.data.migrate import upgrade

        reset_engine_cache()
        upgrade()  # once, here: two servers migrating at once would race
        person = make_person("aiko")  # also makes the state dir's signing key
        child_env = {**os.environ, "SUPPORT_SYSTEM_TEST_RUN_DELAY_SECONDS": str(RUN_DELAY_SECONDS)}
        try:
            processes.append(
                subprocess.Popen(
                    [
                        redis_server,
                        "--bind",
                        "127.0.0.1",
                        "--port",
                        str(redis_port),
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        str(tmp_path),
                    ],  # fmt: skip
                    stdout=(logs / "redis.log").open("wb"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            workers = [
                _spawn(["-m", "support_system.cli.worker"], child_env, logs / f"worker{n}.log")
                for n in (1, 2)
            ]
            processes += workers
            ports = [_free_port(), _free_port()]
            for n, port in enumerate(ports, start=1):
                processes.append(
                    _spawn(
                        ["-m", "support_system.api", "--port", str(port)],
                        child_env,
                        logs / f"api{n}.log",
                    )
                )
            apis = [f"http://127.0.0.1:{port}" for port in ports]
            for url in apis:
                _wait_for(f"{url}/health", lambda u=url: httpx.get(f"{u}/health").is_success, 60)
            yield Stack(apis, workers, logs, person)
        finally:
            for process in reversed(processes):
                _stop(process)
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
    _wait_for("the run to be taken", lambda: _status(two, doomed_id)["status"] == "running", 30)
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

    _wait_for("both workers to take a run", both_taken, 40)
    victim = stack.workers[0]
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(5)

    def all_over() -> bool:
        return not any(_status(two, i)["running"] for i in [doomed_id, *ids])

    _wait_for("every run to end", all_over, 75, interval=0.5)

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


def test_the_embedded_thread_backend_cancels_too(
    db: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`queue.backend: thread` (the default) offers the same cancel route; the run is
    held before its pipeline until cancelled, then the real pipeline records the stop."""
    from fastapi.testclient import TestClient

    from support_system.api import create_app
    from support_system.generators import pipeline

    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__MODE", "accounts")
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__OLLAMA_HOST", f"http://127.0.0.1:{_free_port()}")
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
        _wait_for(
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
