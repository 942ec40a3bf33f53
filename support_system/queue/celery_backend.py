"""`queue.backend: celery`: runs on worker processes, fed through Redis.

Any app process may start, watch or cancel any run, so everything about a run that is
not in the database is in Redis, under `support_system:run:<id>:…`:

- `events`: a stream (XADD) of the pipeline's progress events, read with XRANGE;
- `active`: set while the run is queued or going, deleted once its row is final;
- `cancel`: set by a cancel request; the worker polls it and sets the pipeline's event;
- `lease`: the worker holding the run, renewed while it is alive;
- `attempts`: how many times a worker started it (more than one: a "restarted" event).

Exactly once. Celery is configured for at-least-once delivery (`acks_late`, reject on a
lost worker, a visibility timeout above the longest run), so a run is redelivered when
its worker dies — and also when it merely outlasts the visibility timeout. The task
therefore (1) takes the lease, or, if a live worker holds it, retries later and never
runs beside it; (2) claims the Execution row with a conditional UPDATE, which refuses a
row that is already COMPLETED or FAILED, so a late redelivery does nothing; (3) runs.
A worker killed mid-run leaves the row RUNNING and its lease expiring, so the
redelivered task takes both and starts the run again.

The one task runs both kinds of request — a generation or a data question (the payload's
`kind`, see `base.request_from_payload`) — so both get all of the above.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from support_system.core.logging import get_logger
from support_system.queue.base import (
    AnyRequest,
    Event,
    perform,
    record_execution,
    request_from_payload,
)

if TYPE_CHECKING:
    import redis
    from celery import Celery, Task

    from support_system.accounts.limits import GenerationSlot
    from support_system.core.settings import QueueSettings

log = get_logger(__name__)

TASK_NAME = "support_system.run_execution"
QUEUE_NAME = "support_system.runs"
KEY_PREFIX = "support_system:run"
KEEP_SECONDS = 7 * 24 * 3600
"""How long a run's events and flags stay in Redis after it was queued (then forgotten)."""
MAX_EVENTS = 200  # as the thread backend: more events than this is a loop
CANCEL_POLL_SECONDS = 0.5
TEST_DELAY_ENV = "SUPPORT_SYSTEM_TEST_RUN_DELAY_SECONDS"
"""Test only: seconds a worker waits (cancellable) before the pipeline, so a test can
kill a worker or cancel a run mid-run. Never set it in production."""


def key(execution_id: int, part: str) -> str:
    return f"{KEY_PREFIX}:{execution_id}:{part}"


