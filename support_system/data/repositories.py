"""Small typed queries the services use, so SQL lives in one place.

Every function takes the Session first and, unless it says otherwise, leaves committing
to the caller (`with session_scope() as s: ...`). Writes that several processes may do at
once (the local user, an API key) are single upserts, not read-then-write, so two app
processes starting together cannot collide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from support_system.core.errors import NotFound
from support_system.data import secrets
from support_system.data.models import (
    Agent,
    APIKey,
    Artifact,
    Conversation,
    Execution,
    ExecutionStatus,
    FeedbackRecord,
    Message,
    MessageType,
    Role,
    Substep,
    UsageRecord,
    UsageStatus,
    User,
    WizardSession,
    utcnow,
)

LOCAL_USERNAME = "local"
INTERRUPTED = "interrupted"  # Execution.error of a run a crash or restart cut off


def _insert(session: Session, model: type) -> Any:
    """INSERT for the session's database, with its ON CONFLICT support (SQLite/PostgreSQL)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"upserts are not implemented for {dialect}")


# --- users -------------------------------------------------------------------------------


def ensure_local_user(session: Session) -> User:
    """The single local user (admin) that owns everything while authentication is off."""
    insert = _insert(session, User).values(
        username=LOCAL_USERNAME, display_name="Local user", role=Role.ADMIN
    )
    session.execute(insert.on_conflict_do_nothing(index_elements=["username"]))
    return session.scalars(select(User).where(User.username == LOCAL_USERNAME)).one()


# --- API keys ----------------------------------------------------------------------------


@dataclass(frozen=True)
class APIKeyInfo:
    """What a settings page may show about a stored key: never the key itself."""

    provider: str
    key_hint: str
    created_at: datetime


def key_hint(key: str) -> str:
    """A hint like "…abcd", enough to recognise a key. Keys under 12 characters show nothing:
    their last 4 would be too much of the secret."""
    return f"…{key[-4:]}" if len(key) >= 12 else "…"


def save_api_key(session: Session, user_id: int, provider: str, key: str) -> APIKey:
    """Store (or replace) the user's key for `provider`, encrypted; only the hint is plain."""
    key = key.strip()
    if not key:
        raise ValueError("empty API key")
    values = {
        "user_id": user_id,
        "provider": provider,
        "encrypted_key": secrets.encrypt(key),
        "key_hint": key_hint(key),
        "created_at": utcnow(),
    }
    insert = _insert(session, APIKey).values(**values)
    upsert = insert.on_conflict_do_update(
        index_elements=["user_id", "provider"],
        set_={name: insert.excluded[name] for name in ("encrypted_key", "key_hint", "created_at")},
    ).returning(APIKey)
    return session.scalars(upsert, execution_options={"populate_existing": True}).one()


def get_api_key(session: Session, user_id: int, provider: str) -> str | None:
    """The decrypted key, or None; SecretError when the secret key has changed."""
    token = session.scalar(
        select(APIKey.encrypted_key).where(APIKey.user_id == user_id, APIKey.provider == provider)
    )
    return None if token is None else secrets.decrypt(token)


def list_api_keys(session: Session, user_id: int) -> list[APIKeyInfo]:
    """The user's stored keys as hints, by provider name."""
    rows = session.execute(
        select(APIKey.provider, APIKey.key_hint, APIKey.created_at)
        .where(APIKey.user_id == user_id)
        .order_by(APIKey.provider)
    )
    return [APIKeyInfo(*row) for row in rows]


def delete_api_key(session: Session, user_id: int, provider: str) -> bool:
    """Forget the key; True when there was one."""
    result = session.execute(
        delete(APIKey).where(APIKey.user_id == user_id, APIKey.provider == provider)
    )
    return bool(result.rowcount)


# --- usage -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelUsage:
    """Per-model totals for the dashboard."""

    model: str
    calls: int
    tokens_in: int
    tokens_out: int
    mean_latency_ms: float
    mean_first_token_ms: float | None
    cache_hits: int
    errors: int
    cost: float


def record_usage(session: Session, **fields: Any) -> UsageRecord:
    """Add one UsageRecord (fields as in the model: model, provider, tokens_in, …)."""
    record = UsageRecord(**fields)
    session.add(record)
    session.flush()
    return record


def usage_summary(session: Session, *, since: datetime | None = None) -> list[ModelUsage]:
    """Calls, tokens, mean latency, cache hits, errors and cost per model, by model name."""
    r = UsageRecord
    query = (
        select(
            r.model,
            func.count(),
            func.coalesce(func.sum(r.tokens_in), 0),
            func.coalesce(func.sum(r.tokens_out), 0),
            func.avg(r.latency_ms),
            func.avg(r.first_token_ms),
            func.sum(case((r.cache_hit, 1), else_=0)),
            func.sum(case((r.status == UsageStatus.ERROR, 1), else_=0)),
            func.coalesce(func.sum(r.cost), 0.0),
        )
        .group_by(r.model)
        .order_by(r.model)
    )
    if since is not None:
        query = query.where(r.created_at >= since)
    return [
        ModelUsage(
            model=model,
            calls=int(calls),
            tokens_in=int(t_in),
            tokens_out=int(t_out),
            mean_latency_ms=float(latency or 0),
            cache_hits=int(hits),
            errors=int(errors),
            mean_first_token_ms=None if first is None else float(first),
            cost=float(cost),
        )
        for model, calls, t_in, t_out, latency, first, hits, errors, cost in session.execute(query)
    ]


