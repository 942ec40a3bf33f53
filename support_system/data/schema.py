"""The database schema as SQLAlchemy 2 typed models (the Alembic migrations follow these).

Portability rules, so one schema serves SQLite and PostgreSQL:
- JSON columns are `sa.JSON` (TEXT on SQLite, json on PostgreSQL). Assign a new
  list/dict to change one: in-place mutation is not tracked.
- Enums are stored as short strings (`native_enum=False`, no CHECK constraint): adding a
  member needs no migration and no `ALTER TYPE`.
- Timestamps are timezone-aware UTC in Python on both databases (`UTCDateTime`).
- Constraint names follow one naming convention, so batch migrations on SQLite can
  find and alter them.
Children that belong to a parent go with it (ON DELETE CASCADE); records that must outlive
what they point at (usage rows, execution history, chats with a deleted agent) keep the
row and lose the link (ON DELETE SET NULL).
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ENUM_LENGTH = 32

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC: the only clock the database sees."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that is always an aware UTC datetime in Python, on every database.

    SQLite has no time zone type and returns naive values; PostgreSQL returns the session's
    zone. Naive input is rejected rather than guessed, because a local time silently
    stored as UTC would shift every dashboard figure by hours.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EmptyJSONObject(sa.sql.expression.ColumnElement[Any]):
    """Server default `{}` for a JSON column, written as each database reports it back.

    PostgreSQL stores the default as `'{}'::json` and has no `=` for json, so Alembic's
    schema comparison (which asks the server whether two differing defaults are equal)
    fails on a plain `'{}'`. Rendering the cast ourselves makes both texts identical, and
    SQLite, which cannot parse the cast, gets the plain literal.
    """

    type = sa.JSON()
    inherit_cache = True


@compiles(EmptyJSONObject)
def _empty_json_object(_element: EmptyJSONObject, _compiler: Any, **_kw: Any) -> str:
    return "'{}'"


@compiles(EmptyJSONObject, "postgresql")
def _empty_json_object_postgresql(_element: EmptyJSONObject, _compiler: Any, **_kw: Any) -> str:
    return "'{}'::json"


def str_enum(enum_class: type[enum.Enum]) -> sa.Enum:
    """A portable string column for `enum_class`, storing the members' values."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=ENUM_LENGTH,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Role(enum.StrEnum):
    ADMIN = "admin"
    USER = "user"


class WizardStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class ExecutionStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class MessageType(enum.StrEnum):
    TEXT = "text"
    AUDIO = "audio"
    EVENT = "event"
    PARTIAL = "partial"  # a reply cut short by a model error; kept so nothing said is lost


class UsageStatus(enum.StrEnum):
    OK = "ok"
    ERROR = "error"


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: sa.JSON(),
        list[Any]: sa.JSON(),
        Role: str_enum(Role),
        WizardStatus: str_enum(WizardStatus),
        ExecutionStatus: str_enum(ExecutionStatus),
        MessageType: str_enum(MessageType),
        UsageStatus: str_enum(UsageStatus),
    }

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={getattr(self, 'id', None)!r}>"


