"""The run's history in the database: one Substep per graph step, FeedbackRecords for
evaluations and adjustments, and the timeline a UI or the CLI shows.

Each step's Substep carries a key (`<step number>:<node>`) and the state update it
produced. A process killed after a step was recorded but before LangGraph saved its
checkpoint re-runs that node on resume; the node then finds its key here and returns
the recorded update instead of doing the work again, so no completed step is redone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from support_system.data import repositories
from support_system.data.db import session_scope
from support_system.data.schema import ExecutionStatus

KIND = "auto"


def recent(limit: int = 10, *, user_id: int | None = None) -> list[tuple[int, str, str]]:
    """The latest auto runs, newest first: (id, goal, stored status); only `user_id`'s
    runs when given (everyone's otherwise)."""
    with session_scope() as s:
        rows = repositories.recent_executions(s, KIND, limit=limit, user_id=user_id)
        return [(row.id, row.goal, row.status.value) for row in rows]


def start(goal: str, project_id: int | None = None, user_id: int | None = None) -> int:
    """A new RUNNING auto execution; its id is also the run id and the checkpoint thread.

    It belongs to `user_id` (default: the project's owner, else the local user)."""
    with session_scope() as s:
        return repositories.start_execution(
            s, kind=KIND, goal=goal, project_id=project_id, user_id=user_id
        ).id


def find_step(execution_id: int, key: str) -> dict[str, Any] | None:
    """The recorded output of step `key`, or None when it has not completed yet."""
    with session_scope() as s:
        for row in repositories.list_substeps(s, execution_id):
            if (row.input or {}).get("key") == key:
                return dict(row.output or {})
    return None


def record_step(
    execution_id: int,
    key: str,
    title: str,
    *,
    ok: bool,
    output: dict[str, Any],
    started_at: datetime | None = None,
    metrics: dict[str, Any] | None = None,
    score: float | None = None,
    adjustments: list[Any] | None = None,
) -> int:
    """Store one finished step (and its FeedbackRecord when `metrics` is given), committed."""
    with session_scope() as s:
        row = repositories.record_substep(
            s,
            execution_id,
            title=title,
            status=ExecutionStatus.COMPLETED if ok else ExecutionStatus.FAILED,
            input={"key": key},
            output=output,
            started_at=started_at,
            metrics=metrics,
            score=score,
            adjustments=adjustments,
        )
        return row.position


def finish(execution_id: int, *, ok: bool, result: dict[str, Any], error: str | None) -> None:
    with session_scope() as s:
        repositories.finish_execution(
            s,
            execution_id,
            status=ExecutionStatus.COMPLETED if ok else ExecutionStatus.FAILED,
            result=result,
            error=error,
        )


@dataclass
class TimelineEntry:
    """One line of the run's timeline."""

    position: int
    title: str
    status: str
    node: str
    score: float | None = None
    adjustments: list[Any] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    ended_at: datetime | None = None


@dataclass
class RunRecord:
    """What the database knows about a run."""

    id: int  # noqa: A003
    goal: str
    status: str
    error: str | None
    result: dict[str, Any] | None
    timeline: list[TimelineEntry]


def load(execution_id: int) -> RunRecord | None:
    """The run's execution row and timeline (substeps with their feedback), or None."""
    with session_scope() as s:
        execution = repositories.get_execution(s, execution_id)
        if execution is None or execution.kind != KIND:
            return None
        feedback = repositories.feedback_by_substep(s, execution_id)
        timeline = []
        for sub in sorted(execution.substeps, key=lambda row: row.position):
            record = feedback.get(sub.id)
            key = (sub.input or {}).get("key", "")
            timeline.append(
                TimelineEntry(
                    position=sub.position,
                    title=sub.title,
                    status=sub.status.value,
                    node=key.split(":", 1)[-1],
                    score=record.score if record else None,
                    adjustments=list(record.adjustments) if record else [],
                    metrics=dict(record.metrics) if record else {},
                    ended_at=sub.ended_at,
                )
            )
        return RunRecord(
            id=execution.id,
            goal=execution.goal,
            status=execution.status.value,
            error=execution.error,
            result=execution.result,
            timeline=timeline,
        )
