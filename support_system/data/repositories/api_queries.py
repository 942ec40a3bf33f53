"""Queries the REST API needs beyond the existing repositories: task agents, owner-scoped
lists of projects and executions, and usage summed for the ledger and the quotas.

Like every repository function these take the Session first and never commit. Owner
scoping lives here (a `owner_id=None` argument means "everyone's", for admins), so a
route cannot forget it by building its own query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from support_system.data.schema import (
    Execution,
    Project,
    TaskAgent,
    UsageRecord,
    UsageStatus,
    utcnow,
)


def ping(session: Session) -> None:
    """One round trip to the database (the health check): raises if it cannot answer."""
    session.execute(sa.text("SELECT 1"))


# --- projects ----------------------------------------------------------------------------


def list_projects_for(session: Session, owner_id: int | None) -> list[Project]:
    """Projects of `owner_id` (every project when None), oldest first."""
    query = select(Project).order_by(Project.id)
    if owner_id is not None:
        query = query.where(Project.owner_id == owner_id)
    return list(session.scalars(query))


def update_project_row(
    session: Session, project: Project, *, name: str | None = None, description: str | None = None
) -> Project:
    """Change a project's name and/or description (None leaves a field as it is)."""
    if name is not None:
        project.name = name
    if description is not None:
        project.description = description
    project.updated_at = utcnow()
    session.flush()
    return project


# --- task agents -------------------------------------------------------------------------


def task_agent_owner(session: Session, agent_id: int) -> tuple[TaskAgent, int] | None:
    """The task agent and the id of its project's owner, or None when it does not exist."""
    row = session.execute(
        select(TaskAgent, Project.owner_id)
        .join(Project, Project.id == TaskAgent.project_id)
        .where(TaskAgent.id == agent_id)
    ).first()
    return None if row is None else (row[0], row[1])


def list_task_agents(session: Session, project_id: int) -> list[TaskAgent]:
    """The task agents of one project, oldest first."""
    return list(
        session.scalars(
            select(TaskAgent).where(TaskAgent.project_id == project_id).order_by(TaskAgent.id)
        )
    )


def create_task_agent(
    session: Session,
    *,
    project_id: int,
    name: str,
    job_id: str,
    persona: str = "",
    configuration: dict[str, Any] | None = None,
) -> TaskAgent:
    """A new task agent in a project (its id is set)."""
    agent = TaskAgent(
        project_id=project_id,
        name=name,
        job_id=job_id,
        persona=persona,
        configuration=dict(configuration or {}),
    )
    session.add(agent)
    session.flush()
    return agent


def delete_task_agent(session: Session, agent_id: int) -> None:
    """Delete a task agent; its executions stay, without the link (ON DELETE SET NULL)."""
    session.execute(sa.delete(TaskAgent).where(TaskAgent.id == agent_id))


# --- executions --------------------------------------------------------------------------


def list_executions_for(
    session: Session, owner_id: int | None, *, limit: int = 50
) -> list[Execution]:
    """The newest executions of `owner_id` (everyone's when None), newest first."""
    query = select(Execution).order_by(Execution.id.desc()).limit(limit)
    if owner_id is not None:
        query = query.where(Execution.user_id == owner_id)
    return list(session.scalars(query))


# --- usage -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageRow:
    """One model's use on one day (UTC)."""

    day: date
    model: str
    calls: int
    errors: int
    tokens_in: int
    tokens_out: int
    cost: float


def _day(session: Session) -> Any:
    """The UTC calendar day of `UsageRecord.created_at`, on either database."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(UsageRecord.created_at)  # stored as naive UTC text
    return sa.cast(func.timezone("UTC", UsageRecord.created_at), sa.Date)


def usage_by_model_and_day(
    session: Session, user_id: int | None, *, since: datetime, until: datetime | None = None
) -> list[UsageRow]:
    """UsageRecords summed per model and UTC day (everyone's when `user_id` is None)."""
    day = _day(session).label("day")
    query = (
        select(
            day,
            UsageRecord.model,
            func.count(),
            func.sum(sa.case((UsageRecord.status == UsageStatus.ERROR, 1), else_=0)),
            func.coalesce(func.sum(UsageRecord.tokens_in), 0),
            func.coalesce(func.sum(UsageRecord.tokens_out), 0),
            func.coalesce(func.sum(UsageRecord.cost), 0.0),
        )
        .where(UsageRecord.created_at >= since)
        .group_by(day, UsageRecord.model)
        .order_by(day, UsageRecord.model)
    )
    if until is not None:
        query = query.where(UsageRecord.created_at < until)
    if user_id is not None:
        query = query.where(UsageRecord.user_id == user_id)
    rows = []
    for raw_day, model, calls, errors, tokens_in, tokens_out, cost in session.execute(query):
        day_value = raw_day if isinstance(raw_day, date) else date.fromisoformat(str(raw_day))
        rows.append(
            UsageRow(
                day=day_value,
                model=model,
                calls=int(calls),
                errors=int(errors or 0),
                tokens_in=int(tokens_in),
                tokens_out=int(tokens_out),
                cost=float(cost),
            )
        )
    return rows


def tokens_since(session: Session, user_id: int, since: datetime) -> int:
    """Tokens (in + out) the user's model calls used since `since` (the daily quota)."""
    total = session.scalar(
        select(func.coalesce(func.sum(UsageRecord.tokens_in + UsageRecord.tokens_out), 0)).where(
            UsageRecord.user_id == user_id, UsageRecord.created_at >= since
        )
    )
    return int(total or 0)


def cost_since(session: Session, user_id: int, since: datetime) -> float:
    """What the user's model calls cost since `since` (the monthly money quota)."""
    total = session.scalar(
        select(func.coalesce(func.sum(UsageRecord.cost), 0.0)).where(
            UsageRecord.user_id == user_id, UsageRecord.created_at >= since
        )
    )
    return float(total or 0.0)
