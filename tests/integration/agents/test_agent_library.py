"""The agent library on a real SQLite database: system agents synced from their files,
users' own agents created, changed and deleted as file + index row."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from support_system.agents.definitions import AgentDefinition
from support_system.agents.errors import AgentExists, AgentFileError, AgentNotFound
from support_system.agents.library import (
    SYSTEM_AGENTS_DIR,
    create_agent,
    delete_agent,
    get_agent,
    list_agents,
    read_agent,
    sync_agents,
    sync_system_agents,
    sync_user_agents,
    update_agent,
    user_agents_dir,
)
from support_system.data import repositories as repo
from support_system.data.db import session_scope
from support_system.data.schema import Agent, Conversation


def rows(owner_id: int | None = None) -> dict[str, Agent]:
    with session_scope() as session:
        return {row.name: row for row in repo.list_agent_rows(session, owner_id)}


def local_user_id() -> int:
    with session_scope() as session:
        return repo.ensure_local_user(session).id


def mine(name: str = "baker-helper", **fields) -> AgentDefinition:
    return AgentDefinition.model_validate(
        {
            "name": name,
            "display_name": {"ja": "パン屋の相棒", "en": "Bakery buddy"},
            "description": {"ja": "パン屋の相談相手", "en": "Talks bakery business"},
            "tones": ["warm"],
            "roles": ["teacher"],
            "instructions": "Talk about bread.",
            **fields,
        }
    )


@pytest.fixture
def system_dir(tmp_path: Path) -> Path:
    copy = tmp_path / "system-agents"
    shutil.copytree(SYSTEM_AGENTS_DIR, copy)
    return copy


def test_sync_indexes_every_system_agent_and_is_idempotent(db, system_dir: Path) -> None:
    first = sync_agents(system_dir)
    shipped = sorted(p.stem for p in system_dir.glob("*.md"))
    assert sorted(first.added) == shipped and not first.updated and not first.removed
    indexed = rows()
    assert sorted(indexed) == shipped
    guide = indexed["guide"]
    assert guide.owner_id is None and "polite" in guide.tones and "customer_support" in guide.roles
    assert guide.source_path.endswith("guide.md") and guide.description.startswith("Stays beside")
    ids = {name: row.id for name, row in indexed.items()}

    second = sync_agents(system_dir)
    assert sorted(second.unchanged) == shipped and not (
        second.added or second.updated or second.removed
    )
    assert {name: row.id for name, row in rows().items()} == ids  # same rows, not re-created


def test_sync_updates_changed_files_and_removes_rows_of_deleted_ones(db, system_dir: Path) -> None:
    sync_agents(system_dir)
    with session_scope() as session:  # a conversation with the agent that will go away
        conversation = repo.create_conversation(
            session, local_user_id(), agent_id=rows()["reviewer"].id
        )
    guide = system_dir / "guide.md"
    text = guide.read_text(encoding="utf-8")
    guide.write_text(text.replace("[polite, cheerful, patient]", "[calm]"), encoding="utf-8")
    (system_dir / "reviewer.md").unlink()

    report = sync_agents(system_dir)
    assert report.updated == ["guide"] and report.removed == ["reviewer"] and not report.added
    assert rows()["guide"].tones == ["calm"] and "reviewer" not in rows()
    with session_scope() as session:  # the conversation is kept, without the link
        assert session.get(Conversation, conversation.id).agent_id is None


def test_a_bad_system_file_stops_the_sync_and_changes_nothing(db, system_dir: Path) -> None:
    sync_agents(system_dir)
    before = {name: row.tones for name, row in rows().items()}
    (system_dir / "guide.md").write_text(
        (system_dir / "guide.md")
        .read_text(encoding="utf-8")
        .replace("[polite, cheerful, patient]", "[calm]"),
        encoding="utf-8",
    )
    (system_dir / "zz-broken.md").write_text("---\nname: zz-broken\n---\n", encoding="utf-8")
    with pytest.raises(AgentFileError) as caught:
        sync_agents(system_dir)
    assert caught.value.field == "display_name" and "zz-broken.md" in caught.value.message("ja")
    assert {name: row.tones for name, row in rows().items()} == before


def test_listing_syncs_the_shipped_agents_by_itself(db) -> None:
    agents = list_agents()
    assert {"guide", "reviewer"} <= {a.name for a in agents}
    assert all(a.is_system and a.path.is_file() for a in agents)
    assert get_agent("guide").definition.display_name.ja == "ハナ（案内係）"
    assert sync_system_agents() is None  # nothing changed since: no work
    with pytest.raises(AgentNotFound) as caught:
        get_agent("nobody")
    assert "nobody" in caught.value.message("ja") and "nobody" in caught.value.message("en")


def test_user_agent_create_update_delete_keeps_file_and_row_in_step(db) -> None:
    user = local_user_id()
    created = create_agent(user, mine())
    path = user_agents_dir(user) / "baker-helper.md"
    assert created.path == path and path.is_file() and not created.is_system
    assert read_agent(path) == mine()
    row = rows(user)["baker-helper"]
    assert (row.id, row.owner_id, row.tones) == (created.id, user, ["warm"])
    assert Path(row.source_path).name == "baker-helper.md"
    assert "baker-helper" in {a.name for a in list_agents(user)}
    assert "baker-helper" not in {a.name for a in list_agents()}  # not anyone else's
    assert get_agent("baker-helper", user).id == created.id

    with pytest.raises(AgentExists):
        create_agent(user, mine())
    with pytest.raises(AgentExists):  # a system agent's name stays unambiguous
        create_agent(user, mine(name="guide"))

    updated = update_agent(user, "baker-helper", mine(tones=["cheerful", "concise"]))
    assert updated.id == created.id and read_agent(path).tones == ["cheerful", "concise"]
    assert rows(user)["baker-helper"].tones == ["cheerful", "concise"]

    renamed = update_agent(user, "baker-helper", mine(name="bread-buddy"))
    assert renamed.id == created.id and not path.exists()
    assert (user_agents_dir(user) / "bread-buddy.md").is_file()
    assert sorted(rows(user)) == ["bread-buddy"]

    delete_agent(user, "bread-buddy")
    assert rows(user) == {} and not (user_agents_dir(user) / "bread-buddy.md").exists()
    with pytest.raises(AgentNotFound):
        delete_agent(user, "bread-buddy")
    with pytest.raises(AgentNotFound):
        update_agent(user, "bread-buddy", mine())


def test_user_files_are_reindexed_and_a_broken_one_is_left_out(db) -> None:
    user = local_user_id()
    create_agent(user, mine())
    with session_scope() as session:  # the index is lost (e.g. a database restored from backup)
        session.execute(Agent.__table__.delete().where(Agent.owner_id == user))
    assert sync_user_agents(user).added == ["baker-helper"]

    (user_agents_dir(user) / "baker-helper.md").write_text("---\nname: [\n---\n", encoding="utf-8")
    names = {a.name for a in list_agents(user)}
    assert "baker-helper" not in names and "guide" in names
    with pytest.raises(AgentFileError):
        get_agent("baker-helper", user)
    with session_scope() as session:
        assert session.scalar(select(Agent.id).where(Agent.name == "baker-helper")) is not None


def test_a_missing_file_is_a_typed_error(db) -> None:
    user = local_user_id()
    create_agent(user, mine())
    (user_agents_dir(user) / "baker-helper.md").unlink()
    with pytest.raises(AgentFileError) as caught:
        get_agent("baker-helper", user)
    assert "baker-helper.md" in caught.value.message("ja")
    assert "baker-helper" not in {a.name for a in list_agents(user)}
