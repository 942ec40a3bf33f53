"""Answers given as a YAML file, for headless runs (`generate --answers FILE`).

The file holds what a person would have typed in the wizard, so every answer goes
through the same validation as in the UI, conditional questions included; relative
file paths in it resolve against the file's own folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from support_system.core.errors import AnswerInvalid, AnswersFileError
from support_system.core.i18n import t
from support_system.jobs.answers import validate_answer
from support_system.jobs.definitions import Job
from support_system.jobs.flow import effective_answers, visible_questions


def read_answers_file(path: Path, lang: str) -> dict[str, Any]:
    """The raw mapping in `path`, or AnswersFileError saying what is wrong with it."""
    path = Path(path)
    if not path.is_file():
        raise AnswersFileError(t("generate.answers_missing", lang, path=path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise AnswersFileError(t("generate.answers_invalid", lang, path=path, detail=exc)) from exc
    if not isinstance(data, dict):
        raise AnswersFileError(
            t("generate.answers_invalid", lang, path=path, detail=type(data).__name__)
        )
    return {str(key): value for key, value in data.items()}


def load_answers_file(path: Path, job: Job, lang: str) -> dict[str, Any]:
    """Validated, canonical answers for `job` from `path` (errors name the question)."""
    return validate_answers(
        read_answers_file(path, lang), job, lang, base_dir=Path(path).resolve().parent
    )


def validate_answers(raw: dict[str, Any], job: Job, lang: str, *, base_dir: Path) -> dict[str, Any]:
    """Every answer of a headless run validated as the wizard would, defaults filled in."""
    answers: dict[str, Any] = {}
    # Visibility depends on earlier answers, so questions are walked in order.
    for question in job.questions:
        if question not in visible_questions(job, answers):
            continue
        value = raw.get(question.id)
        if value is None:
            value = question.default_for(lang)
        if value is None and not question.required:
            answers[question.id] = None  # seen and skipped, as in the wizard
            continue
        try:
            answers[question.id] = validate_answer(
                question, value, lang, base_dir=base_dir, answers=answers
            )
        except AnswerInvalid as exc:  # a file has no screen: say which question
            raise AnswersFileError(
                f"{question.id} ({question.label.get(lang)}): {exc.message(lang)}"
            ) from exc
    return effective_answers(job, answers, lang)
