"""A real `python -m llama_cpp.server` for the tests of server-backed models.

Started through `support_system.operations.processes` (the cluster's own way of running
a child with a log file), on a free port of 127.0.0.1, with a small context and one
thread so two can share CI's two cores.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from support_system.core.errors import SupportSystemError
from support_system.core.settings import PROJECT_ROOT
from support_system.operations.processes import free_port, http_ok, spawn, stop, wait_until

CHAT_PATH = "POST /v1/chat/completions"


class LlamaServer:
    """One server; `url` is its OpenAI-compatible base URL (…/v1)."""

    def __init__(self, gguf: Path, log: Path, *, n_ctx: int = 2048) -> None:
        self.port = free_port()
        self.log = log
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.service = spawn(
            "llama.cpp server",
            [
                sys.executable, "-m", "llama_cpp.server", "--model", str(gguf),
                "--host", "127.0.0.1", "--port", str(self.port),
                "--n_ctx", str(n_ctx), "--n_threads", "1",
                # Two requests at once queue instead of cutting the first answer short.
                "--interrupt_requests", "false",
            ],
            env={**os.environ, "PYTHONUNBUFFERED": "1"},  # the access log, line by line
            log=log,
            cwd=PROJECT_ROOT,
        )  # fmt: skip

    def output(self) -> str:
        return self.service.log_tail(4000) or "(no output)"

    def answered(self) -> int:
        """Chat requests this server accepted (its uvicorn access log lines)."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return sum(CHAT_PATH in line and " 200" in line for line in text.splitlines())

    def wait_until_ready(self, seconds: float = 60) -> None:
        try:
            wait_until(self.service, lambda: http_ok(f"{self.url}/models"), seconds)
        except SupportSystemError as error:
            pytest.fail(f"llama_cpp.server did not start ({error.detail}):\n{self.output()}")

    def kill(self) -> None:
        os.kill(self.service.process.pid, signal.SIGKILL)
        self.service.process.wait(timeout=10)

    def stop(self) -> None:
        stop(self.service)
