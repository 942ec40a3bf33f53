"""Personal API tokens for scripts: create (the token is shown once), list, revoke.

Only a signed-in person makes tokens — never a script with a token of its own, which
could otherwise mint itself wider or longer-lived ones — and a token carries only the
scopes asked for. Someone else's token id answers 404, like a missing one.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from support_system.accounts import tokens
from support_system.api.deps import Client, Reader, Writer, interactive
from support_system.api.models import Id, TokenCreated, TokenIn, TokenOut
from support_system.core.errors import NotFound

router = APIRouter(prefix="/api/tokens", tags=["tokens"])


@router.get("", response_model=list[TokenOut])
def list_tokens(caller: Reader) -> list[TokenOut]:
    """The caller's tokens, revoked ones included (never the tokens themselves)."""
    return [TokenOut.model_validate(info) for info in tokens.list_personal_tokens(caller.user_id)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TokenCreated)
def create_token(body: TokenIn, caller: Writer, client: Client) -> TokenCreated:
    """A new token with the given scopes; copy it now, it cannot be shown again."""
    interactive(caller)
    token, info = tokens.create_personal_token(
        caller.user_id,
        body.name,
        list(body.scopes),
        expires_days=body.expires_days,
        client=client,
    )
    return TokenCreated(token=token, info=TokenOut.model_validate(info))


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: Id, caller: Writer, client: Client) -> Response:
    """Revoke one of the caller's tokens: it stops working at once."""
    if not tokens.revoke_personal_token(caller.user_id, token_id, client=client):
        raise NotFound(f"token {token_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
