"""Data questions on the queue: `/api/ask` with `queue.backend: celery`.

Real parts throughout, started by the local cluster
(`support_system.operations.cluster`): Debian's `redis-server` on a free port, one
Celery worker (`python -m support_system worker`) that holds the real embedded 0.5B
model, one API process, one shared state dir and database (PostgreSQL when the test run
has one, else SQLite). One set of processes serves the whole module; the question is one
the 0.5B model is known to answer (as in tests/integration/api), checked against pandas
on the same file. It is asked twice, waiting and not waiting: the second time the
model's reply comes from the LLM cache (the same prompt), so the module costs one model
answer (15-30 s on 2 cores), not two; the program still runs on the file in the worker's
sandbox.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pandas as pd
import pytest

from support_system.core.settings import Settings, get_settings
from support_system.operations.cluster import ClusterPlan, LocalCluster
from support_system.queue.base import ASK_KIND
from tests.conftest import TEST_MODEL_DIR
from tests.helpers.servers import database, wait_for
from tests.integration.api.conftest import Person, assert_error, make_person

MODEL = "qwen2.5-coder-0.5b"
SALES = b"month,shop,amount\n2026-01,Tokyo,120\n2026-01,Osaka,80\n2026-02,Tokyo,100\n"
QUESTION = "What is the total amount?"


@dataclass
class Queue:
    url: str
    state: Path
    owner: Person
    other: Person

    def client(self, person: Person | None = None) -> httpx.Client:
        headers = (person or self.owner).headers
        return httpx.Client(base_url=self.url, headers=headers, timeout=120)


@pytest.fixture(scope="module")
def queue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Queue]:
    state = tmp_path_factory.mktemp("ask-queue") / "state"
    with pytest.MonkeyPatch.context() as patch, database() as database_url:
        env = {
            "SUPPORT_SYSTEM_MODEL_DIR": str(TEST_MODEL_DIR),
            "SUPPORT_SYSTEM_AUTH__MODE": "accounts",
            "SUPPORT_SYSTEM_LIMITS__REQUESTS_PER_MINUTE": "100000",  # the test polls
        }
        if database_url is None:
            patch.delenv("SUPPORT_SYSTEM_DATABASE_URL", raising=False)
        plan = ClusterPlan(
            workers=1,
            apis=1,
            app=False,
            postgres=False,
            database_url=database_url,
            chroma=False,
            api_port=0,
            persistent=False,
            env=env,
        )
        cluster = LocalCluster(state, plan)
        try:
            cluster.start()
            for name, value in cluster.env.items():  # this process reads the same database
                if name.startswith("SUPPORT_SYSTEM_"):
                    patch.setenv(name, value)
            get_settings.cache_clear()
            from support_system.data.db import reset_engine_cache

            reset_engine_cache()
            owner, other = make_person("aiko"), make_person("ben")
            yield Queue(cluster.api_urls[0], state, owner, other)
        finally:
            cluster.stop()
            from support_system.data.db import reset_engine_cache

            reset_engine_cache()
            get_settings.cache_clear()


def _ask(client: httpx.Client, question: str, content: bytes, name: str = "sales.csv", **form):
    return client.post(
        "/api/ask",
        files={"file": (name, content, "text/csv")},
        data={"question": question, "lang": "en", **form},
    )


def _ask_rows() -> list[tuple[int, int | None, str, str | None, dict | None]]:
    """Every data-question row: (id, user, status, error, result), oldest first."""
    from support_system.data.db import session_scope
    from support_system.data.repositories import api_queries

    with session_scope() as session:
        rows = api_queries.list_executions_for(session, None, limit=200)
        return [
            (e.id, e.user_id, e.status.value, e.error, e.result)
            for e in reversed(rows)
            if e.kind == ASK_KIND
        ]


def _uploads_left(queue: Queue) -> list[Path]:
    return [p for p in (queue.state / "uploads").rglob("*") if p.is_file()]


@pytest.mark.model
def test_a_waiting_question_is_answered_by_the_worker(queue: Queue) -> None:
    before = {row[0] for row in _ask_rows()}
    with queue.client() as client:
        answer = _ask(client, QUESTION, SALES, model=MODEL)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert float(body["value"]) == pd.read_csv(io.BytesIO(SALES))["amount"].sum()
    assert "300" in body["text"] and body["model"] == MODEL

    (row,) = [row for row in _ask_rows() if row[0] not in before]  # one run, on the queue
    execution_id, user_id, status, error, result = row
    assert (user_id, status, error) == (queue.owner.id, "completed", None)
    assert result == body  # the row holds exactly what the client got
    assert not _uploads_left(queue)  # the upload went once the run was final
    with queue.client() as client:
        progress = client.get(f"/api/executions/{execution_id}/status").json()
    kinds = [event["kind"] for event in progress["events"]]
    assert "step" in kinds and kinds[-1] == "done", kinds


def test_a_question_that_is_not_about_the_data_fails_on_the_worker_as_it_would_here(
    queue: Queue,
) -> None:
    with queue.client() as client:
        refused = _ask(client, "Tell me a joke", SALES)
    error = assert_error(refused, 422, "not_about_data")
    assert "chat" in error["message"]["en"]
    newest = _ask_rows()[-1]
    assert newest[2:4] == ("failed", "NotAboutData")
    assert newest[4]["error"]["message"] == error["message"]
    assert not _uploads_left(queue)


@pytest.mark.model
def test_a_question_without_waiting_is_polled_through_its_execution(queue: Queue) -> None:
    with queue.client() as client:
        accepted = _ask(client, QUESTION, SALES, model=MODEL, wait="false")
        assert accepted.status_code == 202, accepted.text
        execution_id = accepted.json()["execution_id"]
        url = f"/api/executions/{execution_id}"
        with queue.client(queue.other) as stranger:
            assert_error(stranger.get(url), 404, "not_found")  # aiko's run, not ben's

        def final() -> dict | None:
            record = client.get(url).json()
            return record if record["status"] in ("completed", "failed") else None

        record = wait_for("the answer", final, 60, interval=0.5)
    assert (record["kind"], record["status"], record["error"]) == (ASK_KIND, "completed", None)
    assert float(record["result"]["value"]) == pd.read_csv(io.BytesIO(SALES))["amount"].sum()
    assert record["result"]["model"] == MODEL and "def solve" in record["result"]["code"]


@pytest.mark.model
def test_a_question_not_answered_in_time_is_cancelled(
    queue: Queue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An app in this process (same Redis, database and state dir) that waits no time at
    all: the client gets Timeout, and the run, queued behind another one on the only
    worker, is dropped there without a model call."""
    from fastapi.testclient import TestClient

    from support_system.api import ask, create_app

    monkeypatch.setattr(ask, "ANSWER_WAIT_SECONDS", 0.0)
    form = {"question": QUESTION, "lang": "en", "model": MODEL}
    with TestClient(create_app(), raise_server_exceptions=False) as client:

        def post(**extra: str):
            return client.post(
                "/api/ask",
                files={"file": ("sales.csv", SALES, "text/csv")},
                data={**form, **extra},
                headers=queue.owner.headers,
            )

        busy = post(wait="false")  # keeps the worker busy for a second or two
        assert busy.status_code == 202, busy.text
        error = assert_error(post(), 503, "timeout")
    assert MODEL in error["message"]["en"]
    busy_id = busy.json()["execution_id"]

    def both_final() -> dict | None:
        rows = {row[0]: row[2:4] for row in _ask_rows() if row[0] >= busy_id}
        over = all(status in ("completed", "failed") for status, _ in rows.values())
        return rows if len(rows) == 2 and over else None

    rows = wait_for("both runs to end", both_final, 60, interval=0.5)
    timed_out = max(rows)
    assert rows == {busy_id: ("completed", None), timed_out: ("failed", "cancelled")}
    assert not _uploads_left(queue)


def test_the_thread_backend_takes_a_question_without_waiting_too(
    db: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`queue.backend: thread` (the default): `wait=false` runs the question on a thread
    of the app, with the same row; a question the service refuses needs no model."""
    from fastapi.testclient import TestClient

    from support_system.api import create_app

    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__MODE", "accounts")
    monkeypatch.setenv("SUPPORT_SYSTEM_QUEUE__BACKEND", "thread")
    get_settings.cache_clear()
    person = make_person("aiko")
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        accepted = client.post(
            "/api/ask",
            files={"file": ("sales.csv", SALES, "text/csv")},
            data={"question": "Tell me a joke", "lang": "en", "wait": "false"},
            headers=person.headers,
        )
        assert accepted.status_code == 202, accepted.text
        url = f"/api/executions/{accepted.json()['execution_id']}"

        def final() -> dict | None:
            record = client.get(url, headers=person.headers).json()
            return record if record["status"] in ("completed", "failed") else None

        record = wait_for("the run to end", final, 30)
    assert (record["kind"], record["error"]) == (ASK_KIND, "NotAboutData")
    assert "chat" in record["result"]["error"]["message"]["en"]
    assert not [p for p in (db.state_dir / "uploads").rglob("*") if p.is_file()]
