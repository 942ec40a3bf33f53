"""Child processes of the local cluster: start one with its own log, wait until it
answers, stop it politely then by force.

Each child gets its own session (`start_new_session`), so a signal meant for one worker
(a test's SIGKILL, a terminal's Ctrl+C) reaches that process alone, and the cluster
decides the order things stop in.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from support_system.operations.errors import ClusterError


def free_port() -> int:
    """A TCP port nothing listens on at this moment (the kernel's choice)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Service:
    """One running child: what it is (for messages), its process and its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    url: str | None = None

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""


def spawn(
    name: str, command: Sequence[str], *, env: dict[str, str], log: Path, cwd: Path
) -> Service:
    """Start `command` with stdout and stderr in `log` (appended: restarts keep history)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Service(name, process, log)


def http_ok(url: str) -> bool:
    """True when `url` answers with a status below 500."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status) < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


def wait_until(service: Service, ready: Callable[[], bool], timeout: float) -> None:
    """Wait for `ready()`; a child that exits or stays unready raises a ClusterError that
    names the service, why, and its log (the person's first place to look)."""
    deadline = time.monotonic() + timeout
    while not ready():
        if not service.alive:
            raise ClusterError(
                f"exit code {service.process.returncode}: {service.log_tail(500)}",
                reason="service_failed",
                service=service.name,
                log=str(service.log),
            )
        if time.monotonic() > deadline:
            stop(service)
            raise ClusterError(
                f"not ready after {timeout:.0f} s",
                reason="service_failed",
                service=service.name,
                log=str(service.log),
            )
        time.sleep(0.2)


def stop(service: Service, timeout: float = 15) -> None:
    """SIGTERM (a worker finishes nothing half-way: its run is redelivered), then SIGKILL."""
    process = service.process
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