# --- wizard ------------------------------------------------------------------------------


def create_wizard_session(
    session: Session, user_id: int, job_id: str, *, language: str, project_id: int | None = None
) -> WizardSession:
    """Start a wizard pass for `job_id` (no answers yet)."""
    wizard = WizardSession(
        user_id=user_id, job_id=job_id, language=language, project_id=project_id, answers={}
    )
    session.add(wizard)
    session.flush()
    return wizard


def save_answer(
    session: Session, wizard_session_id: int, question_id: str, value: Any, current_step: int
) -> WizardSession:
    """Record one answer and the step reached, and COMMIT at once.

    This commits (unlike the other functions) because the design promises every answer
    is saved the moment it is given: a crash or closed tab on the next question must not
    lose it. The row is re-read (locked on PostgreSQL) so answers saved by another
    session in the meantime are kept, not overwritten by a stale copy.
    """
    wizard = session.get(
        WizardSession, wizard_session_id, with_for_update=True, populate_existing=True
    )
    if wizard is None:
        raise NotFound(f"wizard session {wizard_session_id} does not exist")
    wizard.answers = {
        **wizard.answers,
        question_id: value,
    }  # new dict: JSON is not mutation-tracked
    wizard.current_step = current_step
    session.commit()
    return wizard


# --- executions --------------------------------------------------------------------------


def start_execution(
    session: Session,
    *,
    kind: str,
    goal: str,
    project_id: int | None = None,
    session_id: int | None = None,
) -> Execution:
    """A RUNNING execution, committed at once so a crash still leaves its trace."""
    execution = Execution(
        kind=kind,
        goal=goal,
        project_id=project_id,
        session_id=session_id,
        status=ExecutionStatus.RUNNING,
        started_at=utcnow(),
    )
    session.add(execution)
    session.commit()
    return execution


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

    Commits: each attempt of a long generation is kept even if a later one crashes.
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
    session.commit()
    return substep


def finish_execution(
    session: Session,
    execution_id: int,
    *,
    status: ExecutionStatus,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> Execution:
    """Close an execution with its outcome (COMPLETED or FAILED) and commit."""
    execution = session.get(Execution, execution_id)
    if execution is None:
        raise NotFound(f"execution {execution_id} does not exist")
    execution.status = status
    execution.ended_at = utcnow()
    execution.result = result
    execution.error = error
    session.commit()
    return execution


def interrupt_stale_executions(session: Session, *, started_before: datetime) -> int:
    """Close executions still RUNNING that began before `started_before` (a crash or a
    restart ended them: nothing will ever finish them) as FAILED "interrupted"; commits.

    Returns how many were closed. Only safe where runs live in the calling process
    (the embedded set-up): with several app processes sharing one database, a run
    started by another process may still be going.
    """
    result = session.execute(
        update(Execution)
        .where(Execution.status == ExecutionStatus.RUNNING, Execution.started_at < started_before)
        .values(status=ExecutionStatus.FAILED, error=INTERRUPTED, ended_at=utcnow())
    )
    session.commit()
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
    session.commit()
    return artifact


# --- conversations -----------------------------------------------------------------------


def create_conversation(
    session: Session, user_id: int, *, title: str = "", agent_id: int | None = None
) -> Conversation:
    """A new, empty conversation."""
    conversation = Conversation(user_id=user_id, title=title[:200], agent_id=agent_id)
    session.add(conversation)
    session.flush()
    return conversation


def list_conversations(session: Session, user_id: int, *, limit: int = 50) -> list[Conversation]:
    """The user's conversations, most recently active first."""
    query = (
        select(Conversation)
        .where(Conversation.user_id == user_id)
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def add_message(
    session: Session,
    conversation_id: int,
    *,
    sender: str,
    content: str,
    type: MessageType | str = MessageType.TEXT,  # noqa: A002 - matches the column name
) -> Message:
    """Append a message and mark the conversation as active now."""
    message = Message(
        conversation_id=conversation_id, sender=sender, content=content, type=MessageType(type)
    )
    session.add(message)
    session.execute(
        update(Conversation).where(Conversation.id == conversation_id).values(updated_at=utcnow())
    )
    session.flush()
    return message


def list_messages(session: Session, conversation_id: int) -> list[Message]:
    """All messages of a conversation, oldest first."""
    query = select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
    return list(session.scalars(query))


# --- agents ------------------------------------------------------------------------------

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
    insert = _insert(session, Agent).values(owner_id=owner_id, name=name, **fields)
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
