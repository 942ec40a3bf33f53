"""Background generation (`generators.runs`), as the Preview page uses it.

Runs the real pipeline with the real embedded model on a wizard session made through
the real services: the model's text must arrive while the run is still going (the live
view), progress events come in order, a second start joins the running run instead of
starting another, and cancelling delivers nothing new.
"""

from __future__ import annotations

import time

import pytest

from support_system.data.db import session_scope
from support_system.data.schema import WizardStatus
from support_system.generators.runs import (
    RunEvent,
    current_run,
    describe,
    forget_run,
    start_generation,
)
from support_system.jobs import wizard, workspace
from tests.helpers.wizard import answered_session

pytestmark = [pytest.mark.model, pytest.mark.browser]


def test_a_run_streams_model_text_reports_progress_and_delivers(db) -> None:
    session_id = answered_session("shop-page", "en")
    run = start_generation(session_id, lang="en")
    assert start_generation(session_id, lang="en") is run, (
        "a second start must join the running run"
    )
    assert current_run(session_id) is run
    seen_text_while_running = ""
    deadline = time.monotonic() + 300
    while not run.done and time.monotonic() < deadline:
        if not seen_text_while_running and run.text():
            seen_text_while_running = run.text()
        time.sleep(0.02)
    assert run.done and run.error is None, run.error
    assert seen_text_while_running, "no model text arrived before the run ended"
    kinds = [event.kind for event in run.events()]
    assert kinds[:2] == ["routed", "attempt"], kinds  # which model, and why, comes first
    assert "checking" in kinds and "checked" in kinds and kinds[-1] == "done"
    assert describe(run.events()[0], "en").startswith("Model used: ")
    assert run.result is not None and run.result.ok
    artifact = workspace.latest_artifact(session_id)
    assert (
        artifact is not None and artifact.checks_passed and (artifact.path / "index.html").is_file()
    )
    assert wizard.resume(session_id).status == WizardStatus.COMPLETED
    forget_run(session_id)  # the page has shown the result: the finished run is let go
    assert current_run(session_id) is None


def test_cancel_before_the_first_step_delivers_nothing(db) -> None:
    session_id = answered_session("faq-page", "ja")
    run = start_generation(session_id, lang="ja")
    run.cancel()
    assert run.wait(300)
    # The pipeline looks at the cancel flag between steps, also after an attempt that
    # was already under way, so the run always ends cancelled here.
    assert run.result is not None and run.result.cancelled
    assert workspace.latest_artifact(session_id) is None
    assert wizard.resume(session_id).status == WizardStatus.IN_PROGRESS
    assert run.events()[-1].kind == "cancelled"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Attempt 1: 2 of 3 checks passed. Not yet: Page is accessible"),
        (
            "ja",
            "1 回目: 3 項目中 2 項目の確認に合格しました。 "
            "まだ直すところがあります: ページは誰にでも使いやすい",
        ),
    ],
)
def test_progress_sentences_name_the_failed_checks(lang: str, expected: str) -> None:
    from support_system.generators.base import CheckResult
    from support_system.queue.celery_backend import plain_info

    checks = [
        CheckResult("html5lib", True),
        CheckResult("axe", False, ["x"]),
        CheckResult("vnu", True),
    ]
    info = {"number": 1, "passed": False, "checks": checks}
    text = describe(RunEvent("checked", info, 0.0), lang)
    assert text.startswith(expected), text
    # A worker's event comes through Redis as JSON: the same sentence.
    assert describe(RunEvent("checked", plain_info(info), 0.0), lang) == text


def test_a_run_cut_off_by_a_restart_is_closed_and_reported(db, monkeypatch) -> None:
    """A RUNNING execution older than this process can only be an orphan of a crash."""
    from support_system.data.repositories import start_execution
    from support_system.data.schema import Execution, ExecutionStatus, utcnow
    from support_system.generators import runs

    monkeypatch.setattr(runs, "_RUNS", {})  # runs of earlier tests (other databases, same ids)
    session_id = answered_session("shop-page", "ja")
    with session_scope() as session:
        orphan = start_execution(
            session, kind="generate:webpage", goal="shop-page", session_id=session_id
        ).id
    assert not runs.was_interrupted(session_id)
    monkeypatch.setattr(runs, "PROCESS_STARTED", utcnow())  # "the app restarted after it began"
    assert runs.recover_interrupted() == 1
    with session_scope() as session:
        row = session.get(Execution, orphan)
        assert row.status == ExecutionStatus.FAILED and row.error == "interrupted" and row.ended_at
    assert runs.was_interrupted(session_id)
    assert runs.recover_interrupted() == 0  # closed once


def test_with_a_queue_the_workers_runs_are_not_closed_by_an_app_restart(db, monkeypatch) -> None:
    """`queue.backend: celery`: the wizard's generations and the API's runs (generate:…,
    agent:…, api:…) belong to the workers, which restart them when redelivered and close
    the lost ones; the UI process closes only its own (here an auto-mode run)."""
    from support_system.core.settings import get_settings
    from support_system.data.repositories import start_execution
    from support_system.data.schema import Execution, ExecutionStatus, utcnow
    from support_system.generators import runs

    with session_scope() as session:
        ids = {
            kind: start_execution(session, kind=kind, goal="x").id
            for kind in ("generate:webpage", "agent:webpage", "api:program", "auto")
        }
    monkeypatch.setattr(runs, "PROCESS_STARTED", utcnow())
    monkeypatch.setenv("SUPPORT_SYSTEM_QUEUE__BACKEND", "celery")
    get_settings.cache_clear()
    assert runs.recover_interrupted() == 1
    with session_scope() as session:
        status = {kind: session.get(Execution, i).status for kind, i in ids.items()}
    assert status == {
        "generate:webpage": ExecutionStatus.RUNNING,
        "agent:webpage": ExecutionStatus.RUNNING,
        "api:program": ExecutionStatus.RUNNING,
        "auto": ExecutionStatus.FAILED,
    }
