"""Whose knowledge-base documents a person may read and change (accounts mode).

Documents live in scopes: "global" (shared by everyone; only admins change them) and
"project:N" (one project's, its owner's). Admins and the local user reach every scope.
The API and the Knowledge page both ask here, so the rule is written once.
"""

from __future__ import annotations

from support_system.accounts.principal import Principal
from support_system.data import repositories as repo
from support_system.data.db import session_scope
from support_system.rag.ingest import GLOBAL_SCOPE, project_scope


def knowledge_scopes(principal: Principal) -> list[str] | None:
    """The knowledge-base scopes the principal may read: the shared ("global") documents
    and their own projects' (None = every scope, for admins and the local user)."""
    if principal.is_admin:
        return None
    with session_scope() as session:
        projects = repo.list_user_projects(session, principal.user_id)
        return [GLOBAL_SCOPE, *(project_scope(p.id) for p in projects)]


def may_change_knowledge(principal: Principal, scope: str) -> bool:
    """Admins change every document; a user only their own projects' (never the shared)."""
    scopes = knowledge_scopes(principal)
    return scopes is None or (scope in scopes and scope.startswith("project:"))
