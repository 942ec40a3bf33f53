"""The accounts tables on both databases: the audit log is append-only in the database
itself (triggers from migration 0004), and old executions get an owner on upgrade."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from support_system.data.db import make_engine
from support_system.data.migrate import make_config, upgrade


def test_audit_events_refuse_update_and_delete(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO audit_events"
                    " (created_at, event, ok, actor, target, client, detail) VALUES"
                    " (CURRENT_TIMESTAMP, 'login', true, 'aiko', '', '', '{}')"
                )
            )
        for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"):
            with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
                connection.execute(text(statement))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT actor FROM audit_events")).scalars().all() == [
                "aiko"
            ]
    finally:
        engine.dispose()


def test_upgrade_gives_old_executions_the_owner_of_their_session(db_url: str) -> None:
    command.upgrade(make_config(db_url), "0003")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO users (id, username, display_name, role, created_at, preferences)"
                " VALUES (1, 'local', 'Local', 'admin', CURRENT_TIMESTAMP, '{}'),"
                " (2, 'ben', 'Ben', 'user', CURRENT_TIMESTAMP, '{}')",
                "INSERT INTO projects (id, owner_id, name, description, created_at, updated_at)"
                " VALUES (1, 2, 'p', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                "INSERT INTO wizard_sessions (id, user_id, job_id, answers, current_step, status,"
                " language, created_at, updated_at) VALUES (1, 2, 'shop-page', '{}', 0,"
                " 'completed', 'en', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                "INSERT INTO executions (id, session_id, project_id, kind, goal, status) VALUES"
                " (1, 1, NULL, 'generate', '', 'completed'),"
                " (2, NULL, 1, 'auto', '', 'completed'),"
                " (3, NULL, NULL, 'auto', '', 'failed')",
            ):
                connection.execute(text(statement))
        upgrade(db_url)
        with engine.connect() as connection:
            owners = connection.execute(text("SELECT id, user_id FROM executions ORDER BY id"))
            assert owners.all() == [(1, 2), (2, 2), (3, 1)]
    finally:
        engine.dispose()
