"""Where LangGraph keeps auto mode's checkpoints: a SQLite file in the state dir, or the
app's PostgreSQL database when that is what the app uses (one place to back up)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from support_system.core.settings import Settings, get_settings


def sqlite_path(settings: Settings | None = None) -> Path:
    """`<state_dir>/auto/checkpoints.sqlite` (created on demand)."""
    path = (settings or get_settings()).state_dir / "auto" / "checkpoints.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _libpq_url(url: str) -> str | None:
    """A psycopg connection string for a PostgreSQL SQLAlchemy URL, else None."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return None
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def make_checkpointer(settings: Settings | None = None) -> Any:
    """A ready checkpointer (tables created); the caller keeps it for the process."""
    settings = settings or get_settings()
    conninfo = _libpq_url(settings.effective_database_url)
    if conninfo is not None:
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg import Connection
        from psycopg.rows import dict_row

        conn = Connection.connect(
            conninfo, autocommit=True, prepare_threshold=0, row_factory=dict_row
        )
        saver = PostgresSaver(conn)  # type: ignore[arg-type]
        saver.setup()
        return saver
    from langgraph.checkpoint.sqlite import SqliteSaver

    # check_same_thread=False is safe: SqliteSaver serialises access with its own lock.
    conn = sqlite3.connect(str(sqlite_path(settings)), check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    saver = SqliteSaver(conn)
    saver.setup()
    return saver
