"""What both run backends share: the requests, the interface, and the work itself.

A run request is plain data (JSON-safe) because the Celery backend sends it through
Redis to another process; the thread backend could pass objects, but using the same
request keeps the two backends interchangeable. Two kinds of run share everything
(Execution row, lease, exactly-once claim, events, cancel): a generation (`RunRequest`)
and a data question (`AskRequest`, see `data_questions`). `perform` is the one body of
a run, so a worker process and an app thread record exactly the same rows.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any, Protocol

from support_system.core.errors import SupportSystemError
from support_system.core.logging import get_logger
from support_system.data.schema import ExecutionStatus
from support_system.queue import data_questions
from support_system.queue.data_questions import AskRequest
from support_system.queue.errors import QuestionCancelled

#: Execution kinds of queued runs: "agent:<job kind>" for a task agent's, "api:<…>" for
#: /api/generate, "api:ask" for /api/ask's data questions, "generate:<job kind>" for the
#: wizard's generations (`session_id` set; the same kind as when the app runs them
#: itself). With a queue these runs are the workers', not any app process's.
AGENT_KIND, API_KIND, WIZARD_KIND = "agent:", "api:", "generate:"
QUEUED_KINDS = (AGENT_KIND, API_KIND, WIZARD_KIND)
ASK_KIND = f"{API_KIND}ask"

if TYPE_CHECKING:
    from support_system.accounts.limits import GenerationSlot
    from support_system.generators.pipeline import Budget, Progress
    from support_system.jobs.definitions import Job

log = get_logger(__name__)

Event = tuple[str, float]
"""A progress event: its kind ("attempt", "fallback", "done", …) and seconds into the run."""


@dataclass(frozen=True)
class RunRequest:
    """Everything a run needs, checked by the API before it is accepted."""

    job_id: str
    answers: dict[str, Any]
    goal: str
    owner_id: int
    project_id: int | None
    agent_id: int | None
    model: str | None
    lang: str
    attempts: int = 3
    seconds: float = 300.0
    tokens: int = 6000
    session_id: int | None = None
    """A wizard session's generation: its artifact is the session's next version."""
    alpha: float | None = None
    """The person's "faster ↔ better" weight for routing (None: the installation's)."""

    @classmethod
    def from_budget(cls, budget: Budget, **values: Any) -> RunRequest:
        return cls(attempts=budget.attempts, seconds=budget.seconds, tokens=budget.tokens, **values)

    @property
    def label(self) -> str:
        """What the run metrics call this kind of run: the job."""
        return self.job_id

    @property
    def budget(self) -> Budget:
        from support_system.generators.pipeline import Budget

        return Budget(attempts=self.attempts, seconds=self.seconds, tokens=self.tokens)

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> RunRequest:
        """Unknown keys are dropped, so a worker can read a newer app's payload."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in payload.items() if k in known})


AnyRequest = RunRequest | AskRequest
"""Any run a backend executes."""


def request_from_payload(payload: dict[str, Any]) -> AnyRequest:
    """The request a payload carries (one from before data questions is a generation's)."""
    if payload.get("kind") == data_questions.PAYLOAD_KIND:
        return AskRequest.from_payload(payload)
    return RunRequest.from_payload(payload)


class Runs(Protocol):
    """Where runs execute. Every method may be called from any app process (celery) or
    only from the one that started the run (thread); both answer the same questions."""

    def start(self, request: AnyRequest, slot: GenerationSlot | None = None) -> int:
        """Record the Execution and have the run done; returns the execution's id."""

    def events(self, execution_id: int, after: int = 0) -> list[Event]:
        """The run's progress events after the first `after` ones ([] if unknown here)."""

    def cancel(self, execution_id: int) -> bool:
        """Ask the run to stop at its next step; False if it is not running (here)."""

    def is_running(self, execution_id: int) -> bool:
        """True while the run is queued or going; its Execution row is final once False."""

    def wait_all(self, timeout: float) -> bool:
        """Before the app stops: wait for runs this process executes; False if some remain."""


def record_execution(request: AnyRequest, *, queued: bool = False) -> int:
    """The run's Execution row, committed before anything runs so its id can be polled
    and a crash still leaves a trace. `queued` marks it PENDING until a worker claims it.
    Raises UnknownJob for a generation of a job the catalogue does not have."""
    from support_system.data import repositories as repo
    from support_system.data.db import session_scope
    from support_system.data.repositories.queue_claims import mark_pending

    if isinstance(request, AskRequest):
        kind, goal = ASK_KIND, request.question
        project_id, agent_id = None, None
    elif request.session_id is not None:
        job = _job(request)
        kind, goal = f"{WIZARD_KIND}{job.kind}", job.id  # as the pipeline records its own
        project_id, agent_id = request.project_id, None
    else:
        job = _job(request)
        kind = f"{AGENT_KIND if request.agent_id is not None else API_KIND}{job.kind}"
        goal, project_id, agent_id = request.goal, request.project_id, request.agent_id
    with session_scope() as session:
        execution = repo.start_execution(
            session,
            kind=kind,
            goal=goal,
            project_id=project_id,
            session_id=getattr(request, "session_id", None),
            user_id=request.owner_id,
            task_agent_id=agent_id,
        )
        if queued:
            mark_pending(session, execution.id)
        return execution.id


