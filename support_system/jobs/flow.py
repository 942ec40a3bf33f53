"""The question flow: which questions apply, which comes next, and what a generator uses.

Optional questions and the skip marker
--------------------------------------
A person must see every question once, including optional ones (otherwise a photo or a
second colour would never be offered). So `answers` distinguishes three states:

- key absent            → not asked yet (`next_question` will ask it);
- key present, None     → asked and skipped (only allowed for optional questions);
- key present, a value  → answered (the canonical value, see `jobs.definitions`).

None was chosen as the skip marker because it is plain JSON, cannot be a valid answer of
any type, and reads naturally for generators ("no photo"). `effective_answers` turns the
stored answers into what a generator needs: visible questions only, skipped or unasked
ones replaced by their default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from support_system.jobs.definitions import CHANGES_KEY, Job, Question

SKIPPED = None
"""The stored value of a question that was shown and skipped (see the module doc)."""

# --- flow --------------------------------------------------------------------------------


def _matches(answer: Any, expected: Any) -> bool:
    options = expected if isinstance(expected, list) else [expected]
    if isinstance(answer, list):  # multi_choice / list: any selected item may match
        return any(item in options for item in answer)
    return answer in options


def visible_questions(job: Job, answers: Mapping[str, Any]) -> list[Question]:
    """The questions that apply given `answers`, in order.

    `show_if` is {question_id: value or [values]}; every entry must match, and the
    question it names must itself be visible (so hiding a question hides its followers).
    """
    visible: list[Question] = []
    shown: set[str] = set()
    for question in job.questions:
        conditions = question.show_if or {}
        if all(
            ref in shown and _matches(answers.get(ref), want) for ref, want in conditions.items()
        ):
            visible.append(question)
            shown.add(question.id)
    return visible


def is_answered(question: Question, answers: Mapping[str, Any]) -> bool:
    """Answered, or skipped when skipping is allowed."""
    if question.id not in answers:
        return False
    return answers[question.id] is not None or not question.required


def next_question(job: Job, answers: Mapping[str, Any]) -> Question | None:
    """The first visible question not answered yet (optional ones too, once); None when done."""
    for question in visible_questions(job, answers):
        if not is_answered(question, answers):
            return question
    return None


def progress(job: Job, answers: Mapping[str, Any]) -> tuple[int, int]:
    """(answered or skipped, total) over the questions visible now."""
    visible = visible_questions(job, answers)
    return sum(1 for q in visible if is_answered(q, answers)), len(visible)


def effective_answers(job: Job, answers: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """What a generator should use: visible questions only; skipped/unasked → default (or None).

    The change requests made after a preview (`jobs.changes`) travel along: they are part
    of what every later version is made from.
    """
    result: dict[str, Any] = {}
    for question in visible_questions(job, answers):
        value = answers.get(question.id)
        result[question.id] = question.default_for(lang) if value is None else value
    if answers.get(CHANGES_KEY):
        result[CHANGES_KEY] = answers[CHANGES_KEY]
    return result
