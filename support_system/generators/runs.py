"""Generation in the background, so a page can show progress instead of freezing.

A Streamlit page reruns on every click; a generation takes seconds to minutes. The run
therefore lives on its own thread in this process, keyed by wizard session: a page
(or a second tab of the same session) asks `current_run(session_id)` for its events and
draws them, and a rerun never starts a second run of the same session. Everything that
must survive the process (the artifact, result.json, the Execution rows) is written by
the pipeline itself, so a restart loses only the live progress view; the Preview page
then shows the last finished artifact from the database.

With `queue.backend: celery` the run goes to a worker instead (`QueuedRun`): any app
process finds it through the session's newest Execution and reads its progress from
Redis, a restart of the app loses nothing, and the workers own its clean-up (a killed
worker's run is delivered again). The model's text so far is not relayed from the
worker; everything else the page shows is the same.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from support_system.core.errors import SupportSystemError
from support_system.core.logging import get_logger
from support_system.data.schema import utcnow

if TYPE_CHECKING:  # the pipeline pulls in the knowledge base: imported when a run starts
    from support_system.generators.pipeline import Budget, PipelineResult

log = get_logger(__name__)


@dataclass(frozen=True)
class RunEvent:
    """One progress event of the pipeline (`kind` as in `pipeline.Progress`)."""

    kind: str
    info: dict[str, Any]
    at: float


@dataclass
class GenerationRun:
    session_id: int
    job_id: str
    budget: Budget
    started: float = field(default_factory=time.monotonic)
    result: PipelineResult | None = None
    error: SupportSystemError | None = None
    _events: list[RunEvent] = field(default_factory=list)
    _text: list[str] = field(default_factory=list)  # the current attempt's model text
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _cancel: threading.Event = field(default_factory=threading.Event)
    _done: threading.Event = field(default_factory=threading.Event)

    def events(self) -> list[RunEvent]:
        with self._lock:
            return list(self._events)

    def add(self, kind: str, info: dict[str, Any]) -> None:
        with self._lock:
            self._events.append(RunEvent(kind, dict(info), time.monotonic()))
            if kind == "attempt":
                self._text.clear()

    def add_text(self, chunk: str) -> None:
        with self._lock:
            self._text.append(chunk)

    def text(self) -> str:
        """What the model has written so far in the current attempt."""
        with self._lock:
            return "".join(self._text)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Stop at the next step boundary (a model call in flight finishes first)."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started


@dataclass(frozen=True)
class QueuedOutcome:
    """What the page asks of a finished queued run besides its artifact."""

    cancelled: bool


@dataclass
class QueuedRun:
    """A wizard generation on a queue worker, as the page sees it (the GenerationRun
    interface), from whichever app process looks."""

    session_id: int
    execution_id: int
    budget: Budget
    started: float = field(default_factory=time.monotonic)
    result: QueuedOutcome | None = None
    error: SupportSystemError | None = None
    _cancelled: bool = False

    def events(self) -> list[RunEvent]:
        return [
            RunEvent(kind, info, self.started + at)
            for kind, at, info in _queue().progress(self.execution_id)
        ]

    def text(self) -> str:
        return ""  # the model's partial text stays in the worker

    @property
    def done(self) -> bool:
        if self.result is not None or self.error is not None:
            return True
        if _queue().is_running(self.execution_id):
            return False
        self._finish()
        return True

    def _finish(self) -> None:
        from support_system.data import repositories as repo
        from support_system.data.db import session_scope
        from support_system.data.schema import ExecutionStatus

        with session_scope() as session:
            row = repo.get_execution(session, self.execution_id)
            status, error = (row.status, row.error) if row else (ExecutionStatus.FAILED, "lost")
        if status == ExecutionStatus.FAILED and error not in (None, "cancelled"):
            self.error = SupportSystemError(detail=f"the worker's run failed: {error}")
        self.result = QueuedOutcome(cancelled=error == "cancelled")

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        self._cancelled = _queue().cancel(self.execution_id) or self._cancelled

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started


_queues: dict[str, Any] = {}


def _queue() -> Any:  # noqa: ANN401 - queue.celery_backend.CeleryRuns, imported on use
    """This process's Celery runs (one per Redis URL), when `queue.backend` is celery."""
    from support_system.core.settings import get_settings
    from support_system.queue.celery_backend import CeleryRuns

    settings = get_settings().queue
    if settings.redis_url not in _queues:
        _queues[settings.redis_url] = CeleryRuns(settings)
    return _queues[settings.redis_url]


