"""A custom page's plan may ask for a block's interactive part, but only one that fits
the block: the JSON schema the model is held to offers nothing else, and a plan from a
model that ignores the schema loses the misfit part, not the page."""

from __future__ import annotations

import jsonschema
import pytest

from support_system.jobs.page_plans import PagePlan, job_from_plan
from support_system.jobs.page_sections import SNIPPETS

KINDS = ("text", "list", "table", "schedule", "prices", "qa", "contact", "gallery", "map", "cta")
ALL_SNIPPETS = ("filter", "tabs", "calculator", "mail_form")


def _plan(kind: str, interactive: str | None = None) -> dict:
    section = {"kind": kind, "heading": "Heading"}
    if interactive is not None:
        section["interactive"] = interactive
    return {"title": "Page", "sections": [section]}


@pytest.mark.parametrize("kind", KINDS)
def test_the_schema_offers_each_kind_only_the_snippets_that_fit(kind: str) -> None:
    schema = PagePlan.model_json_schema()
    jsonschema.validate(_plan(kind), schema)  # no interactive part: always fine
    for snippet in ALL_SNIPPETS:
        fits = snippet in SNIPPETS.get(kind, ())
        valid = jsonschema.Draft202012Validator(schema).is_valid(_plan(kind, snippet))
        assert valid == fits, (kind, snippet)


def test_a_misfit_snippet_is_dropped_and_the_plan_kept() -> None:
    plan = PagePlan.model_validate(
        {
            "title": "Shop",
            "sections": [
                {"kind": "list", "heading": "Stock", "interactive": "tabs"},
                {"kind": "text", "heading": "About", "interactive": "filter"},
                {"kind": "prices", "heading": "Prices", "interactive": "calculator"},
            ],
        }
    )
    assert [getattr(s, "interactive", None) for s in plan.sections] == [None, None, "calculator"]


def test_the_chosen_snippet_reaches_the_job_sections(settings) -> None:
    plan = PagePlan.model_validate(
        {
            "title": "Bakery",
            "sections": [
                {"kind": "list", "heading": "Breads", "interactive": "filter"},
                {"kind": "qa", "heading": "Questions", "interactive": "tabs"},
                {"kind": "prices", "heading": "Prices", "interactive": "calculator"},
                {"kind": "contact", "heading": "Contact", "interactive": "mail_form"},
                {"kind": "map", "heading": "Find us"},
            ],
        }
    )
    job = job_from_plan(plan, "a bakery page", "en", "custom-0123456789ab")
    assert [(s.kind, s.interactive) for s in job.sections] == [
        ("list", "filter"),
        ("qa", "tabs"),
        ("prices", "calculator"),
        ("contact", "mail_form"),
        ("map", None),
    ]
