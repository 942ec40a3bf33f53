"""A custom page: the model's plan (a title and a few section kinds) made into a job.

The model only chooses what blocks the page needs, names them ("Adoption steps",
"About Mochi") and may ask for a block's interactive part (a search box, tabs, a
calculator, a mail form: only the one that fits the kind, see `PlannedSection`); the
questions are derived from the block kinds here, with fixed types and fields, so a
small model cannot plan a question the wizard cannot ask, a block the page cannot
show or a snippet the block cannot have. The facts still come from the person's answers, one
question at a time, and the page goes through the same checks as a catalogue page.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from support_system.core.i18n import t
from support_system.core.languages import LANGUAGES
from support_system.jobs.definitions import Job
from support_system.jobs.page_sections import SNIPPETS

CUSTOM_PREFIX = "custom-"
MAX_SECTIONS = 6
Heading = Annotated[str, Field(min_length=1, max_length=40)]


class _Planned(BaseModel):
    # No other keys: the JSON schema (and so the grammar) has nowhere to put a snippet
    # a block cannot have.
    model_config = ConfigDict(extra="forbid")


# One model per group of kinds, so the schema only offers the interactive part that
# fits (page_sections.SNIPPETS): a small model cannot plan tabs for a list. `kind`
# comes first: the model chooses the block, then names it.
class PlainSection(_Planned):
    """A block without an interactive part."""

    kind: Literal["text", "schedule", "gallery", "map", "cta"]
    heading: Heading


class ListSection(_Planned):
    """A list; "filter" adds a search box (a long list gets one anyway)."""

    kind: Literal["list"]
    heading: Heading
    interactive: Literal["filter"] | SkipJsonSchema[None] = None


class TabbedSection(_Planned):
    """Questions and answers, or a table; "tabs" shows one row at a time."""

    kind: Literal["qa", "table"]
    heading: Heading
    interactive: Literal["tabs"] | SkipJsonSchema[None] = None


class PricesSection(_Planned):
    """A price list; "calculator" lets a visitor add up an order."""

    kind: Literal["prices"]
    heading: Heading
    interactive: Literal["calculator"] | SkipJsonSchema[None] = None


class ContactSection(_Planned):
    """How to get in touch; "mail_form" adds a form that opens the mail program."""

    kind: Literal["contact"]
    heading: Heading
    interactive: Literal["mail_form"] | SkipJsonSchema[None] = None


PlannedSection = Annotated[
    PlainSection | ListSection | TabbedSection | PricesSection | ContactSection,
    Field(discriminator="kind"),
]


class PagePlan(BaseModel):
    """What the model writes for a request: the page's name and its blocks, in order."""

    title: str = Field(min_length=1, max_length=60)
    sections: list[PlannedSection] = Field(min_length=1, max_length=MAX_SECTIONS)

    @field_validator("sections", mode="before")
    @classmethod
    def _drop_misfit_snippets(cls, sections: Any) -> Any:
        """A model that ignores the schema (one without constrained decoding) and asks
        for tabs on a list loses the tabs, not its whole plan."""
        if not isinstance(sections, list):
            return sections
        kept = []
        for section in sections:
            if isinstance(section, dict) and "interactive" in section:
                fits = section.get("interactive") in SNIPPETS.get(str(section.get("kind")), ())
                section = (
                    section if fits else {k: v for k, v in section.items() if k != "interactive"}
                )
            kept.append(section)
        return kept


def is_custom(job_id: str) -> bool:
    """True for a job planned for one request (stored in the database, not a job file)."""
    return job_id.startswith(CUSTOM_PREFIX)


def _both(key: str, **params: Any) -> dict[str, str]:
    return {lang: t(key, lang, **params) for lang in LANGUAGES}


def _same(text: str) -> dict[str, str]:
    return dict.fromkeys(LANGUAGES, text)


def _field(field_id: str, label_key: str, **extra: Any) -> dict[str, Any]:
    return {"id": field_id, "label": _both(f"custom.field.{label_key}"), **extra}


def _record_fields(kind: str) -> list[dict[str, Any]]:
    return {
        "table": [_field("item", "item"), _field("detail", "detail")],
        "schedule": [_field("when", "when"), _field("what", "what")],
        "prices": [
            _field("item", "item"),
            _field("price", "price", type="price"),
            _field("note", "note", required=False),
        ],
        "qa": [_field("question", "question"), _field("answer", "answer")],
        "gallery": [_field("title", "title"), _field("description", "description", required=False)],
    }[kind]


