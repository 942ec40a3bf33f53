"""Sign-in for API clients: register, log in (a token pair), refresh, log out.

Login returns a short-lived access token (JWT) and a refresh token that works once:
each refresh hands out the next one, and a refresh token presented twice revokes its
whole family (`accounts.tokens`). Register, login and refresh are public and rate-limited
per client address; logout needs the access token and revokes the refresh family.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from support_system.accounts import signin, tokens
from support_system.api.deps import Caller, Client, PublicClient
from support_system.api.models import LoginIn, RefreshIn, RegisterIn, TokenPairOut, UserOut

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=UserOut)
def register(body: RegisterIn, client: PublicClient) -> UserOut:
    """Create an account (an invitation code is needed when open registration is off)."""
    info = signin.register(
        body.username,
        body.password,
        display_name=body.display_name,
        invite_code=body.invite_code,
        client=client,
    )
    return UserOut.model_validate(info)


@router.post("/login", response_model=TokenPairOut)
def login(body: LoginIn, client: PublicClient) -> TokenPairOut:
    """Check the password and hand out an access token and a refresh token."""
    user = signin.login(body.username, body.password, client=client)
    return TokenPairOut.model_validate(tokens.issue_tokens(user.id))


@router.post("/refresh", response_model=TokenPairOut)
def refresh(body: RefreshIn, client: PublicClient) -> TokenPairOut:
    """Trade a refresh token (once) for a new pair."""
    return TokenPairOut.model_validate(tokens.refresh(body.refresh_token, client=client))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(body: RefreshIn, caller: Caller, client: Client) -> Response:
    """Revoke the refresh token's family: it and every token rotated from it stop working."""
    tokens.revoke_refresh(body.refresh_token, client=client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
