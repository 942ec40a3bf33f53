"""What each model call cost: one row per call (model, tokens, seconds, outcome)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from support_system.data.schema import UsageRecord


def record_usage(session: Session, **fields: Any) -> UsageRecord:
    """Add one UsageRecord (fields as in the model: model, provider, tokens_in, …)."""
    record = UsageRecord(**fields)
    session.add(record)
    session.flush()
    return record
