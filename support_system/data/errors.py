"""Errors of the data layer that a person sees (each with a ja/en message)."""

from __future__ import annotations

from typing import Any

from support_system.core.errors import SupportSystemError


class BackupError(SupportSystemError):
    """A backup could not be made, checked or restored; `reason` says why (ja/en)."""

    message_key = "errors.backup.damaged"

    def __init__(self, detail: str = "", *, reason: str = "damaged", **params: Any) -> None:
        super().__init__(detail, reason=reason, **params)
        self.reason = reason
        self.message_key = f"errors.backup.{reason}"
