"""The usage ledger: model calls summed per model and day, from the UsageRecords.

The same rows the quotas are counted from, so what a person sees here is exactly what
limits them. A person sees their own; an admin may ask for anyone's (`user_id`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Query

from support_system.accounts.errors import PermissionDenied
from support_system.api.deps import Reader
from support_system.api.models import UsageOut, UsageRowOut, UserIdQuery
from support_system.data.db import session_scope
from support_system.data.repositories import api_queries

router = APIRouter(prefix="/api/usage", tags=["usage"])


@router.get("", response_model=UsageOut)
def usage(
    caller: Reader,
    user_id: UserIdQuery = None,
    days: int = Query(30, ge=1, le=366, description="How many days back, today included."),
) -> UsageOut:
    """Calls, tokens and cost per model and UTC day over the last `days` days."""
    who = caller.user_id if user_id is None else user_id
    if who != caller.user_id and not caller.is_admin:
        raise PermissionDenied(f"{caller.username} asked for user {who}'s usage", scope="admin")
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(days=days - 1)
    with session_scope() as session:
        rows = api_queries.usage_by_model_and_day(session, who, since=since)
    return UsageOut(
        user_id=who,
        since=since.date(),
        rows=[UsageRowOut.model_validate(row) for row in rows],
        tokens_in=sum(r.tokens_in for r in rows),
        tokens_out=sum(r.tokens_out for r in rows),
        cost=round(sum(r.cost for r in rows), 6),
    )
