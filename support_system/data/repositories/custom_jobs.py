"""Custom jobs: the job definition planned for one person's request."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from support_system.data.schema import CustomJob


def add_custom_job(
    session: Session, job_id: str, user_id: int, request: str, definition: dict[str, Any]
) -> CustomJob:
    """Store a planned job (its id is chosen by the caller)."""
    row = CustomJob(id=job_id, user_id=user_id, request=request, definition=definition)
    session.add(row)
    session.flush()
    return row


def get_custom_job(session: Session, job_id: str) -> CustomJob | None:
    """The stored custom job with this id, or None."""
    return session.get(CustomJob, job_id)
