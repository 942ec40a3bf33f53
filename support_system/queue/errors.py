"""Why a queued run gave no answer, in words a person can act on (ja/en in the catalogue)."""

from __future__ import annotations

from support_system.core.errors import SupportSystemError


class QuestionCancelled(SupportSystemError):
    """A data question's run was cancelled before it was answered.

    Raised inside the run at its next step (the service has no cancel of its own; the
    row then ends FAILED "cancelled"), and by `/api/ask` to a client that was waiting
    for that answer.
    """

    message_key = "api.errors.answer_cancelled"
