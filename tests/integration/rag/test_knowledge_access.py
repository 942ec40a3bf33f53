"""Who reads and changes which knowledge-base scope (`rag.access`), on a real database."""

from __future__ import annotations

from support_system.accounts.principal import ALL, Principal
from support_system.data import repositories as repo
from support_system.data.db import session_scope
from support_system.data.schema import Role, User


def _user(name: str, role: Role = Role.USER) -> Principal:
    with session_scope() as session:
        user = User(username=name, role=role)
        session.add(user)
        session.flush()
        return Principal(user.id, name, role, frozenset({ALL}), "access")


def test_users_read_the_shared_and_their_projects_and_change_only_their_projects(db) -> None:
    from support_system.rag.access import knowledge_scopes, may_change_knowledge

    admin, ann, ben = _user("aiko", Role.ADMIN), _user("ann"), _user("ben")
    with session_scope() as session:
        mine = repo.create_project_row(session, ann.user_id, "Ann's shop").id
    assert knowledge_scopes(admin) is None
    assert knowledge_scopes(ann) == ["global", f"project:{mine}"]
    assert knowledge_scopes(ben) == ["global"]
    assert may_change_knowledge(ann, f"project:{mine}")
    assert not may_change_knowledge(ann, "global")
    assert not may_change_knowledge(ben, f"project:{mine}")
    assert may_change_knowledge(admin, "global") and may_change_knowledge(admin, f"project:{mine}")
    script = Principal(ann.user_id, "ann", Role.USER, frozenset({"read"}), "personal")
    assert knowledge_scopes(script) == ["global", f"project:{mine}"]
