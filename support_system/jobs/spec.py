"""Answers as a person reads them: the review page's plain-language spec and checklist.

The same text is what a field is pre-filled with when the person goes back to change an
answer, so `answer_text` must round-trip through `questions.validate_answer` (a table
of products becomes "name, price" lines, which the records parser reads back).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support_system.core.i18n import t
from support_system.jobs.definitions import Job, Question, QuestionType
from support_system.jobs.flow import is_answered, visible_questions


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _cell(field_type: str, value: Any) -> str:
    """A records cell as typed: empty for a skipped optional field, and a line break in a
    long text written "\\n" (one row per line; `jobs.answers` reads it back)."""
    if value is None:
        return ""
    text = _number(value)
    return text.replace("\n", "\\n") if field_type == "long_text" else text


def answer_text(question: Question, value: Any, lang: str) -> str:
    """A saved answer as the text a person would type for it ('' when there is none)."""
    if value is None:
        return ""
    kind = question.type
    if kind == QuestionType.RECORDS:
        return "\n".join(
            ", ".join(_cell(f.type, row.get(f.id)) for f in question.fields) for row in value
        )
    if kind == QuestionType.LIST:
        return "\n".join(str(item) for item in value)
    if kind == QuestionType.MULTI_CHOICE:
        return ", ".join(question.choice(v).label.get(lang) for v in value)
    if kind == QuestionType.CHOICE:
        return question.choice(value).label.get(lang)
    if kind == QuestionType.YES_NO:
        return t("ui.common.yes" if value else "ui.common.no", lang)
    if kind == QuestionType.FILE:
        return Path(str(value)).name
    if kind == QuestionType.NUMBER:
        return _number(value)
    return str(value)


@dataclass(frozen=True)
class SpecLine:
    """One answer on the review page."""

    question_id: str
    label: str
    text: str  # what the person answered, or what will be used instead
    answered: bool  # False: skipped or not yet asked
    required: bool
    uses_default: bool  # not answered, and the question's default will be used


def spec_lines(job: Job, answers: Mapping[str, Any], lang: str) -> list[SpecLine]:
    """Every visible question with the answer that will be used."""
    lines = []
    for question in visible_questions(job, answers):
        answered = is_answered(question, answers) and answers.get(question.id) is not None
        default = None if answered else question.default_for(lang)
        if answered:
            text = answer_text(question, answers[question.id], lang)
        elif default is not None:
            text = t("ui.edit.default_used", lang, value=answer_text(question, default, lang))
        else:
            text = t("ui.edit.not_answered", lang)
        lines.append(
            SpecLine(
                question.id,
                question.label.get(lang),
                text,
                answered,
                question.required,
                uses_default=default is not None,
            )
        )
    return lines


@dataclass(frozen=True)
class CheckItem:
    text: str
    done: bool
    state: str  # "done", "todo" (the person must act) or "after" (checked after making)


def checklist(job: Job, answers: Mapping[str, Any], lang: str) -> list[CheckItem]:
    """What must be true before making it, and what will be checked after."""
    missing = [
        q for q in visible_questions(job, answers) if q.required and not is_answered(q, answers)
    ]
    separator = "、" if lang == "ja" else "; "
    if missing:
        names = separator.join(q.label.get(lang) for q in missing)
        items = [CheckItem(t("ui.edit.check_missing", lang, questions=names), False, "todo")]
    else:
        items = [CheckItem(t("ui.edit.check_required", lang), True, "done")]
    items += [CheckItem(t(f"checks.{name}.label", lang), False, "after") for name in job.checks]
    return items