def _queued() -> bool:
    from support_system.core.settings import get_settings

    return get_settings().queue.backend == "celery"


def _queued_run_of(session_id: int) -> QueuedRun | None:
    """The session's run on a worker, found through its newest Execution (any process)."""
    from support_system.data import repositories
    from support_system.data.db import session_scope
    from support_system.data.schema import ExecutionStatus
    from support_system.generators.pipeline import Budget

    with session_scope() as session:
        execution = repositories.latest_execution(session, session_id)
        if execution is None or execution.status not in (
            ExecutionStatus.PENDING,
            ExecutionStatus.RUNNING,
        ):
            return None
        execution_id = execution.id
        age = (utcnow() - execution.started_at).total_seconds() if execution.started_at else 0.0
    if not _queue().is_running(execution_id):
        return None
    return QueuedRun(session_id, execution_id, Budget(), started=time.monotonic() - age)


_RUNS: dict[int, GenerationRun | QueuedRun] = {}
_RUNS_LOCK = threading.Lock()
PROCESS_STARTED = utcnow()  # runs live in this process: older RUNNING rows are orphans


def recover_interrupted() -> int:
    """Close generations a crash or restart cut off (their Execution rows still say
    RUNNING), so history tells the truth and the page can say what happened. Returns
    how many were closed. Call once when the app process starts."""
    from support_system.core.settings import get_settings
    from support_system.data.db import session_scope
    from support_system.data.repositories import interrupt_stale_executions
    from support_system.queue.base import QUEUED_KINDS

    # With a queue, the API's runs (agent:…, api:…) live in the workers, which restart
    # them when redelivered; only this process's own generations are its to close.
    queued = QUEUED_KINDS if get_settings().queue.backend == "celery" else ()
    with session_scope() as session:
        closed = interrupt_stale_executions(
            session, started_before=PROCESS_STARTED, skip_kinds=queued
        )
    if closed:
        log.warning("generation.interrupted_runs_closed", count=closed)
    return closed


def was_interrupted(session_id: int) -> bool:
    """True when this session's newest generation was cut off by a crash or restart."""
    from support_system.data import repositories
    from support_system.data.db import session_scope

    if current_run(session_id) is not None:
        return False
    with session_scope() as session:
        execution = repositories.latest_execution(session, session_id)
        return execution is not None and execution.error == repositories.INTERRUPTED


def current_run(session_id: int) -> GenerationRun | QueuedRun | None:
    """The session's run (running or finished): started by this process, or — with a
    queue — going on a worker, whoever started it."""
    with _RUNS_LOCK:
        run = _RUNS.get(session_id)
    if run is None and _queued():
        found = _queued_run_of(session_id)
        if found is not None:
            with _RUNS_LOCK:
                run = _RUNS.setdefault(session_id, found)
    return run


def forget_run(session_id: int) -> None:
    """Drop a finished run from memory (the page has shown its result)."""
    with _RUNS_LOCK:
        run = _RUNS.get(session_id)
        if run is not None and run.done:
            del _RUNS[session_id]


