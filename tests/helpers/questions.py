"""Building questions and checking answer errors, shared by the question tests."""

from __future__ import annotations

from typing import Any

import pytest

from support_system.core.errors import AnswerInvalid
from support_system.jobs.answers import validate_answer
from support_system.jobs.definitions import Question


def q(**fields: Any) -> Question:
    """A question with placeholder labels; `label` defaults to 価格 / Price."""
    fields.setdefault("id", "value")
    fields.setdefault("label", {"ja": "価格", "en": "Price"})
    return Question.model_validate(fields)


def invalid(question: Question, raw: Any, **kwargs: Any) -> AnswerInvalid:
    with pytest.raises(AnswerInvalid) as caught:
        validate_answer(question, raw, "ja", **kwargs)
    error = caught.value
    assert error.message("ja") != error.message("en")
    assert "errors." not in error.message("ja") + error.message("en")  # no raw keys leak
    return error


def messages(error: AnswerInvalid) -> tuple[str, str]:
    return error.message("ja"), error.message("en")