def _job(request: RunRequest) -> Job:
    from support_system.jobs.catalogue import get_job

    return get_job(request.job_id)


def perform(
    request: AnyRequest,
    execution_id: int,
    *,
    on_progress: Progress,
    cancel: threading.Event | None = None,
) -> str:
    """Do the run into the Execution `execution_id` and make sure the row is closed
    whatever happens; returns the outcome ("completed", "failed", "crashed")."""
    if isinstance(request, AskRequest):
        return _answer(request, execution_id, on_progress=on_progress, cancel=cancel)
    return _generate(request, execution_id, on_progress=on_progress, cancel=cancel)


def _generate(
    request: RunRequest,
    execution_id: int,
    *,
    on_progress: Progress,
    cancel: threading.Event | None = None,
) -> str:
    """The job's pipeline, which records its attempts and closes the row itself. A
    wizard session's run writes the session's next version and, once delivered, marks
    the session completed (as the app does when it runs one itself)."""
    from support_system.generators.pipeline import run_pipeline
    from support_system.jobs import wizard, workspace
    from support_system.jobs.catalogue import get_job
    from support_system.jobs.flow import effective_answers

    outcome = "crashed"
    error = "crashed"
    recorded = False  # the pipeline closes the row itself when it returns
    try:
        job = get_job(request.job_id)
        base = workspace.project_dir(request.project_id) if request.project_id else None
        if request.session_id is not None:
            out_dir = workspace.new_output_dir(request.session_id)
        else:
            assert base is not None  # the API's runs always name a project
            folder = f"agents/{request.agent_id}" if request.agent_id is not None else "generated"
            out_dir = base / folder / str(execution_id)
        pipeline = run_pipeline(
            job,
            effective_answers(job, request.answers, request.lang),
            out_dir,
            lang=request.lang,
            model=request.model,
            alpha=request.alpha,
            budget=request.budget,
            base_dir=base,
            session_id=request.session_id,
            project_id=request.project_id,
            on_progress=on_progress,
            cancel=cancel,
            execution_id=execution_id,  # one row per run: this one
            user_id=request.owner_id,
        )
        if request.session_id is not None and not pipeline.cancelled and pipeline.main_file:
            wizard.complete(request.session_id)
        outcome = "completed" if pipeline.ok else "failed"
        recorded = pipeline.execution_id == execution_id
    except SupportSystemError as exc:
        outcome, error = "failed", type(exc).__name__
        log.warning("execution_failed", execution_id=execution_id, error=error)
    except Exception:  # noqa: BLE001 - the row must be closed whatever happened
        log.exception("execution_crashed", execution_id=execution_id)
    finally:
        if not recorded:
            close_execution(execution_id, ExecutionStatus.FAILED, None, error)
    return outcome


def _answer(
    request: AskRequest,
    execution_id: int,
    *,
    on_progress: Progress,
    cancel: threading.Event | None = None,
) -> str:
    """The data question: the answer (or the typed failure) becomes the row's result,
    and the upload is removed once the row is final. A cancel ends the row FAILED
    "cancelled", as a generation's does."""
    outcome, status = "crashed", ExecutionStatus.FAILED
    error: str | None = "crashed"
    result: dict[str, Any] | None = None
    try:
        result = data_questions.answer(request, on_progress=on_progress, cancel=cancel)
        outcome, status, error = "completed", ExecutionStatus.COMPLETED, None
    except QuestionCancelled:
        outcome, error = "failed", "cancelled"
    except Exception as exc:  # noqa: BLE001 - the row must be closed whatever happened
        if cancel is not None and cancel.is_set():  # stopped inside a step that wrapped it
            outcome, error = "failed", "cancelled"
        elif isinstance(exc, SupportSystemError):
            outcome, error = "failed", type(exc).__name__
            result = data_questions.failure_result(exc)
            log.warning("execution_failed", execution_id=execution_id, error=error)
        else:
            log.exception("execution_crashed", execution_id=execution_id)
    if outcome != "crashed":  # the events end as a generation's do
        on_progress("cancelled" if error == "cancelled" else "done", {"ok": error is None})
    close_execution(execution_id, status, result, error)
    data_questions.remove_upload(request)
    return outcome


def close_execution(
    execution_id: int, status: ExecutionStatus, result: dict[str, Any] | None, error: str | None
) -> None:
    """Write the outcome; a failure is logged (the row then says RUNNING until recovery)."""
    from support_system.data import repositories as repo
    from support_system.data.db import session_scope

    try:
        with session_scope() as session:
            repo.finish_execution(session, execution_id, status=status, result=result, error=error)
    except Exception:  # noqa: BLE001 - see docstring
        log.exception("execution_finish_failed", execution_id=execution_id)
