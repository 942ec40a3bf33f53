"""The embedded model runs in a supervised worker process (issue 18).

A native crash (SIGILL from an instruction the CPU cannot run, SIGSEGV), an
out-of-memory kill (SIGKILL) or a hang in llama.cpp must cost one reply, never the app:
these tests send real signals to the real worker running the real model, and check
that the caller gets a typed, translated error, that what was already streamed is
kept, and that the next request is answered by a new worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from support_system.ai import generate, get_registry, providers
from support_system.core.errors import ModelCrashed, SupportSystemError, Timeout
from support_system.core.settings import get_settings
from tests.conftest import TEST_MODEL_DIR, usage_records

pytestmark = pytest.mark.model
QWEN = "qwen2.5-coder-0.5b"
LONG = "Count from 1 to 60, one number per line."


def _worker():
    return providers.embedded_worker(get_registry().get(QWEN))


def _crash_mid_stream(sig: signal.Signals) -> tuple[SupportSystemError, list[str], int]:
    """Stream a long answer, send `sig` to the worker after a few chunks; return the error."""
    generate("Say yes.", QWEN, max_tokens=2, cache=False, fallback=False)  # a running worker
    pid = _worker().pid
    assert pid is not None and pid != os.getpid()
    parts: list[str] = []
    stream = generate(LONG, QWEN, stream=True, max_tokens=300, cache=False)
    with pytest.raises(SupportSystemError) as caught:
        for piece in stream:
            parts.append(piece)
            if len(parts) == 4:
                os.kill(pid, sig)
    return caught.value, parts, pid


@pytest.mark.parametrize("sig", [signal.SIGILL, signal.SIGKILL])
def test_a_signal_mid_stream_is_a_typed_error_and_the_next_request_works(db, sig) -> None:
    error, parts, old_pid = _crash_mid_stream(sig)

    assert isinstance(error, ModelCrashed)
    assert sig.name in error.message("en") and "stopped unexpectedly" in error.message("en")
    assert "予期せず停止" in error.message("ja") and "再起動" in error.message("ja")
    assert error.partial_text == "".join(parts) and len(parts) >= 4  # what was shown is kept
    assert not _worker().alive

    again = generate("Say yes.", QWEN, max_tokens=4, cache=False, fallback=False)
    assert again.text.strip() and again.model == QWEN
    assert _worker().pid not in (None, old_pid)
    assert _worker().restarts >= 1
    statuses = [(r.status, r.error_type) for r in usage_records()]
    assert ("error", "ModelCrashed") in statuses and statuses[-1] == ("ok", None)


def test_a_worker_killed_between_requests_is_restarted_without_an_error(db) -> None:
    generate("Say yes.", QWEN, max_tokens=2, cache=False, fallback=False)
    worker = _worker()
    old_pid = worker.pid
    assert old_pid is not None
    os.kill(old_pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while worker.alive and time.monotonic() < deadline:
        time.sleep(0.05)
    result = generate("Say no.", QWEN, max_tokens=4, cache=False, fallback=False)
    assert result.text.strip()
    assert [a.ok for a in result.attempts] == [True]
    assert worker.pid not in (None, old_pid)
    pid_file = get_settings().state_dir / "run" / f"model-worker-{QWEN}.pid"
    assert int(pid_file.read_text()) == worker.pid


def test_a_hung_worker_times_out_and_is_replaced(db) -> None:
    generate("Say yes.", QWEN, max_tokens=2, cache=False, fallback=False)
    worker = _worker()
    old_pid = worker.pid
    assert old_pid is not None
    os.kill(old_pid, signal.SIGSTOP)  # stuck in native code, as far as the app can tell
    try:
        with pytest.raises(Timeout) as caught:
            generate("Say hello.", QWEN, max_tokens=8, timeout=3, cache=False, fallback=False)
    finally:
        if worker.pid == old_pid:
            os.kill(old_pid, signal.SIGCONT)
    assert "restarted" in caught.value.detail
    assert worker.pid != old_pid
    result = generate("Say yes.", QWEN, max_tokens=4, cache=False, fallback=False)
    assert result.text.strip()


def test_the_worker_exits_when_the_app_process_dies(tmp_path) -> None:
    """No model is left holding ~0.6 GB behind an app that was killed."""
    program = textwrap.dedent(
        f"""
        import os, sys, time
        os.environ["SUPPORT_SYSTEM_STATE_DIR"] = {str(tmp_path / "state")!r}
        os.environ["SUPPORT_SYSTEM_MODEL_DIR"] = {str(TEST_MODEL_DIR)!r}
        from support_system.ai import get_registry, providers
        worker = providers.embedded_worker(get_registry().get({QWEN!r}))
        worker.start()
        print("PID", worker.pid, flush=True)
        time.sleep(600)
        """
    )
    app = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, text=True)
    try:
        assert app.stdout is not None
        line = ""
        while not line.startswith("PID "):  # the app's own log lines come first
            line = app.stdout.readline()
            assert line, "the app ended before starting its worker"
        pid = int(line.split()[1])
        os.kill(pid, 0)  # the worker runs
        app.kill()
        app.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _running(pid):
            time.sleep(0.2)
        assert not _running(pid), "the model worker outlived the app"
    finally:
        if app.poll() is None:
            app.kill()


def _running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie (an orphan is reaped by init)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
