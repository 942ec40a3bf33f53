"""API runs (task agents, /api/generate, data questions) on background threads, so the
route answers at once (202).

The Execution row is written (and committed) before the thread starts, so the id the
client gets can be polled at once and a crash still leaves the row; the pipeline then
records its attempts and artifact as for any generation, and the row is closed with the
outcome. Live progress (the pipeline's events) is kept in memory for the status route;
everything durable is in the database. The app's shutdown waits for running threads,
so a test or a restart never pulls the database out from under one. This is the
`queue.backend: thread` choice; `support_system.queue` has the interface and the
Celery backend for several processes.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from support_system.api.metrics import Metrics
from support_system.queue.base import AnyRequest, perform, record_execution

if TYPE_CHECKING:
    from support_system.accounts.limits import GenerationSlot

MAX_EVENTS = 200  # a run has a handful of attempts; more events than this is a loop
MAX_REMEMBERED = 1000  # finished runs kept for the status route before they are forgotten


@dataclass
class LiveRun:
    """What this process knows about a run while it goes."""

    execution_id: int
    started: float = field(default_factory=time.monotonic)
    events: list[tuple[str, float]] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    cancelled: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, _info: dict[str, Any]) -> None:
        with self._lock:
            if len(self.events) < MAX_EVENTS:
                self.events.append((kind, round(time.monotonic() - self.started, 2)))

    def snapshot(self) -> list[tuple[str, float]]:
        with self._lock:
            return list(self.events)


class Runner:
    """The executions this app instance started (the thread backend of `support_system.queue`)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self._runs: dict[int, LiveRun] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def live(self, execution_id: int) -> LiveRun | None:
        with self._lock:
            return self._runs.get(execution_id)

    def start(self, request: AnyRequest, slot: GenerationSlot | None = None) -> int:
        """Record the Execution and start the run (a generation or a data question);
        returns its id. The slot is released when the run ends (or here, if it cannot start)."""
        try:
            execution_id = record_execution(request)
        except BaseException:
            if slot is not None:
                slot.release()
            raise
        live = LiveRun(execution_id)
        thread = threading.Thread(
            target=self._work,
            args=(live, request, slot),
            name=f"execution-{execution_id}",
            daemon=True,
        )
        with self._lock:
            if len(self._runs) >= MAX_REMEMBERED:
                self._runs = {k: v for k, v in self._runs.items() if not v.done.is_set()}
            self._runs[execution_id] = live
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        self.metrics.active_runs.inc()
        thread.start()
        return execution_id

    def _work(self, live: LiveRun, request: AnyRequest, slot: GenerationSlot | None) -> None:
        outcome = "crashed"
        try:
            outcome = perform(
                request, live.execution_id, on_progress=live.add, cancel=live.cancelled
            )
        finally:
            if slot is not None:
                slot.release()
            self.metrics.active_runs.dec()
            self.metrics.generations.labels(request.label, outcome).inc()
            live.done.set()

    def wait_all(self, timeout: float = 300.0) -> bool:
        """Wait for every running thread (app shutdown); False if some are still going."""
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in threads)
