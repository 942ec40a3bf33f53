"""Supervise the embedded model's worker process: start, stream, notice death, restart.

The app never loads llama.cpp itself (see `model_worker.py` for why). One worker runs
per model file and settings, shared by every page and thread of this process, one
request at a time (a llama.cpp context is not thread-safe). If the worker dies — by a
signal, an out-of-memory kill or a crash while loading — the request that was running
gets `ModelCrashed` ("the model stopped unexpectedly; it is being restarted") and the
next request starts a new worker. A worker that stops answering within the deadline is
killed, so a hang costs one request, not the model for good.

Several models may be loaded at once (routing picks the 0.5B or the 1.5B model per task),
within `llm.memory_budget_mb`: before a worker loads its model, the least recently used
idle workers are stopped until the workers' resident memory plus the new model's expected
size fits. A busy worker is never stopped; if nothing idle is left the model loads anyway
(a request is not refused for memory the system may still have), with a warning.
"""

from __future__ import annotations

import atexit
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from support_system.core.errors import InvalidOutput, ModelCrashed, ModelUnavailable, Timeout
from support_system.core.logging import get_logger
from support_system.core.settings import get_settings

log = get_logger(__name__)

LOAD_TIMEOUT_SECONDS = 180.0  # a 1.5B model loads in ~2 s; a busy 2-core machine is slower
_CANCEL_GRACE_SECONDS = 10.0  # a cancelled worker stops at its next token


@dataclass(frozen=True)
class WorkerKey:
    """What makes two workers interchangeable: the same file, context and threads."""

    path: Path
    n_ctx: int
    n_threads: int


def _signal_name(returncode: int | None) -> str:
    if returncode is None:
        return "still running"
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"


class ModelProcess:
    """One worker process for one model file; restarts itself on the next request."""

    def __init__(self, key: WorkerKey, model: str) -> None:
        self.key = key
        self.model = model  # registry name, for errors
        self.lock = threading.Lock()  # one request at a time, like the model itself
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self.restarts = 0  # workers started after the first (for status and tests)
        self.load_seconds: float | None = None
        self.last_used = 0.0  # monotonic time of its last request (least recently used)
        self.measured_rss: int | None = None  # bytes once loaded, the estimate next time

    # ------------------------------------------------------------------ lifecycle

    @property
    def pid(self) -> int | None:
        """The worker's process id while it runs (tests send it signals)."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _log_path(self) -> Path:
        folder = get_settings().state_dir / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"model-worker-{self.model}.log"

    @property
    def rss(self) -> int | None:
        """The worker's resident memory in bytes while it runs (Linux /proc), else None."""
        pid = self.pid
        if pid is None:
            return None
        return resident_bytes(pid)

    def expected_bytes(self) -> int:
        """What loading this model will hold: its last measured size, else the file's
        size plus a fifth (llama.cpp's context and buffers)."""
        if self.measured_rss:
            return self.measured_rss
        try:
            return int(self.key.path.stat().st_size * 1.2)
        except OSError:
            return 0

    def _pid_path(self) -> Path:
        """`<state>/run/model-worker-NAME.pid`: which process holds the model (ops, tests)."""
        return get_settings().state_dir / "run" / f"model-worker-{self.model}.pid"

    def start(self) -> None:
        """Start a worker and wait until its model is loaded (raises a typed error if not)."""
        if self._proc is not None:
            self.restarts += 1
        self.stop()
        make_room(self)
        ours, theirs = socket.socketpair()
        command = [
            sys.executable,
            "-m",
            "support_system.ai.model_worker",
            "--fd",
            str(theirs.fileno()),
            "--model-path",
            str(self.key.path),
            "--n-ctx",
            str(self.key.n_ctx),
            "--n-threads",
            str(self.key.n_threads),
        ]
        log_path = self._log_path()
        with log_path.open("ab") as out:
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                pass_fds=(theirs.fileno(),),
                close_fds=True,
            )
        theirs.close()
        self._conn = Connection(ours.detach())
        self._pid_path().parent.mkdir(parents=True, exist_ok=True)
        self._pid_path().write_text(f"{self._proc.pid}\n", encoding="utf-8")
        log.info("model_worker_started", model=self.model, pid=self._proc.pid, log=str(log_path))
        message = self._receive(time.monotonic() + LOAD_TIMEOUT_SECONDS, waiting="load")
        if message[0] == "error":
            self.stop()
            raise ModelUnavailable(
                detail=f"could not load {self.key.path.name}: {message[2]}", model=self.model
            )
        self.load_seconds = message[1]["load_seconds"]
        self.measured_rss = self.rss or self.measured_rss

    def stop(self) -> None:
        """End the worker (politely: closing the socket makes it exit; then by force)."""
        conn, proc = self._conn, self._proc
        self._conn = None
        if conn is not None:
            conn.close()
        if proc is not None and proc.poll() is None:
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    def _kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=10)
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # ------------------------------------------------------------------ messages

    def _died(self) -> ModelCrashed:
        """The worker is gone: say how it died (signal or exit code) and clean up."""
        proc = self._proc
        returncode = None
        if proc is not None:
            try:
                returncode = proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._kill()
                returncode = proc.returncode
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        how = _signal_name(returncode)
        log.error(
            "model_worker_died",
            model=self.model,
            pid=proc.pid if proc else None,
            how=how,
            log=str(self._log_path()),
        )
        return ModelCrashed(detail=f"model process stopped ({how})", model=self.model, how=how)

    def _receive(self, deadline: float, *, waiting: str) -> tuple[Any, ...]:
        """The next message before `deadline`; a dead worker → ModelCrashed, silence → Timeout."""
        conn = self._conn
        if conn is None:
            raise self._died()
        try:
            ready = conn.poll(max(0.0, deadline - time.monotonic()))
            if ready:
                return conn.recv()
        except (EOFError, OSError):
            raise self._died() from None
        if self._proc is not None and self._proc.poll() is not None:
            raise self._died()
        # Alive but silent: stuck in native code, or too slow for the deadline. Either way
        # its lock would be held forever, so it is ended and replaced on the next request.
        self._kill()
        log.warning("model_worker_killed_after_timeout", model=self.model, waiting=waiting)
        raise Timeout(
            detail=f"no {waiting} before the deadline; the model process was restarted",
            model=self.model,
        )

    def _ensure_started(self) -> None:
        if not self.alive or self._conn is None:
            self.start()

    def reset(self) -> None:
        """Forget the worker's KV cache, so the next prompt is processed from scratch."""
        with self.lock:
            self._ensure_started()
            assert self._conn is not None
            self._conn.send(("reset",))
            self._receive(time.monotonic() + 30, waiting="reset")

    def chat(
        self, request: dict[str, Any], *, first_token_deadline: float, deadline: float
    ) -> Iterator[tuple[Any, ...]]:
        """Stream ("chunk", text, finish_reason) messages, then one ("done", usage).

        Closing the iterator early cancels the generation at the worker's next token.
        Hold `self.lock` while iterating.
        """
        self.last_used = time.monotonic()
        self._ensure_started()
        assert self._conn is not None
        try:
            self._conn.send(("chat", request))
        except OSError:
            raise self._died() from None
        first = True
        finished = False
        try:
            while True:
                message = self._receive(
                    first_token_deadline if first else deadline,
                    waiting="first token" if first else "answer",
                )
                kind = message[0]
                if kind == "chunk":
                    first = False
                    yield message
                elif kind == "done":
                    finished = True
                    # Pages touched while answering count too: the next estimate.
                    self.measured_rss = max(self.measured_rss or 0, self.rss or 0) or None
                    yield message
                    return
                elif kind == "error":
                    finished = True
                    raise _worker_error(message[1], message[2], self.model)
        finally:
            if not finished and self.alive and self._conn is not None:
                self._cancel()

    def _cancel(self) -> None:
        """Stop the running reply and read up to its "done", so the next request starts clean."""
        assert self._conn is not None
        try:
            self._conn.send(("cancel",))
            deadline = time.monotonic() + _CANCEL_GRACE_SECONDS
            while self._receive(deadline, waiting="cancel")[0] not in ("done", "error"):
                pass
        except (ModelCrashed, Timeout, OSError):
            self._kill()  # it will be restarted on the next request


