"""The agent index: one row per system or user agent file, for ids and listing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from support_system.data.repositories.upsert import insert_for
from support_system.data.schema import Agent

AGENT_FIELDS = (
    "description", "gender", "background", "personalities", "roles", "tones", "skills",
    "preferred_model", "language", "source_path",
)  # fmt: skip


def upsert_agent(session: Session, *, owner_id: int | None, name: str, **fields: Any) -> Agent:
    """Insert or update the agent `name` of `owner_id` (None = a system agent) in one statement.

    `fields` are Agent columns (see AGENT_FIELDS). System agents are unique by name through
    a partial index, so the conflict target names that index's condition.
    """
    unknown = set(fields) - set(AGENT_FIELDS)
    if unknown:
        raise TypeError(f"not agent columns: {sorted(unknown)}")
    insert = insert_for(session, Agent).values(owner_id=owner_id, name=name, **fields)
    if owner_id is None:
        target: dict[str, Any] = {
            "index_elements": ["name"], "index_where": Agent.owner_id.is_(None),
        }  # fmt: skip
    else:
        target = {"index_elements": ["owner_id", "name"]}
    upsert = insert.on_conflict_do_update(
        **target, set_={column: insert.excluded[column] for column in fields}
    ).returning(Agent)
    return session.scalars(upsert, execution_options={"populate_existing": True}).one()


def list_agent_rows(session: Session, owner_id: int | None) -> list[Agent]:
    """The agents of `owner_id` (None = the system agents), by name."""
    owner = Agent.owner_id.is_(None) if owner_id is None else Agent.owner_id == owner_id
    return list(session.scalars(select(Agent).where(owner).order_by(Agent.name)))


def get_agent_by_id(session: Session, agent_id: int) -> Agent | None:
    """The agent row with this id (a conversation's `agent_id`), or None."""
    return session.get(Agent, agent_id)


def get_agent_row(session: Session, owner_id: int | None, name: str) -> Agent | None:
    """The agent `name` of `owner_id` (None = a system agent), or None."""
    owner = Agent.owner_id.is_(None) if owner_id is None else Agent.owner_id == owner_id
    return session.scalar(select(Agent).where(owner, Agent.name == name))


def delete_agent_rows(session: Session, agent_ids: list[int]) -> int:
    """Delete agents by id (their conversations stay, without the link); how many went."""
    if not agent_ids:
        return 0
    result = session.execute(delete(Agent).where(Agent.id.in_(agent_ids)))
    return result.rowcount or 0
