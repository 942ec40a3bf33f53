"""Fixtures shared by the generator tests."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.browser import free_port


@pytest.fixture
def start_app() -> Iterator:
    """Start a generated app.py as a plain subprocess (not in the sandbox).

    The sandbox has its own network namespace, so a server inside it cannot be reached
    from the host's 127.0.0.1; serving a sandboxed app to the browser is the publishing
    launcher's job. Here the app is our own tested skeleton, so a subprocess is fine.
    """
    processes: list[subprocess.Popen[str]] = []

    def start(root: Path) -> str:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(port)],
            cwd=root,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            encoding="utf-8",
            env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"},
        )
        processes.append(process)
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in process.stdout], daemon=True).start()
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 90
        seen = []
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                assert process.poll() is None, "".join(seen)
                continue
            seen.append(line)
            if url in line:
                return url
        pytest.fail(f"app did not print its URL: {''.join(seen)}")

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
