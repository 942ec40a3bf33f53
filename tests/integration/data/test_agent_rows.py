"""Agent index rows on SQLite and PostgreSQL: one upsert per agent, system and per user."""

from __future__ import annotations

import pytest

from support_system.data import repositories as repo
from support_system.data.db import session_scope


def test_upsert_agent_updates_in_place_for_system_and_user_agents(migrated_url: str) -> None:
    with session_scope() as session:
        user_id = repo.ensure_local_user(session).id
        system = repo.upsert_agent(session, owner_id=None, name="hana", tones=["polite"])
        own = repo.upsert_agent(session, owner_id=user_id, name="hana", tones=["casual"])
    assert system.id != own.id
    with session_scope() as session:
        again = repo.upsert_agent(session, owner_id=None, name="hana", tones=["strict"],
                                  source_path="config/agents/system/hana.md")  # fmt: skip
        mine = repo.upsert_agent(session, owner_id=user_id, name="hana", tones=["calm"])
    assert (again.id, again.tones, again.source_path) == (
        system.id,
        ["strict"],
        "config/agents/system/hana.md",
    )
    assert (mine.id, mine.tones) == (own.id, ["calm"])
    with session_scope() as session:
        assert [r.id for r in repo.list_agent_rows(session, None)] == [system.id]
        assert [r.id for r in repo.list_agent_rows(session, user_id)] == [own.id]
        assert repo.get_agent_row(session, user_id, "hana").tones == ["calm"]
        assert repo.get_agent_row(session, None, "nobody") is None
        assert repo.delete_agent_rows(session, [system.id, own.id]) == 2
        assert repo.delete_agent_rows(session, []) == 0
        assert repo.list_agent_rows(session, None) == []


def test_upsert_agent_refuses_unknown_columns(migrated_url: str) -> None:
    with session_scope() as session, pytest.raises(TypeError):
        repo.upsert_agent(session, owner_id=None, name="x", owner="me")
