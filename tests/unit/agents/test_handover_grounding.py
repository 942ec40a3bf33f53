"""The handover keeps only answers the person really gave (no model needed here)."""

from __future__ import annotations

import pytest

from support_system.agents.handover import extractable, extraction_schema, ungrounded
from support_system.jobs.answers import validate_answer
from support_system.jobs.catalogue import get_job

SAID = (
    "I want a page for my shop. It is called Sunflower Bakery, the phone number is "
    "0117 496 0123. Brown, please. We sell sourdough loaves for 4.50 and メロンパン 1,200円. "
    "Open Tue-Sat 8:00-18:00. Cards would be nice."
)


@pytest.mark.parametrize(
    ("question", "raw", "verdict"),
    [
        ("name", "Sunflower Bakery", None),
        ("name", "Sunshine Bakery", "not_in_conversation"),
        ("tagline", "Bread in Bristol", "not_in_conversation"),
        ("phone", "0117 496 0123", None),
        ("phone", "0117 496 0999", "invented_facts"),
        ("opening_hours", "Tue-Sat 8:00-18:00", None),
        ("opening_hours", "Mon-Fri: 9 AM-5 PM, Sat: Closed", "invented_facts"),
        ("products", "Sourdough loaves, 4.50\nメロンパン, 1200", None),
        ("products", "Croissant, 1.80", "invented_facts"),
        ("color", "brown", None),
        ("color", "#2e7d32", "not_in_conversation"),
        ("layout", "card", None),
        ("layout", "classic", "not_in_conversation"),
    ],
)
def test_only_what_the_person_said_is_grounded(settings, question: str, raw: str, verdict) -> None:
    q = get_job("shop-page").question(question)
    value = validate_answer(q, raw, "en")
    assert ungrounded(q, raw, value, SAID) == verdict


def test_schema_asks_for_every_answerable_question_as_text_or_null(settings) -> None:
    job = get_job("file-renamer")
    questions = extractable(job)
    assert all(q.type.value not in ("file", "yes_no") for q in questions)
    schema = extraction_schema(questions).model_json_schema()
    assert sorted(schema["required"]) == sorted(q.id for q in questions)
    assert all(
        {"type": "null"} in prop["anyOf"] and {"type": "string"} in prop["anyOf"]
        for prop in schema["properties"].values()
    )