def start_generation(
    session_id: int,
    *,
    lang: str,
    model: str | None = None,
    budget: Budget | None = None,
    alpha: float | None = None,
) -> GenerationRun | QueuedRun:
    """Make the artifact for a wizard session in the background: on a thread of this
    process, or on a queue worker with `queue.backend: celery`. `model` is the person's
    explicit choice (None: routing picks one, weighing quality by `alpha`).

    Returns the run already going for this session if there is one, so a double click
    or a second tab never starts two runs writing the same project. When the artifact
    is delivered the wizard session is marked completed.
    """
    from support_system.generators.pipeline import Budget

    budget = budget or Budget()
    if _queued():
        return _start_queued(session_id, lang=lang, model=model, budget=budget, alpha=alpha)
    from support_system.generators.pipeline import run_pipeline
    from support_system.jobs import wizard, workspace
    from support_system.jobs.flow import effective_answers

    with _RUNS_LOCK:
        running = _RUNS.get(session_id)
        if running is not None and not running.done:
            return running
        state = wizard.resume(session_id)
        run = GenerationRun(session_id=session_id, job_id=state.job.id, budget=budget)
        _RUNS[session_id] = run
    answers = effective_answers(state.job, state.answers, lang)
    project_id = workspace.project_for_session(session_id)
    out_dir = workspace.new_output_dir(session_id)

    def work() -> None:
        try:
            run.result = run_pipeline(
                state.job,
                answers,
                out_dir,
                lang=lang,
                model=model,
                alpha=alpha,
                budget=budget,
                base_dir=workspace.project_dir(project_id) if project_id else None,
                session_id=session_id,
                project_id=project_id,
                on_progress=run.add,
                cancel=run._cancel,
                on_text=run.add_text,
            )
            if not run.result.cancelled and run.result.main_file is not None:
                wizard.complete(session_id)
        except SupportSystemError as error:
            run.error = error
            log.warning("generation.failed", session=session_id, error=type(error).__name__)
        except Exception as error:  # noqa: BLE001 - the page must learn the run ended
            run.error = SupportSystemError(detail=str(error))
            log.exception("generation.crashed", session=session_id)
        finally:
            run._done.set()

    threading.Thread(target=work, name=f"generate-{session_id}", daemon=True).start()
    return run


def _start_queued(
    session_id: int, *, lang: str, model: str | None, budget: Budget, alpha: float | None
) -> QueuedRun:
    """Queue the session's generation (or return the one already queued or going)."""
    from support_system.jobs import wizard, workspace
    from support_system.queue.base import RunRequest

    running = current_run(session_id)
    if running is not None and not running.done:
        return running  # type: ignore[return-value]  # a queued run, in celery mode
    state = wizard.resume(session_id)
    request = RunRequest.from_budget(
        budget,
        job_id=state.job.id,
        answers=state.answers,
        goal=state.job.id,
        owner_id=state.user_id,
        project_id=workspace.project_for_session(session_id),
        agent_id=None,
        model=model,
        lang=lang,
        session_id=session_id,
        alpha=alpha,
    )
    run = QueuedRun(session_id, _queue().start(request), budget)
    with _RUNS_LOCK:
        _RUNS[session_id] = run
    return run


def describe(event: RunEvent, lang: str) -> str:
    """One progress event as a sentence for the person (and for screen readers)."""
    from support_system.core.i18n import t

    info = event.info
    if event.kind == "routed":
        from support_system.routing.service import describe as routing_line

        return routing_line(info, lang)
    if event.kind == "checked":
        # CheckResults here; {"name", "passed"} dicts when the run is a worker's (Redis).
        checks = [
            (c["name"], c["passed"]) if isinstance(c, dict) else (c.name, c.passed)
            for c in info.get("checks", [])
        ]
        failed = [t(f"checks.{name}.label", lang) for name, passed in checks if not passed]
        text = t(
            "run.checked",
            lang,
            number=info.get("number"),
            passed=sum(1 for _, passed in checks if passed),
            total=len(checks),
        )
        return f"{text} {t('run.failed', lang, checks=' / '.join(failed))}" if failed else text
    return t(
        f"run.{event.kind}",
        lang,
        **{k: v for k, v in info.items() if isinstance(v, (str, int, float))},
    )