def _worker_error(name: str, detail: str, model: str) -> Exception:
    """A Python exception inside the worker, as the typed error the app expects."""
    text = f"{name}: {detail}"
    if name == "JSONDecodeError":
        return InvalidOutput(detail=text, model=model)
    return ModelUnavailable(detail=text, model=model)


# ---------------------------------------------------------------------- the pool

_workers: dict[WorkerKey, ModelProcess] = {}
_workers_lock = threading.Lock()


def worker_for(key: WorkerKey, model: str) -> ModelProcess:
    """The shared worker for this file and settings (started on its first request)."""
    with _workers_lock:
        if key not in _workers:
            _workers[key] = ModelProcess(key, model)
        return _workers[key]


def workers() -> list[ModelProcess]:
    with _workers_lock:
        return list(_workers.values())


@atexit.register
def stop_all() -> None:
    """End every worker with the app (they would also notice the app is gone by themselves)."""
    for worker in workers():
        try:
            worker.stop()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


def resident_bytes(pid: int) -> int | None:
    """A process's resident set size in bytes (VmRSS), None where /proc does not say."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def make_room(starting: ModelProcess) -> list[str]:
    """Stop least recently used idle workers until `starting`'s model fits the memory
    budget; returns the models unloaded (see the module docstring)."""
    budget_mb = get_settings().llm.memory_budget_mb
    if budget_mb is None:
        return []
    budget = budget_mb * 1024 * 1024
    others = sorted(
        (w for w in workers() if w is not starting and w.alive), key=lambda w: w.last_used
    )
    held = sum(w.rss or w.expected_bytes() for w in others)
    need = starting.expected_bytes()
    unloaded: list[str] = []
    for worker in others:
        if held + need <= budget:
            break
        if not worker.lock.acquire(blocking=False):
            continue  # answering someone now
        try:
            size = worker.rss or worker.expected_bytes()
            worker.measured_rss = size
            worker.stop()
        finally:
            worker.lock.release()
        held -= size
        unloaded.append(worker.model)
        log.info(
            "model_unloaded_for_memory",
            model=worker.model,
            freed_mb=size // 2**20,
            loading=starting.model,
            budget_mb=budget_mb,
        )
    if held + need > budget:
        log.warning(
            "model_memory_over_budget",
            loading=starting.model,
            held_mb=held // 2**20,
            need_mb=need // 2**20,
            budget_mb=budget_mb,
        )
    return unloaded


def is_loaded(model: str) -> bool:
    """True while the worker of registry model `model` is up (its weights are in memory)."""
    return any(w.model == model and w.alive for w in workers())
