"""Errors about a person's account, preferences and keys (each with a ja/en message)."""

from __future__ import annotations

import math
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


class LoginFailed(SupportSystemError):
    """Wrong user name or password (one message for both, so names cannot be probed)."""

    message_key = "errors.login_failed"


class AccountLocked(SupportSystemError):
    """Too many wrong passwords in a row; `retry_after` seconds until the next try."""

    message_key = "errors.account_locked"

    def __init__(self, detail: str = "", *, retry_after: int, **params: Any) -> None:
        super().__init__(detail, retry_after=retry_after, minutes=-(-retry_after // 60), **params)
        self.retry_after = retry_after


class AccountDisabled(SupportSystemError):
    """An admin turned this account off."""

    message_key = "errors.account_disabled"


class RegistrationClosed(SupportSystemError):
    """Open registration is off and no valid invitation was given."""

    message_key = "errors.registration_closed"


class InviteInvalid(SupportSystemError):
    """The invitation code is unknown, used or expired."""

    message_key = "errors.invite_invalid"


class UsernameTaken(SupportSystemError):
    message_key = "errors.username_taken"


class UsernameInvalid(SupportSystemError):
    message_key = "errors.username_invalid"


class PasswordTooWeak(SupportSystemError):
    """`reason` is a short key: too_short, too_long, same_as_name."""

    message_key = "errors.password_too_weak"


class TokenInvalid(SupportSystemError):
    """A token that cannot be used: expired, tampered, revoked, or its user is gone."""

    message_key = "errors.token_invalid"


class PermissionDenied(SupportSystemError):
    """Signed in, but this needs a role or scope the caller does not have."""

    message_key = "errors.permission_denied"


class LimitExceeded(SupportSystemError):
    """Base of the refusals below; `retry_after` is whole seconds until a retry can work."""

    def __init__(self, detail: str = "", *, retry_after: int, **params: Any) -> None:
        retry_after = max(1, int(retry_after))
        super().__init__(
            detail,
            retry_after=retry_after,
            minutes=math.ceil(retry_after / 60),
            hours=math.ceil(retry_after / 3600),
            **params,
        )
        self.retry_after = retry_after


class RateLimitExceeded(LimitExceeded):
    """More requests in the last minute than `limits.requests_per_minute`."""

    message_key = "errors.limits.rate"


class TooManyGenerations(LimitExceeded):
    """Already `limits.concurrent_generations` runs going for this person."""

    message_key = "errors.limits.busy"


class QuotaExceeded(LimitExceeded):
    """Today's tokens or this month's money is used up; `quota` says which
    ("tokens_per_day" or "money_per_month", each with its own message)."""

    message_key = "errors.limits.tokens_per_day"

    def __init__(self, detail: str = "", *, retry_after: int, quota: str, **params: Any) -> None:
        super().__init__(detail, retry_after=retry_after, quota=quota, **params)
        self.quota = quota
        self.message_key = f"errors.limits.{quota}"


class RerunUnavailable(SupportSystemError):
    """This run cannot be started again (not a generation, its wizard pass is gone, or
    it is not the person's)."""

    message_key = "errors.rerun_unavailable"
