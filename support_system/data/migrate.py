"""Schema migrations, run from code: `upgrade()` at every app start, no alembic.ini needed.

`upgrade` is idempotent and safe when two processes start at once (the UI and the API,
say): the run is serialised by a lock — a lock file beside a SQLite database, an advisory
lock on PostgreSQL — so a second process waits and then finds nothing to do.

New revisions after a model change:
    python -c "from support_system.data.migrate import new_revision as r; print(r('add x'))"
then review the generated file in `migrations/versions/` (autogenerate is a draft).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Enum, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.pool import NullPool

from support_system.core.errors import ConfigError
from support_system.core.settings import get_settings
from support_system.data import schema
from support_system.data.db import is_sqlite, make_engine, sqlite_file

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
PG_LOCK_KEY = 0x5355_5050  # "SUPP": any constant shared by every process of the app


def _url(url: str | None) -> str:
    return url or get_settings().effective_database_url


def _masked(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def make_config(url: str | None = None) -> Config:
    """An Alembic Config built in code, pointing at the packaged migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = _url(url)
    return config


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Write portable column types into revision files, not the app's Python types."""
    if type_ == "type" and isinstance(obj, schema.UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, Enum) and not obj.native_enum:
        return f"sa.String(length={obj.length})"
    return False


def _include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """Only look at our own tables: others in the same database (e.g. LangGraph's
    checkpoints) must never show up as "removed" in a new revision."""
    return type_ != "table" or name in schema.Base.metadata.tables


def context_options() -> dict[str, Any]:
    """Options for `context.configure`, shared by env.py and `schema_diff`.

    Batch mode is on for every database (not only SQLite) so that a revision generated
    against PostgreSQL still runs on SQLite, which cannot ALTER most things in place.
    """
    return {
        "target_metadata": schema.Base.metadata,
        "render_as_batch": True,
        "compare_type": True,
        "compare_server_default": True,
        "render_item": _render_item,
        "include_name": _include_name,
    }


@contextmanager
def _file_lock(url: str) -> Iterator[None]:
    path = sqlite_file(url)
    try:
        import fcntl
    except ImportError:  # Windows: no cross-process lock, single-process start assumed
        fcntl = None  # type: ignore[assignment]
    if path is None or fcntl is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".migrate-lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextmanager
def migration_connection(url: str | None = None) -> Iterator[Connection]:
    """A connection for running migrations: locked against concurrent runs, and on SQLite
    with foreign keys off — batch migrations recreate tables, and dropping a parent
    table with foreign keys on would cascade-delete its children's rows."""
    url = _url(url)
    engine = make_engine(url, poolclass=NullPool)
    postgres = engine.dialect.name == "postgresql"
    try:
        with _file_lock(url), _connect(engine, url) as connection:
            if is_sqlite(url):
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            elif postgres:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_LOCK_KEY})
            connection.commit()
            try:
                yield connection
            finally:
                if postgres:
                    connection.rollback()
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY}
                    )
                    connection.commit()
    finally:
        engine.dispose()


def _connect(engine: Engine, url: str) -> Connection:
    """Open a connection, turning "cannot reach the database" into a ConfigError a
    person can act on (the message names the URL without its password)."""
    try:
        return engine.connect()
    except (OperationalError, InterfaceError) as exc:
        first_line = (str(exc.orig or exc).strip().splitlines() or ["?"])[0]
        raise ConfigError(
            detail=f"database unreachable: {first_line}", source=_masked(url)
        ) from exc


def upgrade(url: str | None = None) -> str:
    """Bring the database at `url` (default: settings) to the latest schema; returns the URL.

    Creates the database file (SQLite) and every table on first use; does nothing when
    already at head. Raises ConfigError when the database cannot be reached.
    """
    url = _url(url)
    with migration_connection(url) as connection:
        config = make_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()
    return url


def current_revision(url: str | None = None) -> str | None:
    """The revision the database is at, or None for an empty (never migrated) database."""
    url = _url(url)
    engine = make_engine(url, poolclass=NullPool)
    try:
        with _connect(engine, url) as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(make_config()).get_current_head()


def schema_diff(url: str | None = None) -> list[Any]:
    """Differences between the database's tables and the models (empty list = in sync)."""
    url = _url(url)
    engine = make_engine(url, poolclass=NullPool)
    try:
        with _connect(engine, url) as connection:
            options = context_options()
            metadata = options.pop("target_metadata")
            context = MigrationContext.configure(connection, opts=options)
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def new_revision(message: str, url: str | None = None, *, autogenerate: bool = True) -> str:
    """Write a new revision file (autogenerated against the database at `url`, which
    must be at head) and return its path. For developers; review before committing."""
    url = _url(url)
    with migration_connection(url) as connection:
        config = make_config(url)
        config.attributes["connection"] = connection
        script = command.revision(config, message=message, autogenerate=autogenerate)
    scripts = script if isinstance(script, list) else [script]
    return str(scripts[0].path) if scripts and scripts[0] is not None else ""


__all__ = [
    "context_options",
    "current_revision",
    "head_revision",
    "make_config",
    "migration_connection",
    "new_revision",
    "schema_diff",
    "upgrade",
]
