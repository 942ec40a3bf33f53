"""What the Dashboard shows: runs (executions) with their outcome, model usage and cost
over time, and error rates, for one person or (admins) for everyone.

`owner_id=None` means everyone's; pages pass the signed-in user's id unless they are an
admin. Figures are grouped in Python by UTC day, so the same code serves SQLite and
PostgreSQL. Usage comes from the UsageRecords (one row per model attempt).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from support_system.accounts.access import may_open_execution
from support_system.accounts.errors import RerunUnavailable
from support_system.accounts.principal import Principal
from support_system.data.db import session_scope
from support_system.data.repositories import get_execution
from support_system.data.repositories.dashboard import executions_with_owner, usage_rows
from support_system.data.schema import ExecutionStatus, UsageStatus, utcnow

GENERATION_PREFIX = "generate:"
NO_USER = "—"
OUTCOMES = ("running", "ok", "failed", "cancelled", "interrupted")


@dataclass(frozen=True)
class ExecutionRow:
    """One run as the dashboard lists it."""

    id: int
    kind: str  # "generate:webpage", "auto", …
    title: str  # the job id of a generation, the goal of an auto run
    username: str
    outcome: str  # one of OUTCOMES
    started_at: datetime | None
    ended_at: datetime | None
    seconds: float | None
    model: str
    session_id: int | None

    @property
    def rerunnable(self) -> bool:
        """A generation whose wizard pass still exists can be made again."""
        return self.kind.startswith(GENERATION_PREFIX) and self.session_id is not None


@dataclass(frozen=True)
class UsageDay:
    """Model calls of one model on one UTC day."""

    day: date
    model: str
    calls: int
    errors: int
    tokens: int
    cost: float


@dataclass(frozen=True)
class UserUsage:
    """Model calls of one person (admins' view)."""

    username: str
    calls: int
    errors: int
    tokens: int
    cost: float


@dataclass(frozen=True)
class RunsDay:
    """Runs started on one UTC day and how many of them failed."""

    day: date
    runs: int
    failed: int


@dataclass(frozen=True)
class Summary:
    runs: int
    failed_runs: int
    finished_runs: int  # ended ok or failed (running and cancelled runs do not count)
    calls: int
    failed_calls: int
    tokens: int
    cost: float

    @property
    def run_error_rate(self) -> float | None:
        """Failed runs / finished runs (None when nothing finished)."""
        return self.failed_runs / self.finished_runs if self.finished_runs else None

    @property
    def call_error_rate(self) -> float | None:
        """Failed model calls / all model calls (None when there were none)."""
        return self.failed_calls / self.calls if self.calls else None


def since_days(days: int | None) -> datetime | None:
    """The start of a period of `days` UTC days ending today (None = all time)."""
    if days is None:
        return None
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days - 1)


def outcome(status: ExecutionStatus, error: str | None) -> str:
    """A run's outcome in one word (see OUTCOMES)."""
    if status in (ExecutionStatus.RUNNING, ExecutionStatus.PENDING):
        return "running"
    if status == ExecutionStatus.COMPLETED:
        return "ok"
    if error in ("cancelled", "interrupted"):
        return error
    return "failed"


def _model(result: dict | None) -> str:
    result = result or {}
    models = result.get("models") or ([result["model"]] if result.get("model") else [])
    return ", ".join(str(m) for m in models)


def executions(
    owner_id: int | None, *, since: datetime | None = None, limit: int = 200
) -> list[ExecutionRow]:
    """Runs newest first: the owner's, or everyone's when `owner_id` is None."""
    rows = []
    with session_scope() as session:
        for execution, username in executions_with_owner(
            session, owner_id, since=since, limit=limit
        ):
            seconds = (
                (execution.ended_at - execution.started_at).total_seconds()
                if execution.started_at and execution.ended_at
                else None
            )
            rows.append(
                ExecutionRow(
                    id=execution.id,
                    kind=execution.kind,
                    title=execution.goal,
                    username=username or NO_USER,
                    outcome=outcome(execution.status, execution.error),
                    started_at=execution.started_at,
                    ended_at=execution.ended_at,
                    seconds=seconds,
                    model=_model(execution.result),
                    session_id=execution.session_id,
                )
            )
    return rows


