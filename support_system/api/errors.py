"""One JSON shape for every error the API returns, with the message in both languages.

    {"error": {"code": "login_failed",
               "message": {"ja": "…", "en": "…"},
               "retry_after": 30}}          # only when waiting helps (423, 429)

A client shows `message` in its person's language and branches on `code`; it never
needs to parse FastAPI's or Starlette's own formats, which differ by error kind. The
app's errors (SupportSystemError) already carry both messages; the HTTP-level ones
(unknown route, wrong method, invalid body, a crash) get theirs from the `api.errors.*`
catalogue here. Nothing technical reaches the client: no stack trace, no input value
(a rejected body may hold a password), no SQL.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from support_system.accounts import errors as account_errors
from support_system.accounts.errors import LimitExceeded, PermissionDenied
from support_system.analysis.errors import AnalysisError
from support_system.core.errors import (
    AnswerInvalid,
    ModelError,
    NotFound,
    ReasonError,
    SupportSystemError,
    UnknownJob,
    UnknownModel,
)
from support_system.core.i18n import t
from support_system.core.languages import LANGUAGES
from support_system.core.logging import get_logger
from support_system.jobs.errors import ProjectNameInvalid

log = get_logger(__name__)


# --- the shape, as documented in the OpenAPI schema ---------------------------------------


class Message(BaseModel):
    ja: str
    en: str


class ErrorDetail(BaseModel):
    code: str
    message: Message
    retry_after: int | None = None


class ErrorBody(BaseModel):
    """What every error response holds."""

    error: ErrorDetail


_DESCRIPTIONS = {
    400: "The request cannot be done as asked",
    401: "Not signed in, or the token is not valid",
    403: "Signed in, but not allowed",
    404: "No such object (or it is not yours)",
    409: "Conflicts with what exists",
    413: "The uploaded file is too large",
    422: "The request's data is not valid",
    423: "The account is locked for now",
    429: "A rate limit or quota: retry after `retry_after` seconds",
    500: "Unexpected server error",
    503: "A model or the database is not available",
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text} for status, text in _DESCRIPTIONS.items()
}
"""Declared on every route, so the schema (and the tests generated from it) know the shape."""


# --- errors that exist only at the HTTP level ---------------------------------------------


class ApiError(SupportSystemError):
    """A refusal that belongs to the HTTP layer rather than to a service."""

    status = 400


class AuthRequired(ApiError):
    """No bearer token on a route that needs one (accounts mode)."""

    status = 401
    message_key = "api.errors.auth_required"


class RouteNotFound(ApiError):
    status = 404
    message_key = "api.errors.route_not_found"


class MethodNotAllowed(ApiError):
    status = 405
    message_key = "api.errors.method_not_allowed"


class RequestInvalid(ApiError):
    """The body, query or path does not match the schema; `problems` names the fields."""

    status = 422
    message_key = "api.errors.request_invalid"


class BodyUnreadable(ApiError):
    """The body is not text JSON at all (bytes that are not UTF-8, say)."""

    status = 400
    message_key = "api.errors.body_unreadable"


class HttpError(ApiError):
    """Any other HTTP refusal Starlette makes on its own (e.g. a malformed request)."""

    message_key = "api.errors.http_error"

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}", status=status)
        self.status = status


class InternalError(ApiError):
    """Something unexpected: the client gets the request id, the log gets the traceback."""

    status = 500
    message_key = "api.errors.internal_error"


class DatabaseUnavailable(ApiError):
    status = 503
    message_key = "api.errors.database_unavailable"


class PersonalTokenRefused(PermissionDenied):
    """Things a script's token must never do (change the password, mint wider tokens)."""

    message_key = "api.errors.personal_token_refused"


class ScopeMissing(PermissionDenied):
    """A personal token without the scope this route needs; `scope` names it."""

    message_key = "api.errors.scope_missing"

    def message(self, lang: str | None = None) -> str:
        scope = self.params.get("scope", "")
        return t(self.message_key, lang, scope=t(f"api.scopes.{scope}", lang))


class ConfigurationInvalid(ApiError):
    """A task agent's configuration names a question its job does not have."""

    status = 422
    message_key = "api.errors.configuration_invalid"


