"""Structured JSON logs (structlog) with secrets redacted before anything is written.

Redaction happens in a processor, so no call site has to remember it: keys that look
secret (api_key, password, token, secret, authorization) are masked, and so are values
shaped like provider keys (sk-…, sk-ant-…) wherever they appear in a message.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Any

import structlog

_SECRET_KEYS = re.compile(r"(api[_-]?key|password|passwd|secret|token|authorization)", re.I)
_SECRET_VALUES = re.compile(r"\b(sk-(?:ant-)?[A-Za-z0-9_\-]{8,}|Bearer\s+[A-Za-z0-9._\-]{8,})")
_COUNT_KEYS = re.compile(r"^tokens?_(in|out)$|_tokens$")
MASK = "***"


def redact(value: Any) -> Any:
    """Mask secret-looking substrings in strings, recursively in containers."""
    if isinstance(value, str):
        return _SECRET_VALUES.sub(MASK, value)
    if isinstance(value, dict):
        return {k: _redact_item(k, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact(v) for v in value)
    return value


def _redact_item(key: Any, value: Any) -> Any:
    if isinstance(key, str) and _SECRET_KEYS.search(key) and not _COUNT_KEYS.search(key):
        return MASK
    return redact(value)


def _redact_processor(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    return {k: _redact_item(k, v) for k, v in event_dict.items()}


def configure_logging(
    log_dir: Path | None = None, level: str = "INFO", *, to_stderr: bool = True
) -> None:
    """JSON lines, secrets masked, to `log_dir/app.log` (when given) and to stderr.

    Call once at the start of a process (the app and the CLI do): until then structlog
    prints to stdout without the masking processor. The CLI passes `to_stderr=False`,
    so a person at a terminal reads the command's messages, not log lines.
    """
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)] if to_stderr else []
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_dir / "app.log", encoding="utf-8"))
    logging.basicConfig(format="%(message)s", level=level, handlers=handlers, force=True)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            _redact_processor,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
