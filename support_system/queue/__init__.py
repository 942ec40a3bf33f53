"""Where long runs execute: one interface, two backends (`queue.backend` in settings).

- `thread` (default): threads of the app process, progress in its memory — one process.
- `celery`: worker processes (`python -m support_system worker`) fed through Redis, with
  progress and cancel in Redis too, so any app process can start, watch or stop any run.

    runs = make_runs(metrics)
    execution_id = runs.start(RunRequest(...), slot)   # a generation
    execution_id = runs.start(AskRequest(...), slot)   # a data question (/api/ask)
    runs.events(execution_id, after=0); runs.is_running(execution_id); runs.cancel(...)

Either kind ends in its Execution row: a data question's answer is the row's `result`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from support_system.queue.base import AnyRequest, Event, RunRequest, Runs
from support_system.queue.data_questions import AskRequest

if TYPE_CHECKING:
    from support_system.api.metrics import Metrics
    from support_system.core.settings import QueueSettings

__all__ = ["AnyRequest", "AskRequest", "Event", "RunRequest", "Runs", "make_runs"]


def make_runs(metrics: Metrics, settings: QueueSettings | None = None) -> Runs:
    """The configured backend; imports Celery and Redis only when they are chosen."""
    from support_system.core.settings import get_settings

    settings = settings or get_settings().queue
    if settings.backend == "celery":
        from support_system.queue.celery_backend import CeleryRuns

        return CeleryRuns(settings)
    from support_system.api.runner import Runner
    from support_system.queue.thread_backend import ThreadRuns

    return ThreadRuns(Runner(metrics))
