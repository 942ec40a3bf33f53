"""Errors of the operations tools (the local cluster) that a person sees, in ja and en."""

from __future__ import annotations

from typing import Any

from support_system.core.errors import SupportSystemError


class ClusterError(SupportSystemError):
    """A part of the local cluster is missing or did not start; `reason` says which."""

    message_key = "errors.cluster.service_failed"

    def __init__(self, detail: str = "", *, reason: str = "service_failed", **params: Any) -> None:
        super().__init__(detail, reason=reason, **params)
        self.reason = reason
        self.message_key = f"errors.cluster.{reason}"
