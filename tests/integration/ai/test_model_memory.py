"""Several embedded models within a memory budget (issue 14: lazy loading, the least
recently used model unloaded), on the real worker processes and real models.

The budget (`llm.memory_budget_mb`) is set so that SmolLM2 (about 0.1 GB) and
Qwen2.5-Coder 0.5B (about 0.6 GB) do not fit together but each fits alone. Each test has
a pool of its own (workers that earlier tests in this process started, possibly still
answering a background run, are neither counted nor stopped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from support_system.ai import generate, get_registry, model_process, providers
from support_system.ai.model_process import resident_bytes
from support_system.core.settings import get_settings

pytestmark = pytest.mark.model
SMOL, QWEN = "smollm2-135m", "qwen2.5-coder-0.5b"


def _worker(name: str):
    return providers.embedded_worker(get_registry().get(name))


def _ask(name: str) -> None:
    generate("Say yes.", name, max_tokens=2, cache=False, fallback=False)


@pytest.fixture(autouse=True)
def own_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(model_process, "_workers", {})
    yield
    for worker in model_process.workers():
        worker.stop()


@pytest.fixture
def budget(db, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int], None]]:
    def set_budget(megabytes: int) -> None:
        monkeypatch.setenv("SUPPORT_SYSTEM_LLM__MEMORY_BUDGET_MB", str(megabytes))
        get_settings.cache_clear()

    yield set_budget
    monkeypatch.delenv("SUPPORT_SYSTEM_LLM__MEMORY_BUDGET_MB", raising=False)
    get_settings.cache_clear()


def test_loading_a_model_past_the_budget_unloads_the_least_recently_used(budget) -> None:
    budget(640)
    _ask(SMOL)
    small = _worker(SMOL)
    assert small.alive and small.rss and small.rss < 400 * 2**20
    _ask(QWEN)  # 0.5B needs ~0.6 GB: SmolLM2 has to go
    qwen = _worker(QWEN)
    assert qwen.alive and not small.alive
    assert qwen.rss and resident_bytes(qwen.pid) == qwen.rss
    _ask(SMOL)  # and back: now the 0.5B model is the least recently used
    assert small.alive and not qwen.alive


def test_within_the_default_budget_both_stay_loaded(db) -> None:
    assert get_settings().llm.memory_budget_mb == 3072
    _ask(SMOL)
    _ask(QWEN)
    assert _worker(SMOL).alive and _worker(QWEN).alive


def test_a_busy_model_is_never_unloaded(budget) -> None:
    budget(256)  # nothing fits beside anything
    _ask(QWEN)
    qwen = _worker(QWEN)
    with qwen.lock:  # as while it answers someone
        _ask(SMOL)  # loads anyway (over budget, with a warning)
        assert qwen.alive and _worker(SMOL).alive