def lease_seconds(settings: QueueSettings) -> int:
    """Short enough that a killed worker's run restarts soon after redelivery, long
    enough that a busy worker renews it in time (every third of it)."""
    return max(3, min(30, settings.visibility_timeout_seconds // 2))


def redis_client(url: str) -> redis.Redis:
    import redis

    return redis.Redis.from_url(
        url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30
    )


def make_celery(settings: QueueSettings) -> Celery:
    """A Celery app on the configured Redis with the one task registered."""
    from celery import Celery

    app = Celery("support_system", broker=settings.redis_url, backend=settings.redis_url)
    visibility = settings.visibility_timeout_seconds
    transport = {
        "visibility_timeout": visibility,
        # Look for abandoned (unacknowledged) runs every few seconds, not every 100 s:
        # the sweep is one cheap ZRANGE, and a killed worker's run waits for it.
        "unacked_restore_interval": max(1, min(10, visibility // 10)),
        "unacked_restore_throttle": 1,
    }
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options=transport,
        result_backend_transport_options={"visibility_timeout": visibility},
        broker_connection_retry_on_startup=True,
        task_default_queue=QUEUE_NAME,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=24 * 3600,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    app.task(name=TASK_NAME, bind=True, max_retries=None, ignore_result=False)(run_execution)
    app.conf.support_system_queue = settings  # the task reads its settings from its app
    return app


# --- the app side ---------------------------------------------------------------------------


class CeleryRuns:
    """The `Runs` interface over Celery workers; every method works from any app process."""

    def __init__(self, settings: QueueSettings) -> None:
        self.settings = settings
        self.celery = make_celery(settings)
        self.redis = redis_client(settings.redis_url)

    def start(self, request: AnyRequest, slot: GenerationSlot | None = None) -> int:
        """Queue the run. The generation slot is given back at once: the workers' number
        bounds how many runs go at a time, and the queue keeps the rest waiting."""
        from support_system.queue.base import close_execution

        try:
            execution_id = record_execution(request, queued=True)
        finally:
            if slot is not None:
                slot.release()
        try:
            self.redis.set(key(execution_id, "active"), "1", ex=KEEP_SECONDS)
            self.celery.send_task(
                TASK_NAME,
                args=[execution_id, request.to_payload()],
                task_id=f"execution-{execution_id}",
                queue=QUEUE_NAME,
            )
        except Exception:
            from support_system.data.schema import ExecutionStatus

            close_execution(execution_id, ExecutionStatus.FAILED, None, "queue unavailable")
            self.redis.delete(key(execution_id, "active"))
            raise
        return execution_id

    def events(self, execution_id: int, after: int = 0) -> list[Event]:
        entries = self.redis.xrange(key(execution_id, "events"), count=MAX_EVENTS)
        return [_event(fields) for _, fields in entries[max(0, after) :]]

    def progress(self, execution_id: int) -> list[tuple[str, float, dict[str, Any]]]:
        """The run's events with their details (kind, seconds, info), for pages that
        describe each step; `events` keeps the API's (kind, seconds) shape."""
        entries = self.redis.xrange(key(execution_id, "events"), count=MAX_EVENTS)
        return [
            (*_event(fields), json.loads(fields.get(b"info", b"{}") or b"{}"))
            for _, fields in entries
        ]

    def cancel(self, execution_id: int) -> bool:
        if not self.is_running(execution_id):
            return False
        self.redis.set(key(execution_id, "cancel"), "1", ex=KEEP_SECONDS)
        return True

    def is_running(self, execution_id: int) -> bool:
        return bool(self.redis.exists(key(execution_id, "active")))

    def wait_all(self, timeout: float) -> bool:
        """Runs live in the workers: stopping an app process interrupts none of them."""
        self.redis.close()
        return True


def _event(fields: dict[bytes, bytes]) -> Event:
    return fields[b"kind"].decode(), float(fields[b"seconds"])


def plain_info(info: dict[str, Any]) -> dict[str, Any]:
    """An event's details as JSON for the stream: numbers and words as they are, the
    checks of a "checked" event as their names and outcomes, routing's reason in each
    language; anything else is left out
    (it is for this process only, such as a model's partial text)."""
    plain: dict[str, Any] = {}
    for name, value in info.items():
        if isinstance(value, (str, int, float, bool)) or value is None:
            plain[name] = value
        elif name == "reasons" and isinstance(value, dict):  # routing's sentence per language
            plain[name] = {str(lang): str(text) for lang, text in value.items()}
        elif name == "checks":
            plain[name] = [
                {"name": str(getattr(c, "name", "")), "passed": bool(getattr(c, "passed", False))}
                for c in value
            ]
    return plain


# --- the worker side ------------------------------------------------------------------------


class _Watch:
    """While the run goes: renew the lease and turn a cancel request into the event."""

    def __init__(self, client: redis.Redis, execution_id: int, token: str, lease: int) -> None:
        self.client, self.execution_id, self.token, self.lease = client, execution_id, token, lease
        self.cancel = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="run-watch", daemon=True)

    def __enter__(self) -> _Watch:
        self._check_cancel()  # a run cancelled while queued never starts its pipeline
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _check_cancel(self) -> None:
        if self.client.exists(key(self.execution_id, "cancel")):
            self.cancel.set()

    def _loop(self) -> None:
        renewed = time.monotonic()
        while not self._stop.wait(CANCEL_POLL_SECONDS):
            try:
                self._check_cancel()
                if time.monotonic() - renewed >= self.lease / 3:
                    self.client.set(key(self.execution_id, "lease"), self.token, ex=self.lease)
                    renewed = time.monotonic()
            except Exception:  # noqa: BLE001 - Redis hiccup: try again next tick
                log.warning("run_watch_failed", execution_id=self.execution_id)


class _Stream:
    """The pipeline's progress events, appended to the run's Redis stream."""

    def __init__(self, client: redis.Redis, execution_id: int) -> None:
        self.client, self.key = client, key(execution_id, "events")
        self.started = time.monotonic()

    def add(self, kind: str, info: dict[str, Any] | None = None) -> None:
        seconds = round(time.monotonic() - self.started, 2)
        fields = {"kind": kind, "seconds": seconds, "info": json.dumps(plain_info(info or {}))}
        try:
            self.client.xadd(self.key, fields, maxlen=MAX_EVENTS)
            self.client.expire(self.key, KEEP_SECONDS)
        except Exception:  # noqa: BLE001 - progress is a nicety; the run matters more
            log.warning("run_event_lost", key=self.key, kind=kind)


_clients: dict[str, redis.Redis] = {}


def run_execution(task: Task, execution_id: int, payload: dict[str, Any]) -> str:
    """The Celery task (see the module docstring); returns what it did, for the log."""
    from support_system.data.db import session_scope
    from support_system.data.repositories.queue_claims import claim_execution

    settings: QueueSettings = task.app.conf.support_system_queue
    client = _clients.get(settings.redis_url) or _clients.setdefault(
        settings.redis_url, redis_client(settings.redis_url)
    )
    lease, token = lease_seconds(settings), uuid.uuid4().hex
    lease_key = key(execution_id, "lease")
    if not client.set(lease_key, token, nx=True, ex=lease):
        log.info("run_held_elsewhere", execution_id=execution_id)
        raise task.retry(countdown=lease)
    try:
        with session_scope() as session:
            claimed = claim_execution(session, execution_id)
        if not claimed:  # finished by an earlier delivery (or deleted): nothing to do
            log.info("run_already_finished", execution_id=execution_id)
            client.delete(key(execution_id, "active"))
            return "already finished"
        stream = _Stream(client, execution_id)
        attempts = key(execution_id, "attempts")
        if client.incr(attempts) > 1:  # an earlier attempt died mid-run
            log.warning("run_restarted", execution_id=execution_id)
            stream.add("restarted")
        else:  # the page can tell "waiting in the queue" from "a worker is on it"
            stream.add("taken")
        client.expire(attempts, KEEP_SECONDS)
        with _Watch(client, execution_id, token, lease) as watch:
            delay = float(os.environ.get(TEST_DELAY_ENV) or 0)
            if delay > 0:
                watch.cancel.wait(delay)
            outcome = perform(
                request_from_payload(payload),
                execution_id,
                on_progress=stream.add,
                cancel=watch.cancel,
            )
        client.delete(key(execution_id, "active"))
        return outcome
    finally:
        if client.get(lease_key) == token.encode():
            client.delete(lease_key)


LOST_AFTER_SECONDS = 120
"""A queued run's row this old with no `active` flag in Redis will never run: its
message is gone (Redis lost its data, or the app died between the row and the send)."""


def close_lost_runs(settings: QueueSettings) -> int:
    """Close queued runs no message will ever finish, as "interrupted"; how many.

    The workers own the clean-up of queued runs (an app process cannot tell another
    process's run from a dead one): a worker calls this when it starts. A run whose
    flag is still set is left alone — its message comes back to a worker, which starts
    it again."""
    from datetime import timedelta

    from support_system.data import repositories as repo
    from support_system.data.db import session_scope
    from support_system.data.repositories.queue_claims import unfinished_queued
    from support_system.data.schema import ExecutionStatus, utcnow
    from support_system.queue.base import QUEUED_KINDS, close_execution

    client = redis_client(settings.redis_url)
    try:
        with session_scope() as session:
            candidates = unfinished_queued(
                session,
                kinds=QUEUED_KINDS,
                started_before=utcnow() - timedelta(seconds=LOST_AFTER_SECONDS),
            )
        lost = [i for i in candidates if not client.exists(key(i, "active"))]
    finally:
        client.close()
    for execution_id in lost:
        close_execution(execution_id, ExecutionStatus.FAILED, None, repo.INTERRUPTED)
    if lost:
        log.warning("queued_runs_closed_as_lost", count=len(lost), ids=lost[:20])
    return len(lost)
