"""The question flow: show_if, the order questions are asked in, optional questions asked
once, and the answers a generator receives (`jobs.flow`)."""

from __future__ import annotations

from typing import Any

import pytest

from support_system.jobs.catalogue import get_job
from support_system.jobs.definitions import Job, Question
from support_system.jobs.flow import effective_answers, next_question, progress, visible_questions

# --- flow: show_if, order, optional questions ------------------------------------------------


@pytest.fixture
def renamer(settings) -> Job:
    return get_job("file-renamer")


def _ids(questions: list[Question]) -> list[str]:
    return [question.id for question in questions]


def test_show_if_hides_and_shows(renamer: Job) -> None:
    assert _ids(visible_questions(renamer, {})) == ["folder", "pattern", "dry_run"]
    assert "prefix" in _ids(visible_questions(renamer, {"pattern": "prefix_original"}))
    assert "prefix" not in _ids(visible_questions(renamer, {"pattern": "number"}))


def test_next_question_follows_the_answers(renamer: Job) -> None:
    answers: dict[str, Any] = {}
    assert next_question(renamer, answers).id == "folder"
    answers["folder"] = "photos"
    assert next_question(renamer, answers).id == "pattern"
    answers["pattern"] = "prefix_number"
    assert next_question(renamer, answers).id == "prefix"
    assert progress(renamer, answers) == (2, 4)
    answers["pattern"] = "date_number"  # changing the rule hides the prefix question
    assert next_question(renamer, answers).id == "dry_run"
    assert progress(renamer, answers) == (2, 3)
    answers["dry_run"] = True
    assert next_question(renamer, answers) is None


def test_optional_questions_are_asked_once_then_skipped(settings) -> None:
    job = get_job("profile-page")
    answers = {k: v for k, v in job.samples["en"].items() if k != "photo"}
    assert next_question(job, answers).id == "photo"  # optional, but still offered
    answers["photo"] = None  # skipped
    assert next_question(job, answers).id == "layout"  # the next optional one, once
    answers["layout"] = None
    assert next_question(job, answers) is None
    assert progress(job, answers) == (8, 8)


def test_a_required_question_holding_none_is_asked_again(renamer: Job) -> None:
    assert next_question(renamer, {"folder": None}).id == "folder"


def test_effective_answers_fill_defaults_and_drop_hidden(renamer: Job) -> None:
    answers = {"folder": "photos", "pattern": "number", "prefix": "旅行", "dry_run": None}
    assert effective_answers(renamer, answers, "ja") == {
        "folder": "photos",
        "pattern": "number",
        "dry_run": True,
    }
    answers = {"folder": "photos", "pattern": "prefix_number"}
    assert effective_answers(renamer, answers, "ja")["prefix"] == "写真"
    assert effective_answers(renamer, answers, "en")["prefix"] == "photo"
