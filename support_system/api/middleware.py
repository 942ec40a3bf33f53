"""What every request goes through: a request id, one log line, metrics, and a last net
for crashes.

A plain ASGI middleware (not Starlette's BaseHTTPMiddleware) so streamed responses are
not buffered and the route template, set by the router on the shared scope, is known
when the response ends. It sits outside Starlette's exception middleware: an exception
no handler took reaches it, is logged with its traceback under the request id, and the
client gets the one error shape with that id — never the traceback.

Logged per request: method, route template, status, milliseconds, request id, user id,
error code. Never headers, query strings or bodies: they carry tokens and passwords.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from support_system.api.errors import InternalError, code_for, error_response
from support_system.api.metrics import UNMATCHED, Metrics
from support_system.core.logging import get_logger

log = get_logger("support_system.api")

REQUEST_ID_HEADER = "x-request-id"
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


def _request_id(scope: Scope) -> str:
    """The caller's id when it is a sane token (so traces join up), else a new one."""
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER.encode():
            candidate = value.decode("latin-1").strip()
            if _VALID_ID.match(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def _route(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class RequestContext:
    """Request id, access log, metrics and the crash net (see the module docstring)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                log.exception("http_crash", method=scope["method"], route=_route(scope))
                if response_started:
                    raise  # too late for a clean answer; the server closes the connection
                error = InternalError("unhandled exception", request_id=request_id)
                state["error_code"] = code_for(error)
                response = error_response(error)
                await response(scope, receive, send_with_id)
            finally:
                seconds = time.perf_counter() - started
                route = _route(scope)
                self.metrics.observe(route, scope["method"], status, seconds)
                code = state.get("error_code")
                if code is not None:
                    self.metrics.errors.labels(route, code).inc()
                log.info(
                    "http_request",
                    method=scope["method"],
                    route=route,
                    status=status,
                    ms=round(seconds * 1000, 1),
                    user_id=state.get("user_id"),
                    error_code=code,
                )
