"""Administration: users (role, disable, password reset, delete), invitations, the audit
trail. Every route needs an admin — the role, and the "admin" scope on a personal token.
The accounts core re-checks the role and audits each change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Query, Response, status

from support_system.accounts import audit, signin
from support_system.api.deps import Admin, Client
from support_system.api.models import (
    AuditOut,
    Id,
    InviteIn,
    InviteOut,
    PasswordResetIn,
    UserOut,
    UserPatch,
)
from support_system.data.schema import Role

router = APIRouter(prefix="/api/admin", tags=["admin"])

AUDIT_CSV = "text/csv; charset=utf-8"


def _utc(moment: datetime | None) -> datetime | None:
    """A time without a zone is taken as UTC, the only clock the database keeps."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@router.get("/users", response_model=list[UserOut])
def list_users(admin: Admin) -> list[UserOut]:
    return [UserOut.model_validate(info) for info in signin.list_users()]


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(user_id: Id, body: UserPatch, admin: Admin, client: Client) -> UserOut:
    """Change a user's role and/or turn the account off or on (audited)."""
    info = signin.get_user_info(user_id)  # NotFound before any change
    if body.role is not None:
        info = signin.set_role(admin, user_id, Role(body.role), client=client)
    if body.disabled is not None:
        info = signin.set_disabled(admin, user_id, body.disabled, client=client)
    return UserOut.model_validate(info)


@router.post("/users/{user_id}/password", status_code=status.HTTP_204_NO_CONTENT)
def reset_password(user_id: Id, body: PasswordResetIn, admin: Admin, client: Client) -> Response:
    """Set a new password for a user (unlocks the account; the user is signed out)."""
    signin.reset_password(admin, user_id, body.password, client=client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(user_id: Id, admin: Admin, client: Client) -> Response:
    """Delete an account and everything it owns (not the last admin)."""
    signin.delete_user(admin, user_id, client=client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/invites", status_code=status.HTTP_201_CREATED, response_model=InviteOut)
def create_invite(body: InviteIn, admin: Admin, client: Client) -> InviteOut:
    """A one-time invitation code (for when open registration is off)."""
    code = signin.create_invite(admin, role=Role(body.role), days=body.days, client=client)
    return InviteOut(code=code, role=body.role, days=body.days)


@router.get(
    "/audit",
    response_model=list[AuditOut],
    responses={200: {"content": {AUDIT_CSV: {"schema": {"type": "string"}}}}},
)
def audit_events(
    admin: Admin,
    client: Client,
    event: str | None = Query(None, max_length=50),
    actor: str | None = Query(None, max_length=100),
    ok: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = Query(500, ge=1, le=10_000),
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the query parameter's name
) -> list[AuditOut] | Response:
    """Security events, newest first, filtered; `format=csv` downloads them (audited)."""
    rows = audit.events(
        event=event, actor=actor, ok=ok, since=_utc(since), until=_utc(until), limit=limit
    )
    if format == "csv":
        audit.record(
            "export",
            actor_id=admin.user_id,
            actor=admin.username,
            target="audit",
            client=client,
            rows=len(rows),
        )
        return Response(
            audit.to_csv(rows),
            media_type=AUDIT_CSV,
            headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
        )
    return [AuditOut.model_validate(row) for row in rows]
