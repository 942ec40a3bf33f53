"""Who is calling, what they may do, and how often: the dependencies every route declares.

    @router.get("/things")
    def things(caller: Reader) -> …          # signed in, "read" scope, rate-limited

- `Authorization: Bearer <token>` → `accounts.tokens.principal_for` (an access JWT or a
  personal `sst_…` token). In `auth.mode: local` a request without a token is the local
  user, as the UI is; a token that is sent is still checked.
- A personal token only does what its scopes say: "read" for GET, "write" for changes,
  "generate" for runs, "admin" for admin routes (access tokens and the local user have all).
- Each signed-in request counts against the caller's requests-per-minute; the public
  sign-in routes count per client address instead, which also slows password guessing.

The dependency raises before the route body runs, so a refused request changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from support_system.accounts import tokens
from support_system.accounts.errors import PermissionDenied
from support_system.accounts.limits import Limits
from support_system.accounts.principal import Principal
from support_system.api.errors import AuthRequired, PersonalTokenRefused, ScopeMissing
from support_system.core.errors import NotFound
from support_system.core.settings import get_settings

_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BEARER = HTTPBearer(
    auto_error=False,
    description="An access token from /api/auth/login, or a personal token (sst_…).",
)
"""Declared so the OpenAPI schema (and /docs' Authorize button) shows how to sign in; the
header itself is read by `_principal`, which also refuses a malformed one."""


def client_address(request: Request) -> str:
    """The peer address for the audit trail and per-address limits (no proxy headers:
    they can be forged by anyone unless a trusted proxy is configured in uvicorn)."""
    return request.client.host if request.client else ""


def limits_of(request: Request) -> Limits:
    return request.app.state.limits


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return ""  # present but unusable: refused like a bad token, not treated as absent
    return token.strip()


def _principal(request: Request) -> Principal:
    client = client_address(request)
    token = _bearer(request)
    if token is None:
        if get_settings().auth.mode == "local":
            return tokens.local_principal()
        raise AuthRequired("no bearer token")
    if not token:
        raise AuthRequired("authorization header is not a bearer token")
    return tokens.principal_for(token, client=client)


def needs(scope: str | None = None) -> Callable[[Request], Principal]:
    """A dependency: the signed-in caller, allowed `scope` (default: read for GET and HEAD,
    write for changes), counted against their rate limit."""

    def dependency(
        request: Request,
        _documented: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
    ) -> Principal:
        principal = _principal(request)
        wanted = scope or ("write" if request.method in _WRITE_METHODS else "read")
        if not principal.allows(wanted):
            raise ScopeMissing(f"{principal.via} token without {wanted!r}", scope=wanted)
        if wanted == "admin" and not principal.is_admin:
            raise PermissionDenied(f"{principal.username} is not an admin", scope="admin")
        request.state.user_id = principal.user_id
        limits_of(request).hit(f"user:{principal.user_id}")
        return principal

    return dependency


def interactive(principal: Principal) -> Principal:
    """Refuse personal tokens for what only the person should do (their password, new
    tokens): a leaked script token must not be able to lock its owner out."""
    if principal.via == "personal":
        raise PersonalTokenRefused("personal tokens cannot do this")
    return principal


def per_address(request: Request) -> str:
    """A dependency for the public routes: rate-limited per client address."""
    client = client_address(request)
    limits_of(request).hit(f"ip:{client or 'unknown'}")
    return client


def owned(
    principal: Principal, owner_id: int | None, what: str, *, exists: bool | None = None
) -> None:
    """NotFound unless the object exists and the caller owns it or is an admin.

    `owner_id` None means "no such object", unless `exists` says otherwise (old rows
    without an owner, which only admins see). Someone else's object answers exactly like
    a missing one (404, same message), so ids cannot be probed to learn what exists.
    """
    found = owner_id is not None if exists is None else exists
    if not found or (not principal.is_admin and owner_id != principal.user_id):
        raise NotFound(what)


Reader = Annotated[Principal, Depends(needs("read"))]
Writer = Annotated[Principal, Depends(needs("write"))]
Caller = Annotated[Principal, Depends(needs())]
Generator = Annotated[Principal, Depends(needs("generate"))]
Admin = Annotated[Principal, Depends(needs("admin"))]
Client = Annotated[str, Depends(client_address)]
PublicClient = Annotated[str, Depends(per_address)]
