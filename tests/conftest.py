"""Shared fixtures: every test gets its own state dir; model files are assembled once.

The assembled GGUF models live in `.state-test/models` (git-ignored) so repeated test
runs reuse them instead of re-joining ~0.5 GB of chunks.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support_system.core.settings import PROJECT_ROOT, Settings, get_settings

TEST_MODEL_DIR = PROJECT_ROOT / ".state-test" / "models"
VNU_SERVICE = "SUPPORT_SYSTEM_CHECKS__VNU_URL"
_VNU_KEY: pytest.StashKey[Any] = pytest.StashKey()


def pytest_configure(config: pytest.Config) -> None:
    """One vnu service for the whole run (`checks.vnu_url`), started by the controller
    before its workers (which, and the apps the tests start, inherit the variable).

    Hundreds of generated pages are checked in a run; a java start each costs about a
    second. Until the service answers (about 5 s) checks use the command line, which is
    also what the vnu tests of tests/integration/generators/test_checks_html.py run.
    """
    # Routing explores (tries another model now and then) for people; tests need the same
    # choice every time. Exploration has its own test (tests/unit/routing).
    os.environ.setdefault("SUPPORT_SYSTEM_ROUTING__EXPLORE", "0")
    if hasattr(config, "workerinput") or os.environ.get(VNU_SERVICE):
        return
    from support_system.core.errors import SupportSystemError
    from support_system.generators.checks.vnu import VnuServer

    try:
        service = VnuServer().start(wait=False)
    except (SupportSystemError, OSError):  # no java: the checks' own tests say so clearly
        return
    config.stash[_VNU_KEY] = service
    os.environ[VNU_SERVICE] = service.url


def pytest_unconfigure(config: pytest.Config) -> None:
    service = config.stash.get(_VNU_KEY, None)
    if service is not None:
        service.close()
        os.environ.pop(VNU_SERVICE, None)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings pointing at a fresh state dir (SQLite inside it) for this test."""
    monkeypatch.setenv("SUPPORT_SYSTEM_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("SUPPORT_SYSTEM_MODEL_DIR", str(TEST_MODEL_DIR))
    monkeypatch.delenv("SUPPORT_SYSTEM_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head per test process, copied by `db` for each test.

    Running every migration costs about 0.1 s, and hundreds of tests need a database; a
    file copy is a hundred times cheaper and gives the same schema (the migration tests
    still migrate for real). The copy is seeded with routing's recorded outcomes, as the
    app's first routing choice would do.
    """
    from support_system.data.migrate import upgrade
    from support_system.routing.service import seed

    path = tmp_path_factory.mktemp("template") / "support_system.db"
    upgrade(f"sqlite:///{path}")
    seed(f"sqlite:///{path}")  # the routing statistics a new installation starts from
    return path


@pytest.fixture
def db(settings: Settings, migrated_sqlite: Path) -> Iterator[Settings]:
    """A migrated database (SQLite in the per-test state dir unless the URL says otherwise)."""
    from support_system.data.db import reset_engine_cache, sqlite_file
    from support_system.data.migrate import upgrade

    reset_engine_cache()
    target = sqlite_file(settings.effective_database_url)
    if target is not None and not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(migrated_sqlite, target)
    else:
        upgrade()
    yield settings
    reset_engine_cache()


@pytest.fixture
def extra_models(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Add registry entries for one test: `extra_models([{...}, …])` → new Settings."""
    import yaml

    def add(entries: list[dict]) -> Settings:
        shipped = yaml.safe_load(
            (PROJECT_ROOT / "config" / "models.yaml").read_text(encoding="utf-8")
        )
        path = tmp_path / "models.yaml"
        path.write_text(yaml.safe_dump({"models": shipped["models"] + entries}), encoding="utf-8")
        monkeypatch.setenv("SUPPORT_SYSTEM_MODELS_FILE", str(path))
        get_settings.cache_clear()
        return get_settings()

    return add


@pytest.fixture(scope="session")
def smol_gguf() -> Path:
    """The registry's SmolLM2 file, for tests that start a real model server on it."""
    from support_system.ai import get_registry
    from support_system.ai.model_files import model_path

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SUPPORT_SYSTEM_MODEL_DIR", str(TEST_MODEL_DIR))
        get_settings.cache_clear()
        try:
            return model_path(get_registry().get("smollm2-135m"))
        finally:
            get_settings.cache_clear()


def usage_records() -> list:
    """All UsageRecords, oldest first (reads through the app's own engine)."""
    from sqlalchemy import select

    from support_system.data.db import session_scope
    from support_system.data.schema import UsageRecord

    with session_scope() as session:
        rows = session.scalars(select(UsageRecord).order_by(UsageRecord.id)).all()
        session.expunge_all()
        return list(rows)
