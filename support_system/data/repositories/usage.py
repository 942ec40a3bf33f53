"""What each model call cost: one row per call (model, tokens, seconds, outcome)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from support_system.data.schema import UsageRecord


def record_usage(session: Session, **fields: Any) -> UsageRecord:
    """Add one UsageRecord (fields as in the model: model, provider, tokens_in, …)."""
    record = UsageRecord(**fields)
    session.add(record)
    session.flush()
    return record


def usage_per_model_since(session: Session, since: datetime) -> list[tuple[Any, ...]]:
    """Per model and status since `since` (cache hits left out: they cost no model time):
    (model, status value, calls, tokens out, latency ms, cost) — the /metrics gauges."""
    query = (
        select(
            UsageRecord.model,
            UsageRecord.status,
            func.count(),
            func.sum(UsageRecord.tokens_out),
            func.sum(UsageRecord.latency_ms),
            func.sum(UsageRecord.cost),
        )
        .where(UsageRecord.created_at >= since, UsageRecord.cache_hit.is_(False))
        .group_by(UsageRecord.model, UsageRecord.status)
    )
    return [
        (model, str(getattr(status, "value", status)), n, out or 0, ms or 0, float(spent or 0))
        for model, status, n, out, ms, spent in session.execute(query)
    ]
