"""Running the bwrap command: start it, drain its output, enforce the wall clock, kill
the whole sandbox when time is up, and classify how it ended.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import IO

from support_system.generators.errors import SandboxUnavailable
from support_system.generators.sandbox.limits import SandboxLimits, SandboxResult, limit_hit


def supervise(
    command: list[str], workdir: Path, limits: SandboxLimits, env: dict[str, str]
) -> SandboxResult:
    """Start bwrap, drain its output, enforce the wall clock and classify the ending."""
    status_read, status_write = os.pipe()
    command = [command[0], "--json-status-fd", str(status_write), *command[1:]]
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            pass_fds=(status_write,),
            start_new_session=True,
        )
    except OSError as exc:  # bwrap vanished or cannot be executed
        os.close(status_read)
        raise SandboxUnavailable(str(exc)) from exc
    finally:
        os.close(status_write)
    assert process.stdout is not None and process.stderr is not None
    stdout = _Capture(process.stdout, limits.output_chars)
    stderr = _Capture(process.stderr, limits.output_chars)
    try:
        returncode: int | None = process.wait(timeout=limits.wall_seconds)
        timed_out = False
    except subprocess.TimeoutExpired:
        returncode, timed_out = None, True
    status = _read_status(status_read)  # '{"child-pid": N, ...}' once the sandbox exists
    child = re.search(r'"child-pid":\s*(\d+)', status)
    if timed_out:
        _kill(process, int(child.group(1)) if child else None)
    if child is None:  # bwrap never started the program: it could not build the sandbox
        stderr.join(5)
        raise SandboxUnavailable(stderr.text().strip() or f"bwrap exited with {returncode}")
    stdout.join(5)
    stderr.join(5)
    seconds = time.monotonic() - started
    err = stderr.text()
    return SandboxResult(
        returncode=returncode,
        stdout=stdout.text(),
        stderr=err,
        seconds=seconds,
        limit=limit_hit(returncode, err, timed_out=timed_out, seconds=seconds, limits=limits),
        workdir=workdir,
    )


def _read_status(fd: int) -> str:
    """What bwrap wrote to --json-status-fd (without blocking: it may still be open)."""
    os.set_blocking(fd, False)
    chunks = []
    try:
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    except BlockingIOError:
        pass
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")


def _kill(process: subprocess.Popen[bytes], init_pid: int | None) -> None:
    """Kill the whole sandbox by killing its PID namespace's init (bwrap's child): the
    kernel then kills every process inside, and bwrap reaps it and exits. Killing bwrap
    itself would also work (--die-with-parent) but leaves that init for the host's init
    to reap, which this VM's does not."""
    if init_pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(init_pid, signal.SIGKILL)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class _Capture(threading.Thread):
    """Drains one pipe so the program never blocks on it, keeping its head and tail.

    Head and tail because both matter: what a program printed first, and the traceback
    it died with.
    """

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        super().__init__(daemon=True)
        self._stream = stream
        self._half = max(limit // 2, 1)
        self._head = bytearray()
        self._tail = bytearray()
        self._total = 0
        self.start()

    def run(self) -> None:
        with self._stream:
            while chunk := self._stream.read1(65536):  # type: ignore[attr-defined]
                self._total += len(chunk)
                room = max(self._half - len(self._head), 0)
                self._head += chunk[:room]
                if len(chunk) > room:
                    self._tail = (self._tail + chunk[room:])[-self._half :]

    def text(self) -> str:
        cut = self._total - len(self._head) - len(self._tail)
        if cut <= 0:
            return bytes(self._head + self._tail).decode("utf-8", "replace")
        head = self._head.decode("utf-8", "replace")
        tail = self._tail.decode("utf-8", "replace")
        return f"{head}\n[... sandbox: {cut} bytes of output cut ...]\n{tail}"
