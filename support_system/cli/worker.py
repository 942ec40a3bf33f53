"""`worker`: a Celery worker that executes queued runs (`queue.backend: celery`).

One worker process runs one run at a time (solo pool): a run is CPU-bound and an
embedded model is held per process, so more runs at once on one process would only
share the same cores and load the model twice. Start one worker per model-holding
process you can afford; every app process queues to all of them through Redis.
"""

from __future__ import annotations

import os
import socket
from typing import Annotated

import typer

from support_system.cli.common import reports_errors
from support_system.core.i18n import t


@reports_errors
def worker(
    name: Annotated[
        str | None, typer.Option("--name", help="Worker name (default: worker-PID@host).")
    ] = None,
    log_level: Annotated[
        str, typer.Option("--log-level", help="Celery's own log level.")
    ] = "warning",
) -> None:
    """Execute queued generations until stopped (Ctrl+C finishes the current run first).

    Needs `queue.backend: celery` and the Redis at `queue.redis_url`. A worker killed
    mid-run loses nothing: the run is delivered again and starts over on a live worker.
    """
    from support_system.core.logging import configure_logging, get_logger
    from support_system.core.settings import get_settings
    from support_system.queue.celery_backend import QUEUE_NAME, close_lost_runs, make_celery

    settings = get_settings()
    configure_logging(settings.state_dir / "logs", settings.log_level, to_stderr=True)
    log = get_logger("support_system.worker")
    if settings.queue.backend != "celery":
        typer.echo(t("cli.worker.not_celery", None))
    try:  # the workers, not the app processes, own the clean-up of queued runs
        close_lost_runs(settings.queue)
    except Exception:  # noqa: BLE001 - Redis not up yet: Celery waits for it below
        log.warning("lost_runs_not_checked", exc_info=True)
    app = make_celery(settings.queue)
    app.worker_main(
        [
            "worker",
            "--pool=solo",
            "--concurrency=1",
            f"--loglevel={log_level}",
            f"--queues={QUEUE_NAME}",
            f"--hostname={name or f'worker-{os.getpid()}@{socket.gethostname()}'}",
            "--without-gossip",  # workers need not know each other: Redis is the rendezvous
            "--without-mingle",
        ]
    )


if __name__ == "__main__":  # `python -m support_system.cli.worker`, until the CLI lists it
    typer.run(worker)
