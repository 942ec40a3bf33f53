"""Generation in the background, so a page can show progress instead of freezing.

A Streamlit page reruns on every click; a generation takes seconds to minutes. The run
therefore lives on its own thread in this process, keyed by wizard session: a page
(or a second tab of the same session) asks `current_run(session_id)` for its events and
draws them, and a rerun never starts a second run of the same session. Everything that
must survive the process (the artifact, result.json, the Execution rows) is written by
the pipeline itself, so a restart loses only the live progress view; the Preview page
then shows the last finished artifact from the database.
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


_RUNS: dict[int, GenerationRun] = {}
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


def current_run(session_id: int) -> GenerationRun | None:
    """The run of this session started by this process (running or finished), if any."""
    with _RUNS_LOCK:
        return _RUNS.get(session_id)


def forget_run(session_id: int) -> None:
    """Drop a finished run from memory (the page has shown its result)."""
    with _RUNS_LOCK:
        run = _RUNS.get(session_id)
        if run is not None and run.done:
            del _RUNS[session_id]


def start_generation(
    session_id: int, *, lang: str, model: str | None = None, budget: Budget | None = None
) -> GenerationRun:
    """Make the artifact for a wizard session on a background thread.

    Returns the run already going for this session if there is one, so a double click
    or a second tab never starts two runs writing the same project. When the artifact
    is delivered the wizard session is marked completed.
    """
    from support_system.generators.pipeline import Budget, run_pipeline
    from support_system.jobs import wizard, workspace
    from support_system.jobs.flow import effective_answers

    budget = budget or Budget()

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


def describe(event: RunEvent, lang: str) -> str:
    """One progress event as a sentence for the person (and for screen readers)."""
    from support_system.core.i18n import t

    info = event.info
    if event.kind == "checked":
        checks = info.get("checks", [])
        failed = [t(f"checks.{c.name}.label", lang) for c in checks if not c.passed]
        text = t(
            "run.checked",
            lang,
            number=info.get("number"),
            passed=sum(1 for c in checks if c.passed),
            total=len(checks),
        )
        return f"{text} {t('run.failed', lang, checks=' / '.join(failed))}" if failed else text
    return t(
        f"run.{event.kind}",
        lang,
        **{k: v for k, v in info.items() if isinstance(v, (str, int, float))},
    )