def _usage_rows(owner_id: int | None, since: datetime | None) -> list:
    with session_scope() as session:
        return usage_rows(session, owner_id, since=since)


def usage_by_day(owner_id: int | None, *, since: datetime | None = None) -> list[UsageDay]:
    """Model calls per UTC day and model, oldest day first."""
    totals: dict[tuple[date, str], list] = defaultdict(lambda: [0, 0, 0, 0.0])
    for created, model, _user, status, tokens_in, tokens_out, cost in _usage_rows(owner_id, since):
        entry = totals[(created.date(), model)]
        entry[0] += 1
        entry[1] += status == UsageStatus.ERROR
        entry[2] += tokens_in + tokens_out
        entry[3] += cost or 0.0
    return [
        UsageDay(day, model, calls, errors, tokens, round(cost, 6))
        for (day, model), (calls, errors, tokens, cost) in sorted(totals.items())
    ]


def usage_by_user(*, since: datetime | None = None) -> list[UserUsage]:
    """Everyone's model calls per person, most expensive first (for admins)."""
    totals: dict[str, list] = defaultdict(lambda: [0, 0, 0, 0.0])
    for _created, _model, username, status, tokens_in, tokens_out, cost in _usage_rows(None, since):
        entry = totals[username or NO_USER]
        entry[0] += 1
        entry[1] += status == UsageStatus.ERROR
        entry[2] += tokens_in + tokens_out
        entry[3] += cost or 0.0
    rows = [
        UserUsage(name, c, e, tok, round(cost, 6)) for name, (c, e, tok, cost) in totals.items()
    ]
    return sorted(rows, key=lambda row: (-row.cost, -row.tokens, row.username))


def runs_by_day(rows: list[ExecutionRow]) -> list[RunsDay]:
    """Runs started per UTC day and how many failed (failed or interrupted), oldest first."""
    totals: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        if row.started_at is None:
            continue
        entry = totals[row.started_at.date()]
        entry[0] += 1
        entry[1] += row.outcome in ("failed", "interrupted")
    return [RunsDay(day, runs, failed) for day, (runs, failed) in sorted(totals.items())]


def summary(rows: list[ExecutionRow], usage: list[UsageDay]) -> Summary:
    """The totals of a period: runs, failed runs, model calls, errors, tokens and cost."""
    failed = sum(1 for r in rows if r.outcome in ("failed", "interrupted"))
    return Summary(
        runs=len(rows),
        failed_runs=failed,
        finished_runs=failed + sum(1 for r in rows if r.outcome == "ok"),
        calls=sum(u.calls for u in usage),
        failed_calls=sum(u.errors for u in usage),
        tokens=sum(u.tokens for u in usage),
        cost=round(sum(u.cost for u in usage), 6),
    )


def rerun_session(principal: Principal, execution_id: int) -> int:
    """The wizard session to make a generation run's artifact again from (with its
    answers as they are now): give it to `generators.runs.start_generation`.

    RerunUnavailable when the run is not the person's (admins may re-run any), is not a
    generation, or its wizard pass was deleted: all answered alike.
    """
    if not may_open_execution(principal, execution_id):
        raise RerunUnavailable(f"execution {execution_id} missing or not {principal.username}'s")
    with session_scope() as session:
        execution = get_execution(session, execution_id)
        kind, session_id = execution.kind, execution.session_id
    if not kind.startswith(GENERATION_PREFIX) or session_id is None:
        raise RerunUnavailable(f"execution {execution_id} ({kind}) has no wizard session")
    return session_id
