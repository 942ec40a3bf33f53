"""A page job built from sections: a job file that points a block at the wrong kind of
question says which section and which field, before anyone runs the wizard."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from support_system.jobs.definitions import Job

TEXT = {"ja": "テキスト", "en": "Text"}


def _job(sections: list[dict[str, Any]], kind: str = "webpage") -> dict[str, Any]:
    return {
        "id": "test-page",
        "kind": kind,
        "title": TEXT,
        "description": TEXT,
        "help": TEXT,
        "icon": "🧪",
        "generator": "webpage",
        "templates": ["classic"],
        "questions": [
            {"id": "title", "type": "text", "label": TEXT},
            {"id": "about", "type": "long_text", "label": TEXT},
            {"id": "points", "type": "list", "label": TEXT},
            {"id": "photo", "type": "file", "label": TEXT, "required": False},
            {
                "id": "menu",
                "type": "records",
                "label": TEXT,
                "fields": [
                    {"id": "item", "label": TEXT},
                    {"id": "price", "type": "price", "label": TEXT},
                ],
            },
            {
                "id": "names",
                "type": "records",
                "label": TEXT,
                "fields": [{"id": "name", "label": TEXT}],
            },
        ],
        "sections": sections,
    }


def _problems(sections: list[dict[str, Any]], kind: str = "webpage") -> str:
    with pytest.raises(ValidationError) as caught:
        Job.model_validate(_job(sections, kind))
    return str(caught.value)


def test_a_well_formed_sectioned_job_loads() -> None:
    job = Job.model_validate(
        _job(
            [
                {"kind": "text", "source": "about"},
                {"kind": "list", "heading": TEXT, "source": "points", "ordered": True},
                {"kind": "prices", "heading": TEXT, "source": "menu", "interactive": "calculator"},
                {"kind": "gallery", "heading": TEXT, "source": "menu", "images": ["photo"]},
                {"kind": "contact", "heading": TEXT, "items": [{"source": "title", "label": TEXT}]},
                {"kind": "cta", "source": "title", "target": "title"},
            ]
        )
    )
    assert [s.kind for s in job.sections] == ["text", "list", "prices", "gallery", "contact", "cta"]


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"kind": "text", "source": "nope"}, "sections.0.source: 'nope' is not a question"),
        ({"kind": "text", "source": "points"}, "'points' is a list question, a text section reads"),
        (
            {"kind": "list", "source": "points"},
            "sections.0.heading: a list section needs a heading",
        ),
        (
            {"kind": "prices", "heading": TEXT, "source": "names"},
            "needs a records question with a price",
        ),
        (
            {"kind": "qa", "heading": TEXT, "source": "names"},
            "qa section needs records of two fields",
        ),
        (
            {"kind": "contact", "heading": TEXT},
            "sections.0.items: a contact section needs at least one",
        ),
        ({"kind": "cta", "source": "title"}, "sections.0.target: a cta section needs one"),
        ({"kind": "text", "source": "about", "ordered": True}, "only list sections are numbered"),
        (
            {"kind": "table", "heading": TEXT, "source": "menu", "images": ["about"]},
            "only gallery sections have images",
        ),
        (
            {"kind": "gallery", "heading": TEXT, "source": "menu", "images": ["about"]},
            "sections.0.images.0: 'about' is a long_text question",
        ),
        ({"kind": "slideshow", "source": "about"}, "sections.0.kind"),
        (
            {"kind": "list", "heading": TEXT, "source": "points", "interactive": "tabs"},
            "sections.0.interactive: a list section can have filter, not tabs",
        ),
        (
            {"kind": "text", "source": "about", "interactive": "filter"},
            "sections.0.interactive: a text section can have none, not filter",
        ),
        ({"kind": "text", "source": "about", "interactive": "slideshow"}, "sections.0.interactive"),
    ],
)
def test_a_wrong_section_names_the_section_and_the_field(
    section: dict[str, Any], expected: str
) -> None:
    assert expected in _problems([section])


def test_only_webpage_jobs_have_sections() -> None:
    assert "only webpage jobs are built from sections" in _problems(
        [{"kind": "text", "source": "about"}], kind="program"
    )


def test_a_plan_keeps_one_block_per_heading_and_one_button(settings) -> None:
    """A small model repeats itself ("Photos" as a list and as a gallery): two landmarks
    with one name fail axe's landmark-unique, so the repeat is left out."""
    from support_system.jobs.page_plans import PagePlan, job_from_plan

    plan = PagePlan.model_validate(
        {
            "title": "Lost cat",
            "sections": [
                {"kind": "text", "heading": "About her"},
                {"kind": "list", "heading": "Photos"},
                {"kind": "gallery", "heading": "photos "},
                {"kind": "cta", "heading": "Call"},
                {"kind": "cta", "heading": "Mail"},
            ],
        }
    )
    job = job_from_plan(plan, "find my cat", "en", "custom-0123456789ab")
    assert [s.kind for s in job.sections] == ["text", "list", "cta"]
    assert [q.required for q in job.questions if q.id.startswith("s")][:2] == [True, False]
