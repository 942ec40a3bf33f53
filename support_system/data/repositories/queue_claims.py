"""Claiming an execution for a queue worker, so a redelivered task never runs a run twice.

A broker delivers a task at least once: after a worker is killed, or when a run outlasts
the visibility timeout, the same message comes back. The database row is the one place
every worker agrees on, so a worker takes it with a single conditional UPDATE (atomic on
SQLite and PostgreSQL alike) rather than a read-then-write two workers could interleave.
Only rows nobody finished can be claimed: a finished run stays finished.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from support_system.data.schema import Execution, ExecutionStatus

_UNFINISHED = (ExecutionStatus.PENDING, ExecutionStatus.RUNNING)


def claim_execution(session: Session, execution_id: int) -> bool:
    """Mark the run RUNNING for the calling worker; False when it already ended (or is gone).

    A RUNNING row can be claimed again on purpose: it is what a worker that was killed
    mid-run leaves behind, and nothing else will ever finish it. Keeping two live workers
    off one row is the caller's lease (see `support_system.queue.celery_backend`).
    """
    result = session.execute(
        update(Execution)
        .where(Execution.id == execution_id, Execution.status.in_(_UNFINISHED))
        .values(status=ExecutionStatus.RUNNING, ended_at=None, error=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def mark_pending(session: Session, execution_id: int) -> None:
    """The run waits in the queue: no worker has taken it yet."""
    session.execute(
        update(Execution)
        .where(Execution.id == execution_id, Execution.status == ExecutionStatus.RUNNING)
        .values(status=ExecutionStatus.PENDING)
        .execution_options(synchronize_session=False)
    )


def unfinished_queued(
    session: Session, *, kinds: tuple[str, ...], started_before: datetime
) -> list[int]:
    """Ids of runs of these kinds (prefixes) still PENDING or RUNNING, begun before then."""
    kind_match = or_(*(Execution.kind.like(f"{prefix}%") for prefix in kinds))
    return list(
        session.scalars(
            select(Execution.id).where(
                Execution.status.in_(_UNFINISHED),
                Execution.started_at < started_before,
                kind_match,
            )
        )
    )
