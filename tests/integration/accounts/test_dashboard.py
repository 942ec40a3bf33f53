"""The dashboard's figures and the ownership checks the pages use (accounts mode, real
SQLite through the `db` fixture, real rows written by the same repositories the app uses).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from support_system.accounts import dashboard, signin
from support_system.accounts.access import (
    may_open_conversation,
    may_open_execution,
    may_open_project,
    may_open_wizard_session,
    no_accounts_yet,
)
from support_system.accounts.errors import RerunUnavailable
from support_system.accounts.principal import ALL, Principal
from support_system.agents.auto import records
from support_system.agents.quick_chat import quick_chat
from support_system.core.settings import get_settings
from support_system.data import repositories as repo
from support_system.data.db import session_scope
from support_system.data.schema import (
    Conversation,
    Execution,
    ExecutionStatus,
    UsageRecord,
    UsageStatus,
    utcnow,
)
from support_system.generators.pipeline import Budget
from support_system.generators.runs import forget_run, start_generation
from support_system.jobs import wizard, workspace
from support_system.jobs.catalogue import get_job

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(db, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__MODE", "accounts")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def _principal(info: signin.UserInfo) -> Principal:
    return Principal(info.id, info.username, info.role, frozenset({ALL}), "session")


@pytest.fixture
def people(accounts) -> dict[str, Principal]:
    """aiko (the first account: admin), ben and carla (users)."""
    assert no_accounts_yet()
    found = {name: _principal(signin.register(name, PASSWORD)) for name in ("aiko", "ben", "carla")}
    assert not no_accounts_yet()
    assert signin.get_user_info(found["ben"].user_id).username == "ben"  # what pages re-read
    return found


def _run(kind: str, goal: str, *, user_id=None, session_id=None, status, error=None, result=None):  # noqa: ANN001, ANN202
    with session_scope() as session:
        execution = repo.start_execution(
            session, kind=kind, goal=goal, user_id=user_id, session_id=session_id
        )
        run_id = execution.id
    if status != ExecutionStatus.RUNNING:
        with session_scope() as session:
            repo.finish_execution(session, run_id, status=status, result=result, error=error)
    return run_id


def _usage(user_id, model: str, *, days_ago: int = 0, ok: bool = True, tokens=(10, 5), cost=0.0):  # noqa: ANN001, ANN202
    with session_scope() as session:
        repo.record_usage(
            session,
            user_id=user_id,
            model=model,
            provider="embedded",
            tokens_in=tokens[0],
            tokens_out=tokens[1],
            cost=cost,
            status=UsageStatus.OK if ok else UsageStatus.ERROR,
            created_at=utcnow() - timedelta(days=days_ago),
        )


def test_each_person_sees_only_their_runs_and_usage_and_an_admin_sees_all(people) -> None:
    aiko, ben = people["aiko"], people["ben"]
    _, ben_session = workspace.create_project(ben.user_id, "shop-page", "en")
    made = _run(
        "generate:webpage",
        "shop-page",
        session_id=ben_session,  # the owner comes from the wizard session
        status=ExecutionStatus.COMPLETED,
        result={"models": ["qwen2.5-coder-0.5b"]},
    )
    cut = _run(
        "auto",
        "a page for my bakery",
        user_id=ben.user_id,
        status=ExecutionStatus.FAILED,
        error="interrupted",
    )
    stopped = _run(
        "auto",
        "a letter",
        user_id=aiko.user_id,
        status=ExecutionStatus.FAILED,
        error="cancelled",
        result={"model": "smollm2-135m"},
    )
    broken = _run(
        "generate:program",
        "csv-summary",
        user_id=aiko.user_id,
        status=ExecutionStatus.FAILED,
        error="ruff",
    )
    going = _run("auto", "still going", user_id=aiko.user_id, status=ExecutionStatus.RUNNING)

    mine = dashboard.executions(ben.user_id)
    assert [r.id for r in mine] == [cut, made]
    assert {r.username for r in mine} == {"ben"}
    made_row = mine[1]
    assert (made_row.outcome, made_row.model, made_row.session_id) == (
        "ok",
        "qwen2.5-coder-0.5b",
        ben_session,
    )
    assert made_row.rerunnable and made_row.seconds is not None and made_row.seconds >= 0
    assert mine[0].outcome == "interrupted" and not mine[0].rerunnable

    everyone = {r.id: r for r in dashboard.executions(None)}
    assert set(everyone) == {made, cut, stopped, broken, going}
    assert everyone[stopped].outcome == "cancelled" and everyone[stopped].model == "smollm2-135m"
    assert everyone[broken].outcome == "failed" and everyone[going].outcome == "running"
    assert everyone[going].seconds is None and everyone[stopped].username == "aiko"

    days = dashboard.runs_by_day(list(everyone.values()))
    assert [(d.runs, d.failed) for d in days] == [(5, 2)]  # interrupted and failed
    totals = dashboard.summary(list(everyone.values()), [])
    # cancelled and running runs are neither successes nor failures
    assert (totals.runs, totals.failed_runs, totals.finished_runs) == (5, 2, 3)
    assert totals.run_error_rate == pytest.approx(2 / 3) and totals.call_error_rate is None


def test_usage_is_summed_per_day_model_and_person_and_the_period_applies(people) -> None:
    aiko, ben = people["aiko"], people["ben"]
    _usage(ben.user_id, "qwen2.5-coder-0.5b", tokens=(100, 50))
    _usage(ben.user_id, "qwen2.5-coder-0.5b", ok=False, tokens=(10, 0))
    _usage(ben.user_id, "gpt-4o-mini", tokens=(1000, 500), cost=0.00045)
    _usage(ben.user_id, "gpt-4o-mini", days_ago=2, tokens=(1, 1), cost=0.001)
    _usage(aiko.user_id, "qwen2.5-coder-0.5b", days_ago=40, tokens=(7, 7))
    _usage(None, "smollm2-135m", tokens=(3, 3))  # a call nobody was signed in for

    today = utcnow().date()
    ben_days = dashboard.usage_by_day(ben.user_id)
    assert [(u.day, u.model, u.calls, u.errors, u.tokens) for u in ben_days] == [
        (today - timedelta(days=2), "gpt-4o-mini", 1, 0, 2),
        (today, "gpt-4o-mini", 1, 0, 1500),
        (today, "qwen2.5-coder-0.5b", 2, 1, 160),
    ]
    assert ben_days[1].cost == pytest.approx(0.00045)
    assert all(u.model != "smollm2-135m" for u in ben_days)

    week = dashboard.since_days(7)
    assert week is not None and week.date() == today - timedelta(days=6)
    assert dashboard.since_days(None) is None
    everyone_week = dashboard.usage_by_day(None, since=week)
    assert {u.model for u in everyone_week} == {"gpt-4o-mini", "qwen2.5-coder-0.5b", "smollm2-135m"}
    assert sum(u.calls for u in dashboard.usage_by_day(None)) == 6

    people_usage = {u.username: u for u in dashboard.usage_by_user(since=week)}
    assert set(people_usage) == {"ben", dashboard.NO_USER}  # aiko's call is 40 days old
    assert (people_usage["ben"].calls, people_usage["ben"].errors) == (4, 1)
    assert people_usage["ben"].cost == pytest.approx(0.00145)
    assert dashboard.usage_by_user()[0].username == "ben"  # the most expensive first

    totals = dashboard.summary([], ben_days)
    assert (totals.calls, totals.failed_calls, totals.tokens) == (4, 1, 1662)
    assert totals.call_error_rate == pytest.approx(0.25) and totals.run_error_rate is None


def test_objects_open_for_their_owner_and_admins_only(people) -> None:
    aiko, ben, carla = people["aiko"], people["ben"], people["carla"]
    project, session_id = workspace.create_project(ben.user_id, "shop-page", "en")
    run_id = records.start("a page for my bakery", user_id=ben.user_id)
    reply = quick_chat("hello", language="en", user_id=ben.user_id)  # not iterated: no model
    with session_scope() as session:
        owner = session.scalar(
            select(Conversation.user_id).where(Conversation.id == reply.conversation_id)
        )
    assert owner == ben.user_id
    checks = [
        (may_open_wizard_session, session_id),
        (may_open_project, project),
        (may_open_execution, run_id),
        (may_open_conversation, reply.conversation_id),
    ]
    for check, object_id in checks:
        assert check(ben, object_id), check.__name__
        assert check(aiko, object_id), check.__name__  # an admin
        assert not check(carla, object_id), check.__name__  # someone else
        assert not check(ben, object_id + 1000), check.__name__  # missing: the same answer
    # A run from before owners were recorded is for admins only.
    legacy = _run("auto", "old", status=ExecutionStatus.COMPLETED)
    with session_scope() as session:
        session.get(Execution, legacy).user_id = None
    assert may_open_execution(aiko, legacy) and not may_open_execution(ben, legacy)
    # Auto mode lists each person's own runs.
    assert [r[0] for r in records.recent(user_id=ben.user_id)] == [run_id]
    assert records.recent(user_id=carla.user_id) == []
    assert {r[0] for r in records.recent()} == {run_id, legacy}


def test_a_generation_is_made_again_by_its_owner_only(people) -> None:
    ben, carla = people["ben"], people["carla"]
    job = get_job("shop-page")
    _, session_id = workspace.create_project(ben.user_id, job.id, "en")
    for question_id, value in job.samples["en"].items():
        wizard.answer(session_id, question_id, value, "en")
    made = _run("generate:webpage", job.id, session_id=session_id, status=ExecutionStatus.COMPLETED)
    auto_run = _run("auto", "goal", user_id=ben.user_id, status=ExecutionStatus.COMPLETED)

    for who, run_id in [(carla, made), (ben, auto_run), (ben, made + 1000)]:
        with pytest.raises(RerunUnavailable) as refused:
            dashboard.rerun_session(who, run_id)
        assert refused.value.message("ja") != refused.value.message("en")
    assert dashboard.rerun_session(people["aiko"], made) == session_id  # an admin may

    assert dashboard.rerun_session(ben, made) == session_id
    run = start_generation(session_id, lang="en", budget=Budget(attempts=0))
    assert run.wait(240), "the run did not finish"
    assert run.error is None and run.result is not None and run.result.main_file is not None
    forget_run(session_id)
    again = dashboard.executions(ben.user_id)[0]
    assert again.id > auto_run and again.kind == "generate:webpage" and again.outcome == "ok"
    with session_scope() as session:
        assert session.scalars(select(UsageRecord)).all() == []  # the template: no model
