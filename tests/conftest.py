"""Shared fixtures: every test gets its own state dir; model files are assembled once.

The assembled GGUF models live in `.state-test/models` (git-ignored) so repeated test
runs reuse them instead of re-joining ~0.5 GB of chunks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support_system.core.settings import PROJECT_ROOT, Settings, get_settings

TEST_MODEL_DIR = PROJECT_ROOT / ".state-test" / "models"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings pointing at a fresh state dir (SQLite inside it) for this test."""
    monkeypatch.setenv("SUPPORT_SYSTEM_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("SUPPORT_SYSTEM_MODEL_DIR", str(TEST_MODEL_DIR))
    monkeypatch.delenv("SUPPORT_SYSTEM_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def db(settings: Settings) -> Iterator[Settings]:
    """A migrated database (SQLite in the per-test state dir unless the URL says otherwise)."""
    from support_system.data.db import reset_engine_cache
    from support_system.data.migrate import upgrade

    reset_engine_cache()
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
