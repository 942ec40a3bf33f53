"""The caller's own account: who am I, and changing my password."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from support_system.accounts import signin
from support_system.api.deps import Client, Reader, Writer, interactive
from support_system.api.models import MeOut, PasswordChangeIn

router = APIRouter(prefix="/api/me", tags=["me"])


@router.get("", response_model=MeOut)
def me(caller: Reader) -> MeOut:
    """Who the token belongs to, its role, and what the token may do."""
    return MeOut(
        id=caller.user_id,
        username=caller.username,
        role=caller.role.value,
        scopes=sorted(caller.scopes),
        via=caller.via,
    )


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(body: PasswordChangeIn, caller: Writer, client: Client) -> Response:
    """Change one's own password (the current one is needed); other sign-ins end."""
    interactive(caller)
    signin.change_password(caller.user_id, body.old_password, body.new_password, client=client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
