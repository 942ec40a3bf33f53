"""Task-agent executions on background threads, so `execute` answers at once (202).

The Execution row is written (and committed) before the thread starts, so the id the
client gets can be polled at once and a crash still leaves the row; the pipeline then
records its attempts and artifact as for any generation, and the row is closed with the
outcome. Live progress (the pipeline's events) is kept in memory for the status route;
everything durable is in the database. The app's shutdown waits for running threads,
so a test or a restart never pulls the database out from under one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from support_system.accounts.limits import GenerationSlot
from support_system.api.metrics import Metrics
from support_system.core.errors import SupportSystemError
from support_system.core.logging import get_logger
from support_system.data.schema import ExecutionStatus

if TYPE_CHECKING:
    from support_system.generators.pipeline import Budget
    from support_system.jobs.definitions import Job

log = get_logger(__name__)

MAX_EVENTS = 200  # a run has a handful of attempts; more events than this is a loop
MAX_REMEMBERED = 1000  # finished runs kept for the status route before they are forgotten


@dataclass
class LiveRun:
    """What this process knows about a run while it goes."""

    execution_id: int
    started: float = field(default_factory=time.monotonic)
    events: list[tuple[str, float]] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, _info: dict[str, Any]) -> None:
        with self._lock:
            if len(self.events) < MAX_EVENTS:
                self.events.append((kind, round(time.monotonic() - self.started, 2)))

    def snapshot(self) -> list[tuple[str, float]]:
        with self._lock:
            return list(self.events)


class Runner:
    """The executions this app instance started."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self._runs: dict[int, LiveRun] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def live(self, execution_id: int) -> LiveRun | None:
        with self._lock:
            return self._runs.get(execution_id)

    def start(
        self,
        *,
        job: Job,
        answers: dict[str, Any],
        goal: str,
        owner_id: int,
        project_id: int,
        agent_id: int | None,
        model: str | None,
        lang: str,
        budget: Budget,
        slot: GenerationSlot,
    ) -> int:
        """Record the Execution and start the run; returns its id. The slot is released
        when the run ends (or here, if it cannot start)."""
        from support_system.data import repositories as repo
        from support_system.data.db import session_scope

        try:
            with session_scope() as session:
                execution = repo.start_execution(
                    session,
                    kind=f"agent:{job.kind}" if agent_id is not None else f"api:{job.kind}",
                    goal=goal,
                    project_id=project_id,
                    user_id=owner_id,
                    task_agent_id=agent_id,
                )
                execution_id = execution.id
        except BaseException:
            slot.release()
            raise
        live = LiveRun(execution_id)
        thread = threading.Thread(
            target=self._work,
            args=(live, job, answers, owner_id, project_id, agent_id, model, lang, budget, slot),
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

    def _work(
        self,
        live: LiveRun,
        job: Job,
        answers: dict[str, Any],
        owner_id: int,
        project_id: int,
        agent_id: int | None,
        model: str | None,
        lang: str,
        budget: Budget,
        slot: GenerationSlot,
    ) -> None:
        from support_system.generators.pipeline import run_pipeline
        from support_system.jobs import workspace
        from support_system.jobs.flow import effective_answers

        outcome = "crashed"
        status, result, error = ExecutionStatus.FAILED, None, "crashed"
        recorded = False  # the pipeline closes the row itself when it returns
        try:
            base = workspace.project_dir(project_id)
            folder = f"agents/{agent_id}" if agent_id is not None else "generated"
            out_dir = base / folder / str(live.execution_id)
            pipeline = run_pipeline(
                job,
                effective_answers(job, answers, lang),
                out_dir,
                lang=lang,
                model=model,
                budget=budget,
                base_dir=base,
                project_id=project_id,
                on_progress=live.add,
                execution_id=live.execution_id,  # one row per run: this one
                user_id=owner_id,
            )
            outcome = "completed" if pipeline.ok else "failed"
            recorded = pipeline.execution_id == live.execution_id
        except SupportSystemError as exc:
            outcome, error = "failed", type(exc).__name__
            log.warning("execution_failed", execution_id=live.execution_id, error=error)
        except Exception:  # noqa: BLE001 - the row must be closed whatever happened
            log.exception("execution_crashed", execution_id=live.execution_id)
        finally:
            if not recorded:
                self._finish(live.execution_id, status, result, error)
            slot.release()
            self.metrics.active_runs.dec()
            self.metrics.generations.labels(job.id, outcome).inc()
            live.done.set()

    @staticmethod
    def _finish(
        execution_id: int, status: ExecutionStatus, result: dict[str, Any] | None, error: str | None
    ) -> None:
        from support_system.data import repositories as repo
        from support_system.data.db import session_scope

        try:
            with session_scope() as session:
                repo.finish_execution(
                    session, execution_id, status=status, result=result, error=error
                )
        except Exception:  # noqa: BLE001 - logged; the row then says RUNNING until recovery
            log.exception("execution_finish_failed", execution_id=execution_id)

    def wait_all(self, timeout: float = 300.0) -> bool:
        """Wait for every running thread (app shutdown); False if some are still going."""
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in threads)
