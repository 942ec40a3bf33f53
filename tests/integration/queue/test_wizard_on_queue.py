"""The wizard's generations on the queue (`queue.backend: celery`), and the workers'
clean-up of queued runs that no message will ever finish.

Real parts, started by the local cluster: Debian's `redis-server`, one Celery worker
(`python -m support_system worker`) and the Streamlit app, driven by Chromium through
Preview's "Make it"; the other tests have this process play a second app process (the
Preview page's calls into `generators.runs`). The model is an Ollama entry on a closed
port, so the run meets "model unavailable" and delivers the job's template with its real
checks; the worker waits a few seconds before the pipeline (the test-only delay) so the
run can be seen going from "another app process" (this one, its memory of runs cleared).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.operations.cluster import ClusterPlan, LocalCluster
from support_system.operations.processes import free_port
from support_system.routing.service import model_label
from tests.conftest import TEST_MODEL_DIR
from tests.helpers.servers import database
from tests.helpers.wizard import answered_session

UNREACHABLE_MODEL = "ollama-qwen2.5-coder-1.5b"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    state = tmp_path_factory.mktemp("wizard-queue") / "state"
    with pytest.MonkeyPatch.context() as patch, database() as database_url:
        if database_url is None:
            patch.delenv("SUPPORT_SYSTEM_DATABASE_URL", raising=False)
        env = {
            "SUPPORT_SYSTEM_MODEL_DIR": str(TEST_MODEL_DIR),
            "SUPPORT_SYSTEM_LLM__OLLAMA_HOST": f"http://127.0.0.1:{free_port()}",  # closed
            "SUPPORT_SYSTEM_LLM__FALLBACK_MODELS": "[]",
            "SUPPORT_SYSTEM_TEST_RUN_DELAY_SECONDS": "3",
            "SUPPORT_SYSTEM_LANGUAGE": "en",
            "SUPPORT_SYSTEM_SITES_PORT": "0",
            # "Make it" uses the default model: the closed Ollama entry, so the worker
            # delivers the template (the page is under test here, not the model).
            "SUPPORT_SYSTEM_LLM__DEFAULT_MODEL": UNREACHABLE_MODEL,
            "SUPPORT_SYSTEM_ROUTING__ENABLED": "false",  # routing would pick a real model
        }
        plan = ClusterPlan(
            workers=1,
            apis=0,
            app=True,
            app_port=0,
            postgres=False,
            database_url=database_url,
            chroma=False,
            persistent=False,
            env=env,
        )
        local = LocalCluster(state, plan)
        try:
            local.start()
            for name, value in local.env.items():  # this process is the app
                if name.startswith("SUPPORT_SYSTEM_") and "RUN_DELAY" not in name:
                    patch.setenv(name, value)
            get_settings.cache_clear()
            from support_system.data.db import reset_engine_cache

            reset_engine_cache()
            yield local
        finally:
            local.stop()
            from support_system.data.db import reset_engine_cache

            reset_engine_cache()
            get_settings.cache_clear()


def test_a_wizard_generation_runs_on_the_worker_and_any_app_process_follows_it(
    cluster: LocalCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support_system.data import repositories as repo
    from support_system.data.db import session_scope
    from support_system.data.schema import ExecutionStatus, WizardStatus
    from support_system.generators import runs
    from support_system.jobs import wizard, workspace

    monkeypatch.setattr(runs, "_RUNS", {})
    session_id = answered_session("faq-page", "ja")
    run = runs.start_generation(session_id, lang="ja", model=UNREACHABLE_MODEL)
    assert isinstance(run, runs.QueuedRun)
    assert runs.start_generation(session_id, lang="ja") is run  # a second click joins it

    # Another app process (no memory of the run) finds it through the database.
    monkeypatch.setattr(runs, "_RUNS", {})
    seen = runs.current_run(session_id)
    assert isinstance(seen, runs.QueuedRun) and seen.execution_id == run.execution_id
    assert not seen.done and not runs.was_interrupted(session_id)

    deadline = time.monotonic() + 120
    while not seen.done:
        assert time.monotonic() < deadline, "the worker did not finish the run"
        time.sleep(0.3)
    assert seen.error is None and seen.result is not None and not seen.result.cancelled
    events = seen.events()
    kinds = [e.kind for e in events]
    assert kinds[:3] == ["taken", "routed", "attempt"] and "fallback" in kinds, kinds
    assert kinds[-1] == "done", kinds
    label = model_label(UNREACHABLE_MODEL)  # the model asked for, and said so in words
    said = runs.describe(events[1], "en")  # that travelled via Redis in both languages
    assert said == f"Model used: {label}. {label} was used because you chose it.", said
    attempt = events[2]
    assert attempt.info.get("number") == 1, attempt.info  # the details travelled via Redis
    sentence = runs.describe(attempt, "ja")
    assert "1 回目" in sentence and "{" not in sentence, sentence  # every detail filled in

    with session_scope() as session:
        row = repo.latest_execution(session, session_id)
        assert row is not None and row.id == run.execution_id
        assert row.kind.startswith("generate:") and row.status == ExecutionStatus.COMPLETED
    artifact = workspace.latest_artifact(session_id)
    assert artifact is not None and (artifact.path / "index.html").is_file()
    assert wizard.resume(session_id).status == WizardStatus.COMPLETED
    runs.forget_run(session_id)
    assert runs.current_run(session_id) is None


def test_a_worker_closes_queued_runs_no_message_will_finish(cluster: LocalCluster) -> None:
    """What a worker does when it starts (`close_lost_runs`): a queued run whose flag is
    gone from Redis is closed "interrupted"; one whose message will come back is left."""
    from sqlalchemy import update

    from support_system.data.db import session_scope
    from support_system.data.repositories import start_execution
    from support_system.data.schema import Execution, ExecutionStatus, utcnow
    from support_system.queue.celery_backend import (
        close_lost_runs,
        key,
        redis_client,
    )

    long_ago = utcnow() - timedelta(hours=1)
    with session_scope() as session:
        lost = start_execution(session, kind="api:webpage", goal="x").id
        waiting = start_execution(session, kind="generate:webpage", goal="y").id
        recent = start_execution(session, kind="agent:webpage", goal="z").id
        own = start_execution(session, kind="auto", goal="w").id  # an app process's run
        session.execute(
            update(Execution)
            .where(Execution.id.in_([lost, waiting, own]))
            .values(started_at=long_ago)
        )
    client = redis_client(get_settings().queue.redis_url)
    client.set(key(waiting, "active"), "1", ex=60)
    try:
        assert close_lost_runs(get_settings().queue) == 1
    finally:
        client.delete(key(waiting, "active"))
        client.close()
    with session_scope() as session:
        rows = {i: session.get(Execution, i) for i in (lost, waiting, recent, own)}
        assert (rows[lost].status, rows[lost].error) == (ExecutionStatus.FAILED, "interrupted")
        for other in (waiting, recent, own):
            assert rows[other].status == ExecutionStatus.RUNNING


@pytest.mark.browser
def test_preview_makes_the_page_on_the_worker_and_shows_its_progress(
    cluster: LocalCluster,
) -> None:
    from support_system.jobs import wizard
    from tests.helpers.browser import chromium, wait_idle

    session_id = answered_session("shop-page", "en")
    state = wizard.resume(session_id)
    while not state.finished:  # the questions the samples leave open: skipped
        state = wizard.skip(session_id, state.question.id, "en")
    assert cluster.app is not None and cluster.app.url
    progress: list[str] = []
    with chromium() as context:
        page = context.new_page()
        page.goto(f"{cluster.app.url}/preview?s={session_id}")
        wait_idle(page)
        page.get_by_role("button", name="Make it").click()
        heading = page.get_by_role("heading", name="Result (version 1)")
        deadline = time.monotonic() + 120
        while not heading.count():
            assert time.monotonic() < deadline, "Preview never showed the worker's page"
            # Read without waiting: a status Streamlit redraws away between a count and
            # a read would otherwise hold the loop for Playwright's 30 s.
            progress.extend(page.locator('[role="status"].ss-live').all_inner_texts()[:1])
            page.wait_for_timeout(250)
        wait_idle(page)
        assert page.frame_locator("iframe").locator("h1").count() >= 1
    # The worker's progress reached the page while the run went (the worker took it,
    # then waited the test's delay before its pipeline).
    assert t("run.taken", "en") in progress, progress
