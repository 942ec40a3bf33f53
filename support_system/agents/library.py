"""The agents people can talk to: system agents shipped in `config/agents/system/`, and
each user's own agents as files under `<state_dir>/agents/<user_id>/`.

Files are the truth (they can be read, diffed, backed up and edited by hand); the `Agent`
table is an index of them, so conversations can point at an agent (`agent_id`).
`sync_agents` makes the index match the files: upsert by name, remove rows whose file
is gone. It is idempotent and runs by itself before agents are listed or looked up
whenever the shipped files have changed, so no start-up step can be forgotten.

The `Agent` row's `description` holds the English description (searchable text); the
bilingual texts and the body come from the file (`StoredAgent.definition`).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from support_system.agents.definitions import (
    SUFFIX,
    AgentDefinition,
    load_agent_file,
    shown_path,
    to_markdown,
)
from support_system.agents.errors import AgentExists, AgentFileError, AgentNotFound
from support_system.agents.prompting import ROLE_TEMPLATES
from support_system.ai.prompts import template_names
from support_system.ai.registry import get_registry
from support_system.core.logging import get_logger
from support_system.core.settings import PROJECT_ROOT, get_settings, resolve_path
from support_system.data import repositories as repo
from support_system.data.db import session_scope
from support_system.data.schema import Agent

log = get_logger(__name__)

SYSTEM_AGENTS_DIR = PROJECT_ROOT / "config" / "agents" / "system"
DEFAULT_AGENT = "guide"  # who answers when a conversation's agent was deleted


@dataclass(frozen=True)
class StoredAgent:
    """An agent as the app uses it: its index row id, owner, file and definition."""

    id: int  # noqa: A003 - the Agent row id (Conversation.agent_id)
    owner_id: int | None
    path: Path
    definition: AgentDefinition

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def is_system(self) -> bool:
        return self.owner_id is None


@dataclass(frozen=True)
class SyncReport:
    added: list[str]
    updated: list[str]
    removed: list[str]
    unchanged: list[str]


# --- files ------------------------------------------------------------------------------


def user_agents_dir(user_id: int) -> Path:
    """Where `user_id`'s own agents live (created on first write)."""
    return get_settings().state_dir / "agents" / str(user_id)


def _signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=256)
def _parsed(path: Path, _signature: tuple[int, int]) -> AgentDefinition:
    return load_agent_file(path)


def read_agent(path: Path) -> AgentDefinition:
    """The definition in `path` (parsed once per file version); AgentFileError if unusable."""
    try:
        signature = _signature(path)
    except OSError:
        return load_agent_file(path)  # raises the typed "could not be read" error
    return _parsed(path, signature)


def _write(path: Path, agent: AgentDefinition) -> None:
    """Write atomically: a crash mid-write leaves the old file, never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(to_markdown(agent), encoding="utf-8")
    os.replace(temporary, path)


# --- the index --------------------------------------------------------------------------


def _columns(agent: AgentDefinition, path: Path) -> dict[str, object]:
    return {
        "description": agent.description.en,
        "gender": agent.gender,
        "background": agent.background,
        "personalities": list(agent.personalities),
        "roles": list(agent.roles),
        "tones": list(agent.tones),
        "skills": list(agent.skills),
        "preferred_model": agent.preferred_model,
        "language": agent.language,
        "source_path": shown_path(path),
    }


def _row_columns(row: Agent) -> dict[str, object]:
    return {column: getattr(row, column) for column in repo.AGENT_FIELDS}


def sync_agents(directory: Path, owner_id: int | None = None) -> SyncReport:
    """Make the index of `owner_id`'s agents (None = system) match the files in `directory`.

    All files are checked before anything is written: one bad file raises AgentFileError
    and leaves the index as it was.
    """
    paths = sorted(directory.glob(f"*{SUFFIX}")) if directory.is_dir() else []
    wanted = {agent.name: (agent, path) for path in paths for agent in [read_agent(path)]}
    report = SyncReport([], [], [], [])
    with session_scope() as session:
        rows = {row.name: row for row in repo.list_agent_rows(session, owner_id)}
        for name, (agent, path) in wanted.items():
            columns = _columns(agent, path)
            row = rows.get(name)
            if row is not None and _row_columns(row) == columns:
                report.unchanged.append(name)
                continue
            repo.upsert_agent(session, owner_id=owner_id, name=name, **columns)
            (report.added if row is None else report.updated).append(name)
        gone = [row for name, row in rows.items() if name not in wanted]
        repo.delete_agent_rows(session, [row.id for row in gone])
        report.removed.extend(row.name for row in gone)
    if report.added or report.updated or report.removed:
        log.info(
            "agents_synced",
            owner=owner_id,
            added=report.added,
            updated=report.updated,
            removed=report.removed,
        )
    return report


_synced: dict[str, tuple[object, ...]] = {}
_sync_lock = threading.Lock()


def sync_system_agents(directory: Path | None = None, *, force: bool = False) -> SyncReport | None:
    """Sync the shipped agents into the index when their files changed since the last sync
    in this process (or always with `force`); None when nothing had to be done."""
    directory = directory or SYSTEM_AGENTS_DIR
    key = f"{get_settings().effective_database_url}|{directory}"
    paths = sorted(directory.glob(f"*{SUFFIX}")) if directory.is_dir() else []
    signature = tuple((p.name, *_signature(p)) for p in paths)
    with _sync_lock:
        if not force and _synced.get(key) == signature:
            return None
        report = sync_agents(directory, None)
        _synced[key] = signature
        return report


def sync_user_agents(user_id: int) -> SyncReport:
    """Re-index `user_id`'s agent files (after a restore, or files edited by hand)."""
    return sync_agents(user_agents_dir(user_id), user_id)


