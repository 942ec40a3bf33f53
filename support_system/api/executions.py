"""Executions (task-agent runs, other generations, data questions) as their owner sees them.

`/status` is the cheap one to poll: the row's status plus the pipeline's progress events
(with the thread backend only from the server running it; with Celery from any). The full
record adds the result (a data question's: its answer, as `/api/ask` returns it) and
the steps. `/cancel` asks a running run to stop at its next step.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, status

from support_system.accounts.principal import Principal
from support_system.api.deps import Generator, Reader, owned
from support_system.api.models import (
    ExecutionAccepted,
    ExecutionOut,
    ExecutionStatusOut,
    Id,
    ProgressEvent,
    SubstepOut,
)
from support_system.data import repositories as repo
from support_system.data.db import Session, session_scope
from support_system.data.repositories import api_queries
from support_system.data.schema import Execution

router = APIRouter(prefix="/api/executions", tags=["executions"])


def owned_execution(session: Session, caller: Principal, execution_id: int) -> Execution:
    execution = repo.get_execution(session, execution_id)
    owner = execution.user_id if execution else None
    owned(caller, owner, f"execution {execution_id}", exists=execution is not None)
    assert execution is not None
    return execution


def _out(session: Session, execution: Execution) -> ExecutionOut:
    steps = repo.list_substeps(session, execution.id)
    return ExecutionOut(
        id=execution.id,
        kind=execution.kind,
        goal=execution.goal,
        status=execution.status.value,
        project_id=execution.project_id,
        task_agent_id=execution.task_agent_id,
        started_at=execution.started_at,
        ended_at=execution.ended_at,
        result=execution.result,
        error=execution.error,
        substeps=[
            SubstepOut(
                position=s.position,
                title=s.title,
                status=s.status.value,
                started_at=s.started_at,
                ended_at=s.ended_at,
            )
            for s in steps
        ],
    )


@router.get("", response_model=list[ExecutionOut])
def list_executions(caller: Reader, limit: int = Query(20, ge=1, le=200)) -> list[ExecutionOut]:
    """The caller's newest executions (everyone's for an admin), newest first."""
    with session_scope() as session:
        owner = None if caller.is_admin else caller.user_id
        rows = api_queries.list_executions_for(session, owner, limit=limit)
        return [_out(session, row) for row in rows]


@router.get("/{execution_id}", response_model=ExecutionOut)
def get_execution(execution_id: Id, caller: Reader) -> ExecutionOut:
    with session_scope() as session:
        return _out(session, owned_execution(session, caller, execution_id))


@router.get("/{execution_id}/status", response_model=ExecutionStatusOut)
def execution_status(execution_id: Id, request: Request, caller: Reader) -> ExecutionStatusOut:
    runs = request.app.state.runs
    with session_scope() as session:
        owned_execution(session, caller, execution_id)
    running = runs.is_running(execution_id)  # first: once False, the row below is final
    events = [ProgressEvent(kind=k, seconds=s) for k, s in runs.events(execution_id)]
    with session_scope() as session:
        execution = owned_execution(session, caller, execution_id)
    return ExecutionStatusOut(
        id=execution.id,
        status=execution.status.value,
        running=running,
        started_at=execution.started_at,
        ended_at=execution.ended_at,
        error=execution.error,
        events=events,
    )


@router.post(
    "/{execution_id}/cancel",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ExecutionAccepted,
)
def cancel_execution(execution_id: Id, request: Request, caller: Generator) -> ExecutionAccepted:
    """Stop a running execution at its next step (it ends FAILED, error "cancelled").

    The answer's status is "cancelling" when the run was asked to stop, else the run's
    current status (already over, or — thread backend — run by another server)."""
    with session_scope() as session:
        current = owned_execution(session, caller, execution_id).status.value
    if request.app.state.runs.cancel(execution_id):
        return ExecutionAccepted(execution_id=execution_id, status="cancelling")
    return ExecutionAccepted(execution_id=execution_id, status=current)