class FileOutsideProject(ApiError):
    """A file answer that points outside the project's own folder (another person's files)."""

    status = 422
    message_key = "api.errors.file_outside_project"


class AnswersMissing(ApiError):
    """Required questions without an answer or a default: the run would fail."""

    status = 422
    message_key = "api.errors.answers_missing"


class UploadTooLarge(ApiError):
    status = 413
    message_key = "api.errors.upload_too_large"


class GlobalNeedsAdmin(ApiError):
    """Only admins add to or remove from the shared (global) documents."""

    status = 403
    message_key = "api.errors.global_documents_admin_only"


# --- status codes of the app's own errors -------------------------------------------------

_STATUS: list[tuple[type[SupportSystemError], int]] = [
    (account_errors.LoginFailed, 401),
    (account_errors.TokenInvalid, 401),
    (account_errors.AccountLocked, 423),
    (account_errors.AccountDisabled, 403),
    (account_errors.RegistrationClosed, 403),
    (account_errors.InviteInvalid, 403),
    (PermissionDenied, 403),
    (account_errors.UsernameTaken, 409),
    (account_errors.UsernameInvalid, 422),
    (account_errors.PasswordTooWeak, 422),
    (account_errors.APIKeyEmpty, 422),
    (account_errors.PreferenceInvalid, 422),
    (AnswerInvalid, 422),
    (ReasonError, 422),
    (UnknownJob, 422),
    (UnknownModel, 422),
    (ProjectNameInvalid, 422),
    (AnalysisError, 422),
    (LimitExceeded, 429),
    (NotFound, 404),
    (ModelError, 503),
]


def status_for(error: SupportSystemError) -> int:
    """The HTTP status of an app error (400 for one the table does not know)."""
    if isinstance(error, ApiError):
        return error.status
    for cls, status in _STATUS:
        if isinstance(error, cls):
            return status
    return 400


_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def code_for(error: SupportSystemError) -> str:
    """The stable machine-readable code: the class name in snake_case.

    Every NotFound is "not_found", whatever it was called inside: which kind of object a
    missing id was is nothing a client needs, and saying less leaks less.
    """
    if isinstance(error, NotFound):
        return "not_found"
    return _WORD_START.sub("_", type(error).__name__).lower()  # APIKeyEmpty → api_key_empty


def error_body(error: SupportSystemError) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "code": code_for(error),
        "message": {lang: error.message(lang) for lang in LANGUAGES},
    }
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, int):
        detail["retry_after"] = retry_after
    return {"error": detail}


def error_response(error: SupportSystemError, status: int | None = None) -> JSONResponse:
    """The JSON response for `error`, with the headers its status calls for."""
    status = status or status_for(error)
    body = error_body(error)
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    retry_after = body["error"].get("retry_after")
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return JSONResponse(body, status_code=status, headers=headers)


# --- handlers -----------------------------------------------------------------------------


def _note(request: Request, error: SupportSystemError) -> None:
    """Let the request middleware count and log the error by its code."""
    request.scope.setdefault("state", {})["error_code"] = code_for(error)


def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SupportSystemError)
    _note(request, exc)
    status = status_for(exc)
    if status >= 500:
        log.warning("api_error", error=type(exc).__name__, detail=exc.detail)
    return error_response(exc, status)


def _problems(exc: RequestValidationError) -> str:
    """Which fields are wrong and how, without the values (they may be secrets)."""
    parts = []
    for problem in exc.errors()[:5]:
        where = ".".join(str(p) for p in problem.get("loc", ()) if p not in ("body",))
        parts.append(f"{where or 'body'}: {problem.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    error = RequestInvalid(problems=_problems(exc))
    _note(request, error)
    return error_response(error)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    error: ApiError
    if exc.status_code == 404:
        error = RouteNotFound()
    elif exc.status_code == 405:
        error = MethodNotAllowed(method=request.method)
    elif exc.status_code == 400:
        error = BodyUnreadable(str(exc.detail))
    else:
        error = HttpError(exc.status_code)
    _note(request, error)
    response = error_response(error, exc.status_code)
    for name, value in (exc.headers or {}).items():
        response.headers.setdefault(name, value)
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Route every kind of error through the one shape (crashes: see `middleware`)."""
    app.add_exception_handler(SupportSystemError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
