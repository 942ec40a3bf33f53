"""Public, unauthenticated routes for operators: /health and /metrics.

/health answers 200 only when the database answers, so a load balancer or `./scripts/start`
can wait on it; it says nothing about users or data. /metrics is the Prometheus text
format of this instance's metrics (route templates only, never ids or user names).
"""

from __future__ import annotations

from importlib import metadata

from fastapi import APIRouter, Request, Response

from support_system.api.errors import DatabaseUnavailable
from support_system.api.models import HealthOut
from support_system.core.settings import get_settings

router = APIRouter(tags=["system"])


def version() -> str:
    try:
        return metadata.version("support_system")
    except metadata.PackageNotFoundError:
        return "0+unknown"


@router.get("/health", response_model=HealthOut)
def health() -> HealthOut:
    from support_system.data.db import session_scope
    from support_system.data.repositories.api_queries import ping

    try:
        with session_scope() as session:
            ping(session)
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        raise DatabaseUnavailable(type(exc).__name__) from exc
    return HealthOut(
        status="ok", database="ok", version=version(), auth_mode=get_settings().auth.mode
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics(request: Request) -> Response:
    registry = request.app.state.metrics
    return Response(registry.render(), media_type=registry.content_type)
