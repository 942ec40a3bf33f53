"""Run the real command line in a child process, as a person would."""

from __future__ import annotations

import os
import subprocess
import sys

from support_system.core.settings import PROJECT_ROOT


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    prefix: list[str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """`python -m support_system ARGS` in the project folder; `prefix` wraps it (unshare)."""
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "support_system", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
    )
