"""Executions (a generation or an auto-mode run), their steps, and the artifacts they made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from support_system.core.errors import NotFound
from support_system.data.schema import (
    Artifact,
    Execution,
    ExecutionStatus,
    FeedbackRecord,
    Project,
    Substep,
    WizardSession,
    utcnow,
)

INTERRUPTED = "interrupted"  # Execution.error of a run a crash or restart cut off


def start_execution(
    session: Session,
    *,
    kind: str,
    goal: str,
    project_id: int | None = None,
    session_id: int | None = None,
    user_id: int | None = None,
    task_agent_id: int | None = None,
) -> Execution:
    """A RUNNING execution. Commit it in its own short scope so a crash still leaves its trace.

    Every run has an owner: `user_id` when given, else the wizard session's user, else the
    project's owner, else the local user (the single user while accounts are off).
    """
    if user_id is None:
        user_id = _owner_of(session, session_id, project_id)
    execution = Execution(
        user_id=user_id,
        task_agent_id=task_agent_id,
        kind=kind,
        goal=goal,
        project_id=project_id,
        session_id=session_id,
        status=ExecutionStatus.RUNNING,
        started_at=utcnow(),
    )
    session.add(execution)
    session.flush()
    return execution


def _owner_of(session: Session, session_id: int | None, project_id: int | None) -> int:
    from support_system.data.repositories.users import ensure_local_user

    if session_id is not None:
        owner = session.scalar(select(WizardSession.user_id).where(WizardSession.id == session_id))
        if owner is not None:
            return owner
    if project_id is not None:
        owner = session.scalar(select(Project.owner_id).where(Project.id == project_id))
        if owner is not None:
            return owner
    return ensure_local_user(session).id


def record_substep(
    session: Session,
    execution_id: int,
    *,
    title: str,
    status: ExecutionStatus,
    input: dict[str, Any] | None = None,  # noqa: A002 - mirrors the column name
    output: dict[str, Any] | None = None,
    started_at: datetime | None = None,
    metrics: dict[str, Any] | None = None,
    score: float | None = None,
    adjustments: list[Any] | None = None,
) -> Substep:
    """One finished step of an execution, with its evaluation (FeedbackRecord) if given.

    Record each attempt in its own short scope, so it is kept even if a later one crashes.
    """
    position = session.scalar(
        select(func.coalesce(func.max(Substep.position), 0)).where(
            Substep.execution_id == execution_id
        )
    )
    substep = Substep(
        execution_id=execution_id,
        position=(position or 0) + 1,
        title=title[:500],
        status=status,
        input=input,
        output=output,
        started_at=started_at,
        ended_at=utcnow(),
    )
    session.add(substep)
    session.flush()
    if metrics is not None:
        session.add(
            FeedbackRecord(
                execution_id=execution_id,
                substep_id=substep.id,
                metrics=metrics,
                score=score,
                adjustments=adjustments or [],
            )
        )
    session.flush()
    return substep


def finish_execution(
    session: Session,
    execution_id: int,
    *,
    status: ExecutionStatus,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> Execution:
    """Close an execution with its outcome (COMPLETED or FAILED)."""
    execution = session.get(Execution, execution_id)
    if execution is None:
        raise NotFound(f"execution {execution_id} does not exist")
    execution.status = status
    execution.ended_at = utcnow()
    execution.result = result
    execution.error = error
    session.flush()
    return execution


def interrupt_stale_executions(
    session: Session, *, started_before: datetime, skip_kinds: tuple[str, ...] = ()
) -> int:
    """Close executions still RUNNING that began before `started_before` (a crash or a
    restart ended them: nothing will ever finish them) as FAILED "interrupted".

    Returns how many were closed. Only safe where runs live in the calling process
    (the embedded set-up): with several app processes sharing one database, a run
    started by another process may still be going. Kinds starting with one of
    `skip_kinds` (runs that queue workers own) are left alone.
    """
    query = update(Execution).where(
        Execution.status == ExecutionStatus.RUNNING, Execution.started_at < started_before
    )
    for prefix in skip_kinds:
        query = query.where(Execution.kind.not_like(f"{prefix}%"))
    result = session.execute(
        query.values(status=ExecutionStatus.FAILED, error=INTERRUPTED, ended_at=utcnow())
    )
    session.flush()
    return result.rowcount or 0


def latest_execution(session: Session, session_id: int) -> Execution | None:
    """The newest execution of a wizard session, whatever its outcome."""
    return session.scalar(
        select(Execution)
        .where(Execution.session_id == session_id)
        .order_by(Execution.id.desc())
        .limit(1)
    )


def add_artifact(
    session: Session,
    *,
    kind: str,
    path: str,
    checks: dict[str, Any],
    checks_passed: bool,
    session_id: int | None = None,
    project_id: int | None = None,
) -> Artifact:
    """A new artifact version (numbered per wizard session; older versions are kept)."""
    version = 1
    if session_id is not None:
        latest = session.scalar(
            select(func.max(Artifact.version)).where(Artifact.session_id == session_id)
        )
        version = (latest or 0) + 1
    artifact = Artifact(
        kind=kind,
        path=path,
        checks=checks,
        checks_passed=checks_passed,
        session_id=session_id,
        project_id=project_id,
        version=version,
    )
    session.add(artifact)
    session.flush()
    return artifact


def session_artifacts(session: Session, wizard_session_id: int) -> list[Artifact]:
    """The artifacts made for a wizard pass, newest version first."""
    return list(
        session.scalars(
            select(Artifact)
            .where(Artifact.session_id == wizard_session_id)
            .order_by(Artifact.version.desc(), Artifact.id.desc())
        )
    )


def recent_executions(
    session: Session, kind: str, *, limit: int = 10, user_id: int | None = None
) -> list[Execution]:
    """The latest executions of one kind, newest first (only `user_id`'s when given)."""
    query = select(Execution).where(Execution.kind == kind)
    if user_id is not None:
        query = query.where(Execution.user_id == user_id)
    return list(session.scalars(query.order_by(Execution.id.desc()).limit(limit)))


def get_execution(session: Session, execution_id: int) -> Execution | None:
    """The execution with this id, or None."""
    return session.get(Execution, execution_id)


def list_substeps(session: Session, execution_id: int) -> list[Substep]:
    """An execution's recorded steps, in order."""
    return list(
        session.scalars(
            select(Substep).where(Substep.execution_id == execution_id).order_by(Substep.position)
        )
    )


def feedback_by_substep(session: Session, execution_id: int) -> dict[int, FeedbackRecord]:
    """An execution's evaluations, by the id of the step they judge."""
    rows = session.scalars(
        select(FeedbackRecord).where(FeedbackRecord.execution_id == execution_id)
    )
    return {row.substep_id: row for row in rows}


def executions_since(session: Session, since: datetime) -> list[tuple[str, str, int]]:
    """(kind, status value, count) of the executions started since `since`, and of every
    one still pending or running: the /metrics gauges, the same from any process."""
    recent = Execution.started_at >= since
    unfinished = Execution.status.in_([ExecutionStatus.PENDING, ExecutionStatus.RUNNING])
    query = (
        select(Execution.kind, Execution.status, func.count())
        .where(recent | unfinished)
        .group_by(Execution.kind, Execution.status)
    )
    return [
        (kind, str(getattr(status, "value", status)), n)
        for kind, status, n in session.execute(query)
    ]
