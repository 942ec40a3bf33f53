"""Errors about a person's account, preferences and keys (each with a ja/en message)."""

from __future__ import annotations

from typing import Any

from support_system.core.errors import SupportSystemError


class PreferenceInvalid(SupportSystemError):
    """A preference change was refused; `field` names the preference, `detail` says why.

    Only raised for changes a person asks for: bad values already in the database are
    dropped on load instead (see `load_preferences`).
    """

    message_key = "errors.preference_invalid"

    def __init__(self, detail: str = "", *, field: str = "", **params: Any) -> None:
        super().__init__(detail, field=field, **params)
        self.field = field


class APIKeyEmpty(SupportSystemError):
    """A key was to be saved but the box was empty (or only spaces)."""

    message_key = "errors.api_key_empty"
