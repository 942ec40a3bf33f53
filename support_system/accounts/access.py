"""Who may open what: a wizard session, a conversation, a project or an execution belongs
to one person; admins may open everyone's.

Pages take ids from the URL (`?s=12`, `?run=7`) and from the tab's state; before using
one they ask here. A foreign id is answered exactly like a missing one (False), so a
page cannot tell anyone that someone else's object exists. In local mode the single
local user is an admin, so nothing changes there.
"""

from __future__ import annotations

from support_system.accounts.principal import Principal
from support_system.data.db import session_scope
from support_system.data.repositories.dashboard import has_accounts, owner_of
from support_system.data.schema import Role

#: The roles an admin can give, in the order the Admin page offers them.
ROLES: tuple[Role, ...] = (Role.USER, Role.ADMIN)


def _may_open(principal: Principal, kind: str, object_id: int) -> bool:
    with session_scope() as session:
        exists, owner = owner_of(session, kind, object_id)
    if not exists:
        return False
    return principal.is_admin or (owner is not None and owner == principal.user_id)


def may_open_wizard_session(principal: Principal, session_id: int) -> bool:
    """True when the wizard session exists and is the principal's (or they are an admin)."""
    return _may_open(principal, "wizard_session", session_id)


def may_open_conversation(principal: Principal, conversation_id: int) -> bool:
    """True when the conversation exists and is the principal's (or they are an admin)."""
    return _may_open(principal, "conversation", conversation_id)


def may_open_project(principal: Principal, project_id: int) -> bool:
    """True when the project exists and is the principal's (or they are an admin)."""
    return _may_open(principal, "project", project_id)


def may_open_execution(principal: Principal, execution_id: int) -> bool:
    """True when the execution exists and is the principal's (or they are an admin).

    Runs from before owners were recorded (user_id NULL) are only for admins.
    """
    return _may_open(principal, "execution", execution_id)


def no_accounts_yet() -> bool:
    """True while nobody has registered: the first account to be made becomes the admin
    (the sign-in page says so)."""
    with session_scope() as session:
        return not has_accounts(session)
