"""Migrations: empty → head, idempotent, concurrent-safe, and identical to the models."""

from __future__ import annotations

import threading

import pytest
from alembic import command
from sqlalchemy import inspect, text

from support_system.accounts.preferences import Preferences, load_preferences, update_preferences
from support_system.core.errors import ConfigError
from support_system.data.db import get_engine, make_engine, session_scope
from support_system.data.migrate import (
    current_revision,
    head_revision,
    make_config,
    schema_diff,
    upgrade,
)
from support_system.data.schema import Base, User


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_to_head_is_idempotent(db_url: str) -> None:
    assert current_revision(db_url) is None
    assert upgrade(db_url) == db_url
    assert current_revision(db_url) == head_revision()
    assert _tables(db_url) == set(Base.metadata.tables) | {"alembic_version"}

    upgrade(db_url)  # every app start calls it again
    assert current_revision(db_url) == head_revision()


def test_upgrade_defaults_to_the_configured_database(db_url: str) -> None:
    upgrade()
    assert current_revision(db_url) == head_revision()


def test_database_tables_match_the_models(migrated_url: str) -> None:
    assert schema_diff(migrated_url) == []


def test_two_processes_starting_at_once_both_succeed(db_url: str) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            upgrade(db_url)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert current_revision(db_url) == head_revision()


def test_downgrade_to_empty_and_back(migrated_url: str) -> None:
    command.downgrade(make_config(migrated_url), "base")  # env.py opens its own connection
    assert _tables(migrated_url) == {"alembic_version"}
    upgrade(migrated_url)
    assert schema_diff(migrated_url) == []


def _skill_tables(url: str) -> dict[str, dict[str, object]]:
    """What the two skill tables look like: columns, keys, indexes and constraints."""
    engine = make_engine(url)
    try:
        inspector = inspect(engine)
        return {
            table: {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
                ],
                "pk": inspector.get_pk_constraint(table),
                "fks": sorted(inspector.get_foreign_keys(table), key=lambda fk: fk["name"]),
                "indexes": sorted(inspector.get_indexes(table), key=lambda ix: ix["name"]),
                "unique": sorted(inspector.get_unique_constraints(table), key=lambda u: u["name"]),
            }
            for table in ("skill_definitions", "assistant_skills")
        }
    finally:
        engine.dispose()


def test_dropping_the_skill_tables_downgrades_to_what_0001_created(db_url: str) -> None:
    config = make_config(db_url)
    command.upgrade(config, "0002")
    as_created = _skill_tables(db_url)
    command.upgrade(config, "0003")
    assert not {"skill_definitions", "assistant_skills"} & _tables(db_url)
    command.downgrade(config, "0002")
    assert _skill_tables(db_url) == as_created
    upgrade(db_url)
    assert schema_diff(db_url) == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(settings) -> None:
    upgrade()
    with get_engine().connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_sqlite_parent_directory_is_created(tmp_path) -> None:
    path = tmp_path / "deep" / "er" / "app.db"
    upgrade(f"sqlite:///{path}")
    assert path.is_file()


def test_unreachable_database_is_a_config_error_without_the_password() -> None:
    url = "postgresql+psycopg://someone:hunter2-secret@127.0.0.1:1/nothing"
    with pytest.raises(ConfigError) as caught:
        upgrade(url)
    for lang in ("ja", "en"):
        shown = caught.value.message(lang)
        assert "127.0.0.1" in shown and "hunter2-secret" not in shown


def test_upgrade_from_0001_keeps_existing_users_and_their_preferences(db_url: str) -> None:
    command.upgrade(make_config(db_url), "0001")  # env.py opens its own connection
    assert current_revision(db_url) == "0001"
    with get_engine().begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (username, display_name, role, created_at)"
                " VALUES ('old', 'Old user', 'user', CURRENT_TIMESTAMP)"
            )
        )

    upgrade(db_url)
    assert current_revision(db_url) == head_revision()
    with session_scope() as session:
        old = session.query(User).filter_by(username="old").one()
        assert (old.display_name, old.preferences) == ("Old user", {})
        old_id = old.id
    assert load_preferences(old_id) == Preferences()
    assert update_preferences(old_id, theme="dark").theme == "dark"
