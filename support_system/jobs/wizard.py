"""The wizard as a service: one question at a time, every answer saved the moment it is given.

The UI, the API and tests drive a wizard only through these functions, each of which
opens its own database session, so nothing depends on a browser tab staying open: after
a crash, a closed tab or a restart, `resume(session_id)` (or `latest_unfinished(user)`)
returns exactly the question the person was looking at.

State kept in `WizardSession`:
- `answers`: question id → canonical value, or None for "seen and skipped" (see
  `jobs.flow`);
- `current_step`: the index in `job.questions` of the question on screen (the cursor);
  `len(job.questions)` means "all answered, show the review". Indexing the full list,
  not the visible one, keeps the cursor stable when an answer changes which questions
  are shown.

After an answer the cursor moves to the first question still open (`next_question`),
so going back to change an earlier answer and pressing Next returns the person to where
they were, not through every question in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support_system.core.errors import AnswerInvalid
from support_system.data.db import session_scope
from support_system.data.repositories import (
    create_wizard_session,
    get_wizard_session,
    recent_in_progress,
    replace_answers,
    save_answer,
)
from support_system.data.schema import WizardSession, WizardStatus
from support_system.jobs.answers import validate_answer
from support_system.jobs.catalogue import get_job, get_job_for
from support_system.jobs.definitions import Job, Question
from support_system.jobs.errors import WizardNotFound
from support_system.jobs.flow import (
    SKIPPED,
    is_answered,
    next_question,
    progress,
    visible_questions,
)


@dataclass(frozen=True)
class WizardState:
    """What a page needs to draw the wizard now."""

    session_id: int
    user_id: int
    job: Job
    language: str
    status: WizardStatus
    answers: dict[str, Any]
    question: Question | None  # the question to show; None = all answered (review)
    value: Any  # the saved answer to `question` (to pre-fill the field), or None
    step: int  # 1-based position of `question` among the visible questions
    total: int  # visible questions now
    answered: int  # visible questions answered or skipped

    @property
    def job_id(self) -> str:
        return self.job.id

    @property
    def finished(self) -> bool:
        """Every visible question is answered (or skipped): time for the review page."""
        return self.question is None

    @property
    def progress(self) -> tuple[int, int]:
        return self.answered, self.total

    @property
    def can_go_back(self) -> bool:
        return self.step > 1


def _cursor(job: Job, question: Question | None) -> int:
    return len(job.questions) if question is None else job.questions.index(question)


def _state(row: WizardSession) -> WizardState:
    job = get_job(row.job_id)
    answers = dict(row.answers or {})
    visible = visible_questions(job, answers)
    visible_ids = [q.id for q in visible]
    on_screen = (
        job.questions[row.current_step] if 0 <= row.current_step < len(job.questions) else None
    )
    if on_screen is None or on_screen.id not in visible_ids:
        # Cursor past the end or on a question an answer has since hidden: first open one.
        on_screen = next_question(job, answers)
    answered, total = progress(job, answers)
    step = visible_ids.index(on_screen.id) + 1 if on_screen is not None else total + 1
    return WizardState(
        session_id=row.id,
        user_id=row.user_id,
        job=job,
        language=row.language,
        status=row.status,
        answers=answers,
        question=on_screen,
        value=answers.get(on_screen.id) if on_screen is not None else None,
        step=step,
        total=total,
        answered=answered,
    )


def _row(session: Any, session_id: int, *, lock: bool = False) -> WizardSession:
    row = get_wizard_session(session, session_id, lock=lock)
    if row is None:
        raise WizardNotFound(f"wizard session {session_id} does not exist")
    return row


def start(user_id: int, job_id: str, lang: str, project_id: int | None = None) -> WizardSession:
    """Begin a wizard pass for `job_id` (UnknownJob if the catalogue has no such job, or
    it is a page planned for someone else)."""
    job = get_job_for(job_id, user_id)
    with session_scope() as session:
        row = create_wizard_session(session, user_id, job.id, language=lang, project_id=project_id)
        row.current_step = _cursor(job, next_question(job, {}))
    return row


def resume(session_id: int) -> WizardState:
    """The wizard exactly as it was left: same question, same answers."""
    with session_scope() as session:
        return _state(_row(session, session_id))


def _save(session_id: int, question_id: str, value: Any) -> WizardState:
    with session_scope() as session:
        row = _row(session, session_id)
        job = get_job(row.job_id)
        after = {**(row.answers or {}), question_id: value}
        row = save_answer(
            session, session_id, question_id, value, _cursor(job, next_question(job, after))
        )
        return _state(row)


def restore_answers(session_id: int, answers: dict[str, Any]) -> WizardState:
    """Put back every answer of an earlier version (`jobs.versions.restore_version`)."""
    with session_scope() as session:
        return _state(replace_answers(session, session_id, answers))


def set_value(session_id: int, key: str, value: Any) -> WizardState:
    """Save an already checked value (a reordered list, the session's change notes)."""
    return _save(session_id, key, value)


def answer(
    session_id: int, question_id: str, raw: Any, lang: str, *, base_dir: Path | None = None
) -> WizardState:
    """Check `raw`, save it at once (committed), and return the next question.

    Raises AnswerInvalid (nothing is saved) when the answer cannot be used. `base_dir`
    resolves relative file paths (uploads are normally saved with absolute paths).
    """
    with session_scope() as session:
        row = _row(session, session_id)
        question = get_job(row.job_id).question(question_id)
        answers = dict(row.answers or {})
    value = validate_answer(question, raw, lang, base_dir=base_dir, answers=answers)
    return _save(session_id, question_id, value)


def skip(session_id: int, question_id: str, lang: str) -> WizardState:
    """Move past an optional question without an answer (stored as None, shown once).

    A required question cannot be skipped: AnswerInvalid("required"), nothing saved.
    """
    with session_scope() as session:
        question = get_job(_row(session, session_id).job_id).question(question_id)
    if question.required:
        error = AnswerInvalid(
            f"{question_id}: required questions cannot be skipped",
            reason="errors.answer.required",
            question=question.label.model_dump(),
        )
        error.lang = lang
        raise error
    return _save(session_id, question_id, SKIPPED)


def back(session_id: int) -> WizardState:
    """Show the visible question before the one on screen (its answer stays, pre-filled)."""
    with session_scope() as session:
        row = _row(session, session_id, lock=True)
        state = _state(row)
        visible = visible_questions(state.job, state.answers)
        if not visible:
            return state
        if state.question is None:
            target = visible[-1]
        else:
            position = [q.id for q in visible].index(state.question.id)
            target = visible[max(position - 1, 0)]
        row.current_step = state.job.questions.index(target)
        return _state(row)


def go_to(session_id: int, question_id: str) -> WizardState:
    """Show a given (visible) question, e.g. from the review page's "change" link."""
    with session_scope() as session:
        row = _row(session, session_id, lock=True)
        job = get_job(row.job_id)
        question = job.question(question_id)
        if question.id in {q.id for q in visible_questions(job, row.answers or {})}:
            row.current_step = job.questions.index(question)
        return _state(row)


def _set_status(session_id: int, status: WizardStatus) -> WizardState:
    with session_scope() as session:
        row = _row(session, session_id, lock=True)
        row.status = status
        return _state(row)


def complete(session_id: int) -> WizardState:
    """Mark the pass finished (call when the artifact is made); it leaves `latest_unfinished`.

    Raises AnswerInvalid("required") if a visible required question is still open.
    """
    state = resume(session_id)
    missing = next(
        (
            q
            for q in visible_questions(state.job, state.answers)
            if q.required and not is_answered(q, state.answers)
        ),
        None,
    )
    if missing is not None:
        error = AnswerInvalid(
            f"{missing.id}: not answered",
            reason="errors.answer.required",
            question=missing.label.model_dump(),
        )
        error.lang = state.language
        raise error
    return _set_status(session_id, WizardStatus.COMPLETED)


def abandon(session_id: int) -> WizardState:
    """The person chose to start over: keep the row (history) but stop offering it."""
    return _set_status(session_id, WizardStatus.ABANDONED)


def latest_unfinished(user_id: int) -> WizardState | None:
    """The user's most recently touched in-progress wizard ("continue where you left off").

    Sessions whose job has since left the catalogue are passed over, not raised.
    """
    from support_system.core.errors import UnknownJob

    with session_scope() as session:
        for row in recent_in_progress(session, user_id):
            try:
                return _state(row)
            except UnknownJob:
                continue
    return None
