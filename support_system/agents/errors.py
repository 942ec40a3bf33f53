"""Errors of agents, dialog mode and auto mode (each with a ja/en message)."""

from __future__ import annotations

from typing import Any

from support_system.core.errors import NotFound, ReasonError, SupportSystemError


class ConversationNotFound(NotFound):
    """No conversation with this id (a programming error, not a person's mistake)."""


class AgentError(SupportSystemError):
    """Base of agent errors."""

    message_key = "agents.errors.generic"


class AgentFileError(ReasonError, AgentError):
    """An agent file cannot be used; `file` and `field` name where, `reason` says why."""

    message_key = "agents.errors.invalid_file"
    defaults = {"file": "", "field": ""}

    def __init__(
        self, detail: str = "", *, file: str = "", field: str = "", reason: str = "", **params: Any
    ) -> None:
        super().__init__(detail, reason=reason, file=file, field=field, **params)
        self.file = file
        self.field = field


class AgentNotFound(AgentError):
    """No agent with this name (for this user)."""

    message_key = "agents.errors.not_found"


class AgentExists(AgentError):
    """A new agent would take a name that is already used."""

    message_key = "agents.errors.exists"


class RunNotFound(SupportSystemError):
    """No auto run has this id."""

    message_key = "auto.errors.not_found"


class RunNotPaused(SupportSystemError):
    """approve/correct on a run that is not waiting for the person."""

    message_key = "auto.errors.not_paused"


class ReplyBusy(SupportSystemError):
    """A reply is still being written in this conversation: wait for it, then send."""

    message_key = "agents.errors.reply_busy"