def _fk(target: str, on_delete: str) -> sa.ForeignKey:
    return sa.ForeignKey(target, ondelete=on_delete)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(100), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200), default="")
    role: Mapped[Role] = mapped_column(default=Role.USER)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Sign-in state (accounts mode): a disabled user cannot sign in and their tokens stop
    # working; failed logins in a row slow down, then lock the account until locked_until.
    disabled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # UI preferences as stored; read them through `support_system.accounts.preferences`, which
    # validates and drops values it cannot use. The server default matches migration 0002
    # (rows that existed before it, and raw inserts, get "every preference at its default").
    preferences: Mapped[dict[str, Any]] = mapped_column(
        default=dict, server_default=EmptyJSONObject()
    )

    projects: Mapped[list[Project]] = relationship(
        back_populates="owner", cascade="all, delete-orphan", passive_deletes=True
    )


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(_fk("users.id", "CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship(back_populates="projects")


class Agent(Base):
    """A personality (from `config/agents/**.md`); owner None means a system agent."""

    __tablename__ = "agents"
    __table_args__ = (
        sa.UniqueConstraint("owner_id", "name"),
        # NULLs are distinct in a unique constraint: system agents need their own index.
        sa.Index(
            "uq_agents_system_name",
            "name",
            unique=True,
            sqlite_where=sa.text("owner_id IS NULL"),
            postgresql_where=sa.text("owner_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(_fk("users.id", "CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    gender: Mapped[str] = mapped_column(sa.String(50), default="")
    background: Mapped[str] = mapped_column(sa.Text, default="")
    personalities: Mapped[list[Any]] = mapped_column(default=list)
    roles: Mapped[list[Any]] = mapped_column(default=list)
    tones: Mapped[list[Any]] = mapped_column(default=list)
    skills: Mapped[list[Any]] = mapped_column(default=list)
    preferred_model: Mapped[str | None] = mapped_column(sa.String(100))
    language: Mapped[str | None] = mapped_column(sa.String(8))
    source_path: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WizardSession(Base):
    """One pass through the question wizard; `answers` maps question id → value."""

    __tablename__ = "wizard_sessions"
    __table_args__ = (sa.Index(None, "user_id", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(_fk("users.id", "CASCADE"))
    project_id: Mapped[int | None] = mapped_column(_fk("projects.id", "CASCADE"), index=True)
    job_id: Mapped[str] = mapped_column(sa.String(100))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    current_step: Mapped[int] = mapped_column(default=0)
    status: Mapped[WizardStatus] = mapped_column(default=WizardStatus.IN_PROGRESS)
    language: Mapped[str] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CustomJob(Base):
    """A job planned for one person's request (a custom page), kept as its definition
    so the wizard, Preview and a re-run read it like a catalogue job."""

    __tablename__ = "custom_jobs"

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    user_id: Mapped[int] = mapped_column(_fk("users.id", "CASCADE"), index=True)
    request: Mapped[str] = mapped_column(sa.Text)
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Artifact(Base):
    """A generated output (page, program, document) and the checks it passed."""

    __tablename__ = "artifacts"
    __table_args__ = (sa.UniqueConstraint("session_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(_fk("projects.id", "CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(_fk("wizard_sessions.id", "CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(50))
    version: Mapped[int] = mapped_column(default=1)
    path: Mapped[str] = mapped_column(sa.String(500))
    checks: Mapped[dict[str, Any]] = mapped_column(default=dict)
    checks_passed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaskAgent(Base):
    """A task agent of a project (API): a persona with a job and that job's answers.

    `persona` names an agent from `config/agents/` (empty = none); `configuration` holds
    the job's answers, as a wizard session would. Executing it makes an Execution.
    """

    __tablename__ = "task_agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(_fk("projects.id", "CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    persona: Mapped[str] = mapped_column(sa.String(100), default="")
    job_id: Mapped[str] = mapped_column(sa.String(100))
    configuration: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Execution(Base):
    """One auto/dialog-mode run; kept after its wizard session is gone (history, dashboard)."""

    __tablename__ = "executions"
    __table_args__ = (sa.Index(None, "status", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(_fk("projects.id", "CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        _fk("wizard_sessions.id", "SET NULL"), index=True
    )
    # Whose run it is (isolation between accounts); kept NULL only for rows from before 0004
    # that no session or project tied to a user.
    user_id: Mapped[int | None] = mapped_column(_fk("users.id", "CASCADE"), index=True)
    task_agent_id: Mapped[int | None] = mapped_column(_fk("task_agents.id", "SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(50))
    goal: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ExecutionStatus] = mapped_column(default=ExecutionStatus.PENDING)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(sa.Text)

    substeps: Mapped[list[Substep]] = relationship(
        back_populates="execution",
        order_by="Substep.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Substep(Base):
    __tablename__ = "substeps"
    __table_args__ = (sa.UniqueConstraint("execution_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    execution_id: Mapped[int] = mapped_column(_fk("executions.id", "CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[ExecutionStatus] = mapped_column(default=ExecutionStatus.PENDING)
    input: Mapped[dict[str, Any] | None]  # noqa: A003 - the column is called "input"
    output: Mapped[dict[str, Any] | None]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    execution: Mapped[Execution] = relationship(back_populates="substeps")


class FeedbackRecord(Base):
    """An evaluation of an execution (or one substep): its metrics, score and adjustments."""

    __tablename__ = "feedback_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    execution_id: Mapped[int] = mapped_column(_fk("executions.id", "CASCADE"), index=True)
    substep_id: Mapped[int | None] = mapped_column(_fk("substeps.id", "SET NULL"), index=True)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    score: Mapped[float | None] = mapped_column(sa.Double)
    adjustments: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (sa.Index(None, "user_id", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(_fk("users.id", "CASCADE"))
    agent_id: Mapped[int | None] = mapped_column(_fk("agents.id", "SET NULL"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation",
        order_by="Message.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Message(Base):
    """One turn; `sender` is "user", "assistant", "system" or an agent's name."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(_fk("conversations.id", "CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(sa.String(100))
    content: Mapped[str] = mapped_column(sa.Text)
    type: Mapped[MessageType] = mapped_column(default=MessageType.TEXT)  # noqa: A003
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")

    @property
    def is_partial(self) -> bool:
        """A reply cut short by a model error (shown with a note that it is incomplete)."""
        return self.type == MessageType.PARTIAL


class APIKey(Base):
    """A provider API key, Fernet-encrypted (see `data.secrets`); only a hint is readable."""

    __tablename__ = "api_keys"
    __table_args__ = (sa.UniqueConstraint("user_id", "provider"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(_fk("users.id", "CASCADE"))
    provider: Mapped[str] = mapped_column(sa.String(50))
    encrypted_key: Mapped[str] = mapped_column(sa.Text)
    key_hint: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:  # never the ciphertext: reprs end up in logs and tracebacks
        return (
            f"<APIKey id={self.id!r} user_id={self.user_id!r} "
            f"provider={self.provider!r} key_hint={self.key_hint!r}>"
        )


class UsageRecord(Base):
    """One model attempt (hit, success or failure): the dashboard's source of truth."""

    __tablename__ = "usage_records"
    __table_args__ = (sa.Index(None, "model", "created_at"), sa.Index(None, "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(_fk("users.id", "SET NULL"), index=True)
    model: Mapped[str] = mapped_column(sa.String(100))
    provider: Mapped[str] = mapped_column(sa.String(50))
    purpose: Mapped[str] = mapped_column(sa.String(50), default="chat")
    tokens_in: Mapped[int] = mapped_column(default=0)
    tokens_out: Mapped[int] = mapped_column(default=0)
    latency_ms: Mapped[int] = mapped_column(default=0)
    first_token_ms: Mapped[int | None]
    cost: Mapped[float] = mapped_column(sa.Double, default=0.0)
    cache_hit: Mapped[bool] = mapped_column(default=False)
    status: Mapped[UsageStatus] = mapped_column(default=UsageStatus.OK)
    error_type: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RefreshToken(Base):
    """One refresh token of the API (stored as a SHA-256 hash, never in clear).

    Tokens rotate: using one marks it `used_at` and issues the next in the same `family`.
    A used token presented again means it was stolen, so the whole family is revoked.
    """

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(_fk("users.id", "CASCADE"), index=True)
    family: Mapped[str] = mapped_column(sa.String(36), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class PersonalToken(Base):
    """A long-lived API token for scripts: hashed, scoped, revocable; `prefix` identifies it."""

    __tablename__ = "personal_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(_fk("users.id", "CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Invite(Base):
    """An admin's invitation to register while open registration is off (code hashed)."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[Role] = mapped_column(default=Role.USER)
    created_by: Mapped[int | None] = mapped_column(_fk("users.id", "SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_by: Mapped[int | None] = mapped_column(_fk("users.id", "SET NULL"))
    used_at: Mapped[datetime | None]


class AuditEvent(Base):
    """A security event, append-only (database triggers refuse UPDATE and DELETE).

    The actor is kept by id and by name without a foreign key: the trail must outlive the
    user, and a cascading SET NULL would be an update the triggers refuse.
    """

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index(None, "event", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    event: Mapped[str] = mapped_column(sa.String(50))
    ok: Mapped[bool] = mapped_column(default=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(sa.String(100), default="")
    target: Mapped[str] = mapped_column(sa.String(200), default="")
    client: Mapped[str] = mapped_column(sa.String(100), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class RoutingCluster(Base):
    """One k-means centre of past tasks' e5 vectors; outcomes are kept per cluster."""

    __tablename__ = "routing_clusters"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    centroid: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoutingOutcome(Base):
    """How one model did on one task (quality 0–1, seconds): what routing learns from.

    `source` is "seed" for the recorded bench outcomes the statistics start from, "live"
    for the app's own finished tasks."""

    __tablename__ = "routing_outcomes"
    __table_args__ = (sa.Index(None, "skill", "cluster", "model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    skill: Mapped[str] = mapped_column(sa.String(50))
    cluster: Mapped[int]
    model: Mapped[str] = mapped_column(sa.String(100))
    quality: Mapped[float] = mapped_column(sa.Double)
    seconds: Mapped[float] = mapped_column(sa.Double)
    source: Mapped[str] = mapped_column(sa.String(20), default="live")
    execution_id: Mapped[int | None] = mapped_column(_fk("executions.id", "SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoutingStat(Base):
    """The sums of routing_outcomes per skill, cluster and model, kept up to date on every
    outcome; rebuilt from the outcomes when a row is found damaged."""

    __tablename__ = "routing_stats"

    skill: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    cluster: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    model: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
    quality_sum: Mapped[float] = mapped_column(sa.Double, default=0.0)
    seconds_sum: Mapped[float] = mapped_column(sa.Double, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
