"""The sections a page job is built from: which kind of block shows which answers.

A page job either has its own layout (`generators/webpage/layouts/<job>.html.j2`, the
first three pages) or a list of `sections`, each a tested block (text, list, table,
schedule, price list, Q&A, contact, gallery, map link, call to action) filled from
the person's answers. New page jobs are then a job file alone, and a page the model
plans (a custom page) is assembled from the same blocks.

A block may also carry a small interactive part (`interactive`, see `SNIPPETS`): a
search box for a list, tabs for questions and answers, a calculator for a price list,
a form that opens the mail program. The block's content is complete without it.

This module only says what a job file may write and checks it against the job's
questions; `generators.webpage.sections` turns sections and answers into HTML.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from support_system.core.languages import Text

SectionKind = Literal[
    "text", "list", "table", "schedule", "prices", "qa", "contact", "gallery", "map", "cta"
]

Snippet = Literal["filter", "tabs", "calculator", "mail_form"]
# Which interactive part fits which kind of block (`generators/webpage/interactive.py`).
SNIPPETS: dict[str, tuple[Snippet, ...]] = {
    "list": ("filter",),
    "qa": ("tabs",),
    "table": ("tabs",),
    "prices": ("calculator",),
    "contact": ("mail_form",),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContactItem(_Strict):
    """One line of a contact block: a label and the answer shown beside it. E-mail
    addresses, phone numbers and web addresses become links; `map` adds a map link."""

    source: str
    label: Text
    map: bool = False  # noqa: A003


class Section(_Strict):
    """One block of a page.

    - `source`: the question whose answer fills it (the label's text for `cta`);
    - `target`: for `cta`, the question holding where the button leads (a web address,
      an e-mail address or a phone number);
    - `items`: for `contact`, the lines;
    - `images`: for `gallery`, optional file questions paired in order with the
      records of `source` (title, description), whose words become the alt text;
    - `interactive`: the small interactive part the block gets (`SNIPPETS`).
    """

    kind: SectionKind
    heading: Text | None = None
    source: str | None = None
    target: str | None = None
    items: list[ContactItem] = []
    images: list[str] = []
    ordered: bool = False  # a list whose order matters (a recipe's steps): numbered
    # An interactive part from SNIPPETS[kind]; "none" for never, unset for the automatic
    # choice (a long list gets its search box).
    interactive: Snippet | Literal["none"] | None = None


# Which question types each kind reads its `source` from.
SOURCE_TYPES: dict[str, tuple[str, ...]] = {
    "text": ("text", "long_text"),
    "list": ("list",),
    "table": ("records",),
    "schedule": ("records",),
    "prices": ("records",),
    "qa": ("records",),
    "gallery": ("records",),
    "map": ("text",),
    "cta": ("text",),
}
HEADED_KINDS = ("list", "table", "schedule", "prices", "qa", "contact", "gallery")


def section_problems(index: int, section: Section, questions: dict[str, Any]) -> list[str]:
    """What is wrong with `section` given the job's questions (id → Question; typed
    loosely because definitions imports this module), as "sections.N.field: …"."""
    where = f"sections.{index}"
    problems: list[str] = []

    def refer(field: str, qid: str | None, types: tuple[str, ...]) -> None:
        if qid is None:
            problems.append(f"{where}.{field}: a {section.kind} section needs one")
        elif qid not in questions:
            problems.append(f"{where}.{field}: {qid!r} is not a question of this job")
        elif questions[qid].type not in types:
            problems.append(
                f"{where}.{field}: {qid!r} is a {questions[qid].type} question, "
                f"a {section.kind} section reads {' or '.join(types)}"
            )

    if section.kind == "contact":
        if not section.items:
            problems.append(f"{where}.items: a contact section needs at least one item")
        for number, item in enumerate(section.items):
            refer(f"items.{number}.source", item.source, ("text", "long_text"))
    else:
        refer("source", section.source, SOURCE_TYPES[section.kind])
    if section.kind == "cta":
        refer("target", section.target, ("text",))
    for number, image in enumerate(section.images):
        refer(f"images.{number}", image, ("file",))
    if section.ordered and section.kind != "list":
        problems.append(f"{where}.ordered: only list sections are numbered")
    fitting = SNIPPETS.get(section.kind, ())
    if section.interactive not in (None, "none", *fitting):
        fits = " or ".join(fitting) if fitting else "none"
        problems.append(
            f"{where}.interactive: a {section.kind} section can have {fits}, "
            f"not {section.interactive}"
        )
    if section.images and section.kind != "gallery":
        problems.append(f"{where}.images: only gallery sections have images")
    if section.kind in HEADED_KINDS and section.heading is None:
        problems.append(f"{where}.heading: a {section.kind} section needs a heading")
    source = questions.get(section.source or "")
    if source is not None and source.type == "records":
        problems += _record_problems(where, section, [f.type for f in source.fields])
    return problems


def _record_problems(where: str, section: Section, field_types: list[str]) -> list[str]:
    if section.kind == "prices" and "price" not in field_types:
        return [f"{where}.source: a prices section needs a records question with a price field"]
    if section.kind in ("schedule", "qa", "gallery") and len(field_types) < 2:
        return [f"{where}.source: a {section.kind} section needs records of two fields or more"]
    return []
