"""How much memory does each embedded model hold, and does the budget keep them apart?

Loads every embedded model of the registry that is installed, one after another, in its
real worker process (`support_system.ai.model_process`), and prints the worker's resident
set size (VmRSS) after loading and after one short answer, then the sum with all of them
loaded at once. Then it repeats the sequence under a budget that fits only one model at a
time and prints which models were unloaded to make room. Figures only; nothing asserts.

    .venv/bin/python bench/model_memory.py [--budget-mb 900]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget-mb", type=int, default=900, help="the tight budget")
    args = parser.parse_args()
    os.environ["SUPPORT_SYSTEM_STATE_DIR"] = tempfile.mkdtemp(prefix="bench-memory-")
    os.environ.setdefault("SUPPORT_SYSTEM_MODEL_DIR", str(ROOT / ".state-test" / "models"))
    os.environ["SUPPORT_SYSTEM_LLM__MEMORY_BUDGET_MB"] = "100000"

    from support_system.ai import generate, get_registry, providers
    from support_system.ai.model_process import stop_all
    from support_system.core.settings import get_settings
    from support_system.data.migrate import upgrade
    from support_system.routing.service import is_available

    upgrade()  # usage is recorded for every answer

    models = [
        spec for spec in get_registry().models if spec.provider == "embedded" and is_available(spec)
    ]
    print(
        f"{'model':<22} {'file MB':>8} {'load s':>7} {'RSS loaded MB':>14} {'RSS answered MB':>16}"
    )
    total = 0
    for spec in models:
        worker = providers.embedded_worker(spec)
        started = time.monotonic()
        worker.lock.acquire()
        try:
            worker._ensure_started()
        finally:
            worker.lock.release()
        loaded = worker.rss or 0
        load_seconds = time.monotonic() - started
        generate("Say yes.", spec.name, max_tokens=4, cache=False, fallback=False)
        answered = worker.rss or 0
        total += answered
        size = worker.key.path.stat().st_size
        print(
            f"{spec.name:<22} {size / 2**20:8.0f} {load_seconds:7.1f} "
            f"{loaded / 2**20:14.0f} {answered / 2**20:16.0f}"
        )
    print(f"all {len(models)} loaded at once: {total / 2**20:.0f} MB resident")

    stop_all()
    os.environ["SUPPORT_SYSTEM_LLM__MEMORY_BUDGET_MB"] = str(args.budget_mb)
    get_settings.cache_clear()
    print(f"\nbudget {args.budget_mb} MB, each model asked in turn, twice:")
    for spec in [*models, *models]:
        generate("Say yes.", spec.name, max_tokens=4, cache=False, fallback=False)
        loaded = [w.model for w in providers_workers() if w.alive]
        held = sum(w.rss or 0 for w in providers_workers() if w.alive)
        print(f"  asked {spec.name:<22} loaded now: {', '.join(loaded):<45} {held / 2**20:6.0f} MB")
    stop_all()


def providers_workers() -> list:
    from support_system.ai.model_process import workers

    return workers()


if __name__ == "__main__":
    main()
