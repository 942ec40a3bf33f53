"""Alembic environment: migrates the tables of `support_system.data.schema.Base.metadata`.

The URL comes from the Config built by `support_system.data.migrate` (attribute "url",
or an open "connection"), else `sqlalchemy.url`, else the app settings — so there is no
alembic.ini to keep in sync with the app's configuration.
"""

from __future__ import annotations

from alembic import context

from support_system.core.settings import get_settings
from support_system.data.migrate import context_options, migration_connection

config = context.config


def _url() -> str:
    return (
        config.attributes.get("url")
        or config.get_main_option("sqlalchemy.url")
        or get_settings().effective_database_url
    )


def run_migrations_offline() -> None:
    """`--sql` mode: print the SQL instead of running it."""
    context.configure(
        url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"}, **context_options()
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:  # noqa: ANN001 - sqlalchemy.Connection
    context.configure(connection=connection, **context_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with migration_connection(_url()) as connection:
        _run(connection)
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
