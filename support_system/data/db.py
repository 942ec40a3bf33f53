"""Engines and sessions: one place that knows how to talk to SQLite and PostgreSQL.

The app runs on a laptop with SQLite by default and on PostgreSQL when scaled out; both
go through `make_engine`, so the rest of the code never branches on the database. For
SQLite, every new connection is switched to WAL (readers never block the one writer, so
the UI stays responsive while a generation writes usage rows), foreign keys are enforced
(SQLite ignores them otherwise, and ON DELETE CASCADE would silently do nothing) and a
busy timeout makes a briefly locked database wait instead of failing at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from support_system.core.settings import get_settings

SQLITE_BUSY_TIMEOUT_MS = 5000

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def is_sqlite(url: str) -> bool:
    """True for any `sqlite://` / `sqlite+driver://` URL."""
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL, or None for in-memory databases and other backends."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if (
        database in ("", ":memory:")
        or database.startswith("file:")
        or parsed.query.get("mode") == "memory"
    ):
        return None
    return Path(database).expanduser().resolve()


def make_engine(url: str | None = None, **engine_options: Any) -> Engine:
    """A new Engine for `url` (default: the configured database); the caller owns and disposes it.

    `engine_options` are passed to `sqlalchemy.create_engine` (e.g. `poolclass`).
    """
    url = url or get_settings().effective_database_url
    if is_sqlite(url):
        path = sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **engine_options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # pre-ping: a server restart or an idle timeout must not surface as an error to a user.
    engine_options.setdefault("pool_pre_ping", True)
    return create_engine(url, **engine_options)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def get_engine() -> Engine:
    """The process-wide Engine for the configured database URL (one per URL, created lazily).

    Keyed by URL rather than cached once, so changing settings (tests do, per test) can
    never leave the app writing to a previous database.
    """
    url = get_settings().effective_database_url
    engine = _engines.get(url)
    if engine is None:
        with _engines_lock:
            engine = _engines.get(url)
            if engine is None:
                engine = _engines[url] = make_engine(url)
    return engine


def reset_engine_cache() -> None:
    """Dispose every cached Engine (tests call this between databases; files are closed)."""
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()


def shown_url(url: str) -> str:
    """The database URL as it may be shown or logged: the password hidden."""
    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A Session that commits when the block ends and rolls back if it raises.

    Objects stay readable after the block (`expire_on_commit=False`): pages and services
    return ORM rows to callers that no longer hold a session.
    """
    factory = sessionmaker(bind=engine or get_engine(), expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
