"""Wizard passes: one row per pass through a job's questions, answers saved as given."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from support_system.core.errors import NotFound
from support_system.data.schema import WizardSession, WizardStatus


def create_wizard_session(
    session: Session, user_id: int, job_id: str, *, language: str, project_id: int | None = None
) -> WizardSession:
    """Start a wizard pass for `job_id` (no answers yet)."""
    wizard = WizardSession(
        user_id=user_id, job_id=job_id, language=language, project_id=project_id, answers={}
    )
    session.add(wizard)
    session.flush()
    return wizard


def save_answer(
    session: Session, wizard_session_id: int, question_id: str, value: Any, current_step: int
) -> WizardSession:
    """Record one answer and the step reached.

    The design promises every answer is saved the moment it is given, so callers save
    it in a scope of its own (`jobs.wizard`): a crash or closed tab on the next question
    must not lose it. The row is re-read (locked on PostgreSQL) so answers saved by
    another session in the meantime are kept, not overwritten by a stale copy.
    """
    wizard = session.get(
        WizardSession, wizard_session_id, with_for_update=True, populate_existing=True
    )
    if wizard is None:
        raise NotFound(f"wizard session {wizard_session_id} does not exist")
    wizard.answers = {
        **wizard.answers,
        question_id: value,
    }  # new dict: JSON is not mutation-tracked
    wizard.current_step = current_step
    session.flush()
    return wizard


def replace_answers(
    session: Session, wizard_session_id: int, answers: dict[str, Any]
) -> WizardSession:
    """Put back a whole set of answers (an earlier version's), the cursor at the start."""
    wizard = session.get(
        WizardSession, wizard_session_id, with_for_update=True, populate_existing=True
    )
    if wizard is None:
        raise NotFound(f"wizard session {wizard_session_id} does not exist")
    wizard.answers = dict(answers)
    wizard.current_step = 0
    session.flush()
    return wizard


def get_wizard_session(
    session: Session, wizard_session_id: int, *, lock: bool = False
) -> WizardSession | None:
    """The pass with this id, freshly read (locked on PostgreSQL with `lock`), or None."""
    return session.get(
        WizardSession, wizard_session_id, with_for_update=lock, populate_existing=True
    )


def recent_in_progress(session: Session, user_id: int, *, limit: int = 20) -> list[WizardSession]:
    """The user's unfinished passes, most recently touched first."""
    query = (
        select(WizardSession)
        .where(WizardSession.user_id == user_id, WizardSession.status == WizardStatus.IN_PROGRESS)
        .order_by(WizardSession.updated_at.desc(), WizardSession.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
