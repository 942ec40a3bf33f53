"""Data-layer fixtures: every `db_url` test runs on SQLite and on PostgreSQL.

PostgreSQL comes from `SUPPORT_SYSTEM_TEST_POSTGRES_URL` (an account that may create
databases; `scripts/lib/postgres.sh` starts one). Each test gets a fresh database that is
dropped afterwards. With `SUPPORT_SYSTEM_TEST_POSTGRES=1` a missing or unreachable server
is an error, never a skip — CI must not go green without having tested PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from support_system.core.settings import Settings, get_settings
from support_system.data.db import reset_engine_cache

PG_URL_ENV = "SUPPORT_SYSTEM_TEST_POSTGRES_URL"
PG_REQUIRED_ENV = "SUPPORT_SYSTEM_TEST_POSTGRES"


@pytest.fixture(autouse=True)
def _no_secret_key_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose their own secret key; a developer's env must not change results."""
    monkeypatch.delenv("SUPPORT_SYSTEM_SECRET_KEY", raising=False)


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """CREATE DATABASE with a random name, yield its URL, DROP it afterwards."""
    admin_url = os.environ.get(PG_URL_ENV, "").strip()
    required = os.environ.get(PG_REQUIRED_ENV) == "1"
    if not admin_url:
        if required:
            pytest.fail(f"{PG_REQUIRED_ENV}=1 but {PG_URL_ENV} is not set", pytrace=False)
        pytest.skip(
            f"no PostgreSQL: set {PG_URL_ENV} (./scripts/test does, with {PG_REQUIRED_ENV}=1)"
        )
    shown = make_url(admin_url).render_as_string(hide_password=True)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"support_test_{secrets.token_hex(6)}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as exc:
        admin.dispose()
        pytest.fail(f"PostgreSQL at {shown} is unreachable: {exc.orig}", pytrace=False)
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        reset_engine_cache()  # close the app's pooled connections before dropping
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(
    request: pytest.FixtureRequest, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """An empty database (not migrated), also made the app's configured database."""

    def use(url: str) -> str:
        monkeypatch.setenv("SUPPORT_SYSTEM_DATABASE_URL", url)
        get_settings.cache_clear()
        reset_engine_cache()
        return url

    if request.param == "sqlite":
        yield use(settings.effective_database_url)
        reset_engine_cache()
    else:
        with fresh_postgres_database() as url:
            yield use(url)


@pytest.fixture
def migrated_url(db_url: str) -> str:
    """`db_url`, upgraded to the latest schema."""
    from support_system.data.migrate import upgrade

    upgrade(db_url)
    return db_url