def _questions_for(
    number: int, kind: str, heading: str, *, required: bool
) -> tuple[list[dict], dict[str, Any]]:
    """The questions one block needs, and the block as a job file would write it."""
    qid = f"s{number}"

    def ask(suffix: str, qtype: str, label: str, **extra: Any) -> dict[str, Any]:
        question = {"id": f"{qid}{suffix}", "type": qtype, "decide": "none", "required": required}
        question["label"] = _both(f"custom.question.{label}", heading=heading)
        return {**question, **extra}

    section: dict[str, Any] = {"kind": kind, "heading": _same(heading), "source": qid}
    if kind == "text":
        return [ask("", "long_text", "text", max_length=1500)], section
    if kind == "list":
        return [ask("", "list", "list", max_items=30, max_length=300)], section
    if kind == "map":
        return [ask("", "text", "map", max_length=200)], section
    if kind == "contact":
        questions = [
            ask("_contact", "text", "contact", max_length=200),
            ask("_address", "text", "address", required=False, max_length=200),
        ]
        section = {
            "kind": "contact",
            "heading": _same(heading),
            "items": [
                {"source": f"{qid}_contact", "label": _both("custom.field.contact")},
                {"source": f"{qid}_address", "label": _both("custom.field.address"), "map": True},
            ],
        }
        return questions, section
    if kind == "cta":
        label = ask("_label", "text", "cta_label", max_length=40, required=False)
        label |= {"default": _both("custom.cta_default"), "decide": "default"}
        target = ask("_target", "text", "cta_target", max_length=200)
        return [label, target], {"kind": "cta", "source": f"{qid}_label", "target": f"{qid}_target"}
    records = ask("", "records", kind, fields=_record_fields(kind), max_items=40)
    if kind != "gallery":
        return [records], section
    photos = [
        ask(f"_photo_{n}", "file", "photo", required=False, file_types=[".png", ".jpg", ".jpeg"])
        | {"label": _both("custom.question.photo", heading=heading, number=n)}
        for n in (1, 2, 3)
    ]
    section["images"] = [photo["id"] for photo in photos]
    return [records, *photos], section


def job_from_plan(plan: PagePlan, request: str, lang: str, job_id: str) -> Job:
    """The plan as a job the wizard can ask and the page generator can build."""
    questions: list[dict[str, Any]] = [
        {
            "id": "title",
            "type": "text",
            "label": _both("custom.question.title"),
            "default": _same(plan.title),
            "max_length": 80,
            "decide": "default",
        },
        {
            "id": "tagline",
            "type": "text",
            "required": False,
            "label": _both("custom.question.tagline"),
            "max_length": 80,
            "decide": "llm",
        },
    ]
    sections: list[dict[str, Any]] = []
    kinds_seen: set[str] = set()
    headings_seen: set[str] = set()
    for number, planned in enumerate(plan.sections, start=1):
        if planned.kind in ("cta", "gallery") and planned.kind in kinds_seen:
            continue  # one button and one gallery are enough for a small page
        heading = " ".join(planned.heading.split()).casefold()
        if planned.kind != "cta" and heading in headings_seen:
            continue  # two blocks under one heading: a reader (and axe) cannot tell them apart
        kinds_seen.add(planned.kind)
        headings_seen.add(heading)
        # Only the first block must be filled in: a small model may plan a block this
        # page does not need, and a skipped block is simply left off the page.
        asked, section = _questions_for(
            number, planned.kind, planned.heading.strip(), required=not sections
        )
        interactive = getattr(planned, "interactive", None)
        if interactive is not None:
            section["interactive"] = interactive
        questions += asked
        sections.append(section)
    questions += [
        {
            "id": "color",
            "type": "color",
            "required": False,
            "label": _both("custom.question.color"),
            "default": "#2f6f9f",
            "decide": "llm",
        },
        {
            "id": "layout",
            "type": "choice",
            "required": False,
            "label": _both("custom.question.layout"),
            "choices": [
                {"value": value, "label": _both(f"custom.layout.{value}")}
                for value in ("classic", "card", "minimal")
            ],
            "default": "classic",
        },
    ]
    return Job.model_validate(
        {
            "id": job_id,
            "kind": "webpage",
            "icon": "✨",
            "title": _same(plan.title),
            "description": _same(request.strip()[:300]),
            "help": _both("custom.help"),
            "generator": "webpage",
            "templates": ["classic", "card", "minimal"],
            "checks": ["html5lib", "vnu", "axe", "facts"],
            "questions": questions,
            "sections": sections,
        }
    )


def fallback_plan(lang: str) -> PagePlan:
    """The plan used when the model cannot plan: an introduction and a way to get in
    touch, enough for any page, which the person can fill in and preview."""
    return PagePlan(
        title=t("custom.fallback.title", lang),
        sections=[
            PlainSection(kind="text", heading=t("custom.fallback.about", lang)),
            ContactSection(kind="contact", heading=t("custom.fallback.contact", lang)),
        ],
    )
