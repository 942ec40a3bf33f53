"""Per-user rate limits and quotas, so one person (or one runaway script) cannot take a
shared installation from everyone else.

Three limits, each refused *before* anything is done, so a refused request changes
nothing and the person can simply try again when told:

- requests per minute (`limits.requests_per_minute`, a moving window of the `limits`
  library: no burst of twice the limit at a window edge);
- generations running at once (`limits.concurrent_generations`), a counter in the same
  storage, taken when a run starts and given back when it ends;
- tokens per day and money per month (`limits.tokens_per_day`, `limits.money_per_month`),
  summed from the UsageRecords, so the ledger and the quota can never disagree.

Storage is `limits.storage_url`: `memory://` keeps counters in this process (one
`Limits` per app instance, so tests with several apps never share counters);
`redis://…` shares them between processes and hosts.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime, timedelta

from limits import RateLimitItemPerMinute
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from support_system.accounts.errors import (
    QuotaExceeded,
    RateLimitExceeded,
    TooManyGenerations,
)
from support_system.core.settings import LimitSettings, get_settings

KEY_PREFIX = "support_system"
RUN_SLOT_SECONDS = 6 * 60 * 60
"""How long a generation slot may be held before the storage forgets it: a process that
crashed mid-run must not block its user for ever (longer than any run's budget)."""
BUSY_RETRY_SECONDS = 30
"""What a person is told to wait when all their generation slots are busy: runs take tens
of seconds to minutes, and there is no way to know which will end first."""


class GenerationSlot:
    """One running generation of one user; `release()` gives the slot back (idempotent)."""

    def __init__(self, storage: Storage, key: str) -> None:
        self._storage = storage
        self._key = key
        self._released = threading.Event()

    def release(self) -> None:
        if self._released.is_set():
            return
        self._released.set()
        self._storage.incr(self._key, RUN_SLOT_SECONDS, amount=-1)


class Limits:
    """The limits of one app instance (its own storage unless the URL is shared)."""

    def __init__(self, settings: LimitSettings | None = None) -> None:
        self.settings = settings or get_settings().limits
        self.storage = storage_from_string(self.settings.storage_url)
        self._limiter = MovingWindowRateLimiter(self.storage)
        self._per_minute = RateLimitItemPerMinute(self.settings.requests_per_minute)

    # --- requests per minute --------------------------------------------------------------

    def hit(self, who: str) -> None:
        """Count one request of `who` ("user:3", "ip:…"); RateLimitExceeded when over."""
        if self._limiter.hit(self._per_minute, KEY_PREFIX, "requests", who):
            return
        stats = self._limiter.get_window_stats(self._per_minute, KEY_PREFIX, "requests", who)
        raise RateLimitExceeded(
            f"{who}: over {self.settings.requests_per_minute} requests per minute",
            retry_after=math.ceil(stats.reset_time - time.time()),
            limit=self.settings.requests_per_minute,
        )

    # --- generations at once --------------------------------------------------------------

    def start_generation(self, user_id: int) -> GenerationSlot:
        """Take one of the user's generation slots; TooManyGenerations when none is free.

        The caller must `release()` the slot when the run ends, however it ends.
        """
        key = f"{KEY_PREFIX}/generations/{user_id}"
        running = self.storage.incr(key, RUN_SLOT_SECONDS, amount=1)
        if running > self.settings.concurrent_generations:
            self.storage.incr(key, RUN_SLOT_SECONDS, amount=-1)
            raise TooManyGenerations(
                f"user {user_id}: {running - 1} generations running",
                retry_after=BUSY_RETRY_SECONDS,
                limit=self.settings.concurrent_generations,
            )
        return GenerationSlot(self.storage, key)

    def running_generations(self, user_id: int) -> int:
        return max(0, self.storage.get(f"{KEY_PREFIX}/generations/{user_id}"))

    # --- quotas ---------------------------------------------------------------------------

    def check_quota(self, user_id: int, *, now: datetime | None = None) -> None:
        """QuotaExceeded when the user has used up today's tokens or this month's money."""
        tokens_per_day = self.settings.tokens_per_day
        money_per_month = self.settings.money_per_month
        if tokens_per_day is None and money_per_month is None:
            return
        from support_system.data.db import session_scope
        from support_system.data.repositories.api_queries import cost_since, tokens_since

        now = now or datetime.now(UTC)
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        month_start = day_start.replace(day=1)
        with session_scope() as session:
            if tokens_per_day is not None:
                used = tokens_since(session, user_id, day_start)
                if used >= tokens_per_day:
                    next_day = day_start + timedelta(days=1)
                    raise QuotaExceeded(
                        f"user {user_id}: {used} of {tokens_per_day} tokens today",
                        retry_after=math.ceil((next_day - now).total_seconds()),
                        quota="tokens_per_day",
                        limit=tokens_per_day,
                    )
            if money_per_month is not None:
                spent = cost_since(session, user_id, month_start)
                if spent >= money_per_month:
                    next_month = (month_start + timedelta(days=32)).replace(day=1)
                    raise QuotaExceeded(
                        f"user {user_id}: spent {spent:.2f} of {money_per_month:.2f} this month",
                        retry_after=math.ceil((next_month - now).total_seconds()),
                        quota="money_per_month",
                        limit=money_per_month,
                    )
