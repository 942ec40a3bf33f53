"""Who is making a request, as every page and API route sees it after sign-in."""

from __future__ import annotations

from dataclasses import dataclass

from support_system.data.schema import Role

#: What a personal API token may be limited to. Access tokens and the local user have "*".
SCOPES = ("read", "write", "generate", "chat", "admin")
ALL = "*"


@dataclass(frozen=True)
class Principal:
    """The signed-in user of one request. `via` says how: "access" (a JWT from sign-in),
    "personal" (a script's API token, limited to its scopes), "session" (signed in on the
    Streamlit pages) or "local" (no sign-in)."""

    user_id: int
    username: str
    role: Role
    scopes: frozenset[str]
    via: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN and self.allows("admin")

    def allows(self, scope: str) -> bool:
        """True when this request may do `scope` ("read", "write", …)."""
        return ALL in self.scopes or scope in self.scopes