# --- reading ----------------------------------------------------------------------------


def _stored(row: Agent) -> StoredAgent:
    path = resolve_path(Path(row.source_path or ""))
    return StoredAgent(id=row.id, owner_id=row.owner_id, path=path, definition=read_agent(path))


def list_agents(user_id: int | None = None) -> list[StoredAgent]:
    """The system agents, then `user_id`'s own, each by name.

    A user's file that has become unreadable (edited by hand) is left out and logged,
    so one broken file never hides the others; `get_agent` on it raises the reason.
    """
    sync_system_agents()
    with session_scope() as session:
        rows = repo.list_agent_rows(session, None)
        if user_id is not None:
            rows += repo.list_agent_rows(session, user_id)
    agents = []
    for row in rows:
        try:
            agents.append(_stored(row))
        except (AgentFileError, OSError) as error:
            log.warning("agent_unusable", agent=row.name, owner=row.owner_id, error=str(error))
    return agents


def get_agent(name: str, user_id: int | None = None) -> StoredAgent:
    """The agent `name`: the user's own if they have one by that name, else the system one."""
    sync_system_agents()
    with session_scope() as session:
        row = repo.get_agent_row(session, user_id, name) if user_id is not None else None
        row = row or repo.get_agent_row(session, None, name)
    if row is None:
        raise AgentNotFound(f"no agent {name!r} for user {user_id}", name=name)
    return _stored(row)


def get_agent_by_id(agent_id: int) -> StoredAgent:
    """The agent with this index id (a conversation's `agent_id`)."""
    with session_scope() as session:
        row = repo.get_agent_by_id(session, agent_id)
    if row is None:
        raise AgentNotFound(f"no agent with id {agent_id}", name=str(agent_id))
    return _stored(row)


# --- a user's own agents ----------------------------------------------------------------


def _user_path(user_id: int, name: str) -> Path:
    return user_agents_dir(user_id) / f"{name}{SUFFIX}"


def _taken(user_id: int, name: str) -> bool:
    sync_system_agents()
    with session_scope() as session:
        return (
            repo.get_agent_row(session, None, name) is not None
            or repo.get_agent_row(session, user_id, name) is not None
        )


def _index(user_id: int, agent: AgentDefinition, path: Path) -> StoredAgent:
    with session_scope() as session:
        row = repo.upsert_agent(session, owner_id=user_id, name=agent.name, **_columns(agent, path))
    return StoredAgent(id=row.id, owner_id=user_id, path=path, definition=agent)


def create_agent(user_id: int, agent: AgentDefinition) -> StoredAgent:
    """Save a new agent of `user_id` (file + index row).

    AgentExists when the name is taken by a system agent or one of theirs: one name,
    one agent, in every list the person sees.
    """
    path = _user_path(user_id, agent.name)
    if _taken(user_id, agent.name) or path.exists():
        raise AgentExists(f"agent {agent.name!r} exists", name=agent.name)
    _write(path, agent)
    try:
        return _index(user_id, agent, path)
    except BaseException:
        path.unlink(missing_ok=True)  # no file without its row
        raise


def update_agent(user_id: int, name: str, agent: AgentDefinition) -> StoredAgent:
    """Replace `user_id`'s agent `name` with `agent` (which may carry a new name).

    The row keeps its id, so conversations with the agent stay linked after a rename.
    """
    if agent.name != name and _taken(user_id, agent.name):  # checked before the write
        raise AgentExists(f"agent {agent.name!r} exists", name=agent.name)
    old_path, new_path = _user_path(user_id, name), _user_path(user_id, agent.name)
    with session_scope() as session:
        row = repo.get_agent_row(session, user_id, name)
        if row is None:
            raise AgentNotFound(f"user {user_id} has no agent {name!r}", name=name)
        row.name = agent.name
        for column, value in _columns(agent, new_path).items():
            setattr(row, column, value)
        session.flush()  # a clash with a row made meanwhile fails here, before the file
        _write(new_path, agent)  # inside the transaction: a failed write keeps the old row
        row_id = row.id
    if new_path != old_path:
        old_path.unlink(missing_ok=True)
    return StoredAgent(id=row_id, owner_id=user_id, path=new_path, definition=agent)


def delete_agent(user_id: int, name: str) -> None:
    """Delete `user_id`'s agent `name`: row and file (their conversations are kept)."""
    with session_scope() as session:
        row = repo.get_agent_row(session, user_id, name)
        if row is None:
            raise AgentNotFound(f"user {user_id} has no agent {name!r}", name=name)
        repo.delete_agent_rows(session, [row.id])
    _user_path(user_id, name).unlink(missing_ok=True)


def form_choices(agents: list[StoredAgent]) -> tuple[list[str], list[str]]:
    """(roles, skills) an agent form offers: every role with a prompt template or in use,
    and every skill an agent or a model of the registry names."""
    prefix = f"{ROLE_TEMPLATES}/"
    roles = {name.removeprefix(prefix) for name in template_names() if name.startswith(prefix)}
    roles |= {role for agent in agents for role in agent.definition.roles}
    skills = {skill for agent in agents for skill in agent.definition.skills}
    skills |= {skill for spec in get_registry().models for skill in spec.skills}
    return sorted(roles), sorted(skills)
