"""The FastAPI application: `create_app()` builds one, `serve-api` runs it with uvicorn.

Everything an instance owns — its rate-limit storage, its metrics registry, where its
background executions run (`support_system.queue`) — is made here and hung on
`app.state`, never kept in module globals, so two apps in one process (tests, or an API
beside the UI) share nothing but the database. Routers live one per kind of object;
every route declares the error responses, so the OpenAPI schema at /openapi.json
describes the error shape too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from support_system.accounts.limits import Limits
from support_system.api import (
    admin,
    apikeys,
    ask,
    auth,
    chat,
    execution_stream,
    executions,
    generate,
    jobs,
    knowledge,
    me,
    projects,
    system,
    task_agents,
    tokens,
    usage,
)
from support_system.api.errors import ERROR_RESPONSES, install_error_handlers
from support_system.api.metrics import Metrics
from support_system.api.middleware import RequestContext
from support_system.api.system import version
from support_system.api.usage_metrics import UsageCollector
from support_system.core.errors import SupportSystemError
from support_system.core.logging import get_logger
from support_system.core.settings import get_settings
from support_system.queue import make_runs

log = get_logger(__name__)

DESCRIPTION = """\
The support_system REST API: projects, task agents and their executions, personal API
tokens, provider keys, usage, data questions, the knowledge base, conversations, and
administration. WebSockets (not in this schema): `/ws/chat/{conversation_id}` streams an
agent's reply token by token and resumes with `?last_event_id=`; `/ws/executions/{id}`
streams a run's progress.

Send `Authorization: Bearer <token>` — an access token from `/api/auth/login`, or a
personal token (`sst_…`) from `/api/tokens`. Every error has one shape:
`{"error": {"code": "...", "message": {"ja": "...", "en": "..."}, "retry_after": 30}}`.
"""

ROUTERS = (
    system,
    auth,
    me,
    projects,
    task_agents,
    executions,
    tokens,
    apikeys,
    jobs,
    usage,
    generate,
    ask,
    chat,
    knowledge,
    admin,
)
SOCKETS = (chat.ws_router, execution_stream.router)
"""WebSocket routes: the chat and execution progress streams (no HTTP error responses)."""

SHUTDOWN_WAIT_SECONDS = 300.0
"""How long stopping the server waits for running executions (a generation's budget)."""


def _warm_up() -> None:
    """Load the job catalogue before the first request: loading checks every job file and
    its samples (seconds), and fifty first requests at once would each pay for it."""
    from support_system.jobs.catalogue import load_catalogue

    try:
        load_catalogue()
    except SupportSystemError as exc:  # /api/jobs will report it; the rest of the API works
        log.warning("job_catalogue_unavailable", error=type(exc).__name__, detail=exc.detail)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    await run_in_threadpool(_warm_up)
    yield
    await run_in_threadpool(app.state.runs.wait_all, SHUTDOWN_WAIT_SECONDS)


def create_app() -> FastAPI:
    """A new, independent API application configured from the current settings."""
    settings = get_settings()
    app = FastAPI(
        title="support_system API",
        version=version(),
        description=DESCRIPTION,
        lifespan=_lifespan,
    )
    app.state.metrics = Metrics()
    app.state.metrics.registry.register(UsageCollector())
    app.state.limits = Limits(settings.limits)
    app.state.runs = make_runs(app.state.metrics, settings.queue)  # queue.backend

    for module in ROUTERS:
        app.include_router(module.router, responses=ERROR_RESPONSES)
    for socket_router in SOCKETS:
        app.include_router(socket_router)

    install_error_handlers(app)
    app.add_middleware(RequestContext, metrics=app.state.metrics)
    return app
