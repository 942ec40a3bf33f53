"""Request and response bodies of the API (pydantic), shared by the routers.

Inputs are bounded everywhere (string lengths, id ranges, list sizes): the schema is what
clients and the generated property tests read, and an unbounded field is a request the
database or the password hasher would choke on. Text fields refuse NUL characters and
lone surrogates, which JSON can carry but neither PostgreSQL nor UTF-8 can store.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from support_system.core.languages import Language

MAX_ID = 2_147_483_647  # a 32-bit INTEGER column on PostgreSQL; larger ids cannot exist


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


def Text(max_length: int, min_length: int = 0) -> Any:  # noqa: N802 - reads like a type
    """A storable string of bounded length (see the module docstring)."""
    return Annotated[
        str,
        Field(min_length=min_length, max_length=max_length),
        AfterValidator(_storable),
    ]


Id = Annotated[int, Path(ge=1, le=MAX_ID)]
UserIdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Scope = Literal["read", "write", "generate", "chat", "admin"]
RoleName = Literal["admin", "user"]
Provider = Literal["openai", "anthropic", "openai_compatible"]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Bilingual(BaseModel):
    ja: str
    en: str


# --- auth and me --------------------------------------------------------------------------


class RegisterIn(BaseModel):
    username: Text(50, 1)
    password: Text(256, 1)
    display_name: Text(200) = ""
    invite_code: Text(100) | None = None


class LoginIn(BaseModel):
    username: Text(100, 1)
    password: Text(256, 1)


class RefreshIn(BaseModel):
    refresh_token: Text(200, 1)


class TokenPairOut(_Out):
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"


class UserOut(_Out):
    id: int
    username: str
    display_name: str
    role: RoleName
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None


class MeOut(BaseModel):
    id: int
    username: str
    role: RoleName
    scopes: list[str]
    via: Literal["access", "personal", "local"]


class PasswordChangeIn(BaseModel):
    old_password: Text(256, 1)
    new_password: Text(256, 1)


# --- projects and task agents -------------------------------------------------------------


class ProjectIn(BaseModel):
    name: Text(200, 1)
    description: Text(5000) = ""


class ProjectPatch(BaseModel):
    name: Text(200, 1) | None = None
    description: Text(5000) | None = None


class ProjectOut(_Out):
    id: int
    owner_id: int
    name: str
    description: str
    created_at: datetime
    updated_at: datetime


Configuration = Annotated[dict[Text(100, 1), Any], Field(max_length=100)]


class TaskAgentIn(BaseModel):
    name: Text(100, 1)
    job_id: Text(100, 1)
    persona: Text(100) = ""
    configuration: Configuration = {}


class TaskAgentPatch(BaseModel):
    name: Text(100, 1) | None = None
    job_id: Text(100, 1) | None = None
    persona: Text(100) | None = None
    configuration: Configuration | None = None


class TaskAgentOut(_Out):
    id: int
    project_id: int
    name: str
    persona: str
    job_id: str
    configuration: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class ExecuteIn(BaseModel):
    model: Text(100, 1) | None = Field(
        None, description="A model registry name; default: settings."
    )
    lang: Language | None = Field(None, description="Language of the result; default: settings.")
    attempts: int = Field(3, ge=1, le=5, description="Model attempts before the template is used.")


class ExecutionAccepted(BaseModel):
    execution_id: int
    status: str


# --- executions ---------------------------------------------------------------------------


class SubstepOut(_Out):
    position: int
    title: str
    status: str
    started_at: datetime | None
    ended_at: datetime | None


class ExecutionOut(_Out):
    id: int
    kind: str
    goal: str
    status: str
    project_id: int | None
    task_agent_id: int | None
    started_at: datetime | None
    ended_at: datetime | None
    result: dict[str, Any] | None
    error: str | None
    substeps: list[SubstepOut] = []


class ProgressEvent(BaseModel):
    kind: str
    seconds: float = Field(description="Seconds after the run started.")


class ExecutionStatusOut(BaseModel):
    id: int
    status: str
    running: bool = Field(description="True while this server is still working on it.")
    started_at: datetime | None
    ended_at: datetime | None
    error: str | None
    events: list[ProgressEvent] = []


# --- tokens and provider keys -------------------------------------------------------------


class TokenIn(BaseModel):
    name: Text(100, 1)
    scopes: list[Scope] = Field(min_length=1, max_length=5)
    expires_days: int | None = Field(None, ge=1, le=3650)


class TokenOut(_Out):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(BaseModel):
    token: str = Field(description="Shown this once: only its hash is stored.")
    info: TokenOut


class ApiKeyIn(BaseModel):
    key: Text(500, 1)


class ApiKeyOut(_Out):
    provider: str
    key_hint: str
    created_at: datetime


# --- jobs and usage -----------------------------------------------------------------------


class JobOut(BaseModel):
    id: str
    kind: str
    icon: str
    title: Bilingual
    description: Bilingual


class QuestionOut(BaseModel):
    id: str
    type: str
    required: bool
    label: Bilingual
    has_default: bool


class JobDetail(JobOut):
    questions: list[QuestionOut]


class UsageRowOut(_Out):
    day: date
    model: str
    calls: int
    errors: int
    tokens_in: int
    tokens_out: int
    cost: float


class UsageOut(BaseModel):
    user_id: int | None = Field(description="Whose usage; null = everyone's (admins only).")
    since: date
    rows: list[UsageRowOut]
    tokens_in: int
    tokens_out: int
    cost: float


# --- admin --------------------------------------------------------------------------------


class UserPatch(BaseModel):
    role: RoleName | None = None
    disabled: bool | None = None


class PasswordResetIn(BaseModel):
    password: Text(256, 1)


class InviteIn(BaseModel):
    role: RoleName = "user"
    days: int = Field(7, ge=1, le=90)


class InviteOut(BaseModel):
    code: str = Field(description="Shown this once: only its hash is stored.")
    role: RoleName
    days: int


class AuditOut(_Out):
    id: int
    created_at: datetime
    event: str
    ok: bool
    actor_id: int | None
    actor: str
    target: str
    client: str
    detail: dict[str, Any]


# --- system -------------------------------------------------------------------------------


class HealthOut(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    version: str
    auth_mode: Literal["local", "accounts"]
