"""What the tests of several processes share: waiting for a condition, and the database.

The processes themselves are started by `support_system.operations.cluster` (the same
code as the `cluster` command), so the tests prove the documented set-up.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx


def wait_for(what: str, check: Callable[[], Any], timeout: float, interval: float = 0.2) -> Any:
    """`check()`'s first truthy value; connection errors count as "not yet"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError, OSError):
            value = check()
            if value:
                return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@contextlib.contextmanager
def database() -> Iterator[str | None]:
    """A fresh database on the test PostgreSQL when the run has one, else None (SQLite
    in the state dir)."""
    if not os.environ.get("SUPPORT_SYSTEM_TEST_POSTGRES_URL", "").strip():
        yield None
        return
    from tests.integration.data.conftest import fresh_postgres_database

    with fresh_postgres_database() as url:
        yield url
