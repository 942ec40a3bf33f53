"""A sectioned page's blocks, ready for the template: the answers each block shows.

Everything a block prints is the person's own words (a price exactly as typed, a phone
number as written); what this module adds is structure — column labels, links made
from an e-mail address, phone number or web address, a map link for an address, the
gallery's pictures inlined as data: URIs. `layouts/blocks.html.j2` renders each kind,
and `section_facts` lists what the facts check must find verbatim on the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from support_system.core.i18n import t
from support_system.generators.webpage.interactive import (
    Calculator,
    calculator_for,
    choose,
    mail_address,
)
from support_system.generators.webpage.values import number_text, photo_src, price_text
from support_system.jobs.definitions import Job
from support_system.jobs.page_sections import Section

MAP_SEARCH = "https://www.openstreetmap.org/search?query="
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
_PHONE = re.compile(r"\+?[0-9０-９()（）\-－ー ]{6,20}")
_FULLWIDTH = str.maketrans("０１２３４５６７８９＋", "0123456789+")


@dataclass
class Block:
    """One section as the template needs it (only the fields of its kind are set)."""

    kind: str
    anchor: str
    heading: str = ""
    text: str = ""
    href: str = ""
    items: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    lines: list[dict[str, str]] = field(default_factory=list)
    works: list[dict[str, str]] = field(default_factory=list)
    price_column: int = -1
    ordered: bool = False
    snippet: str = ""  # its interactive part (generators/webpage/interactive.py), if any
    calculator: Calculator | None = None  # prices: the amounts read from the price cells
    quantity_labels: list[str] = field(default_factory=list)  # calculator: one per row
    mailto: str = ""  # mail_form: where the message goes


def link_for(value: str) -> str:
    """Where a contact value leads when clicked: mailto:, tel: or the web address; "" when
    it is none of these (an address, a name)."""
    text = value.strip()
    if _EMAIL.fullmatch(text):
        return f"mailto:{text}"
    if _URL.fullmatch(text):
        return text if text.lower().startswith("http") else f"https://{text}"
    if _PHONE.fullmatch(text) and sum(ch.isdigit() for ch in text.translate(_FULLWIDTH)) >= 6:
        return "tel:" + re.sub(r"[^0-9+]", "", text.translate(_FULLWIDTH))
    return ""


def map_link(address: str) -> str:
    """A search for `address` on OpenStreetMap: a link the person clicks, nothing loaded."""
    return MAP_SEARCH + quote(" ".join(address.split()))


def _text(value: Any) -> str:
    return "" if value is None else number_text(value)


def build_blocks(job: Job, answers: dict[str, Any], lang: str, base_dir: Path) -> list[Block]:
    """The job's sections with the answers filled in; a section whose answer was
    skipped is left out, so an optional block never shows up empty."""
    blocks = []
    for index, section in enumerate(job.sections):
        block = _block(job, section, answers, lang, base_dir, f"s{index + 1}")
        if block is not None:
            blocks.append(block)
    return blocks


def _block(
    job: Job, section: Section, answers: dict[str, Any], lang: str, base_dir: Path, anchor: str
) -> Block | None:
    block = _filled(job, section, answers, lang, base_dir, anchor)
    if block is None:
        return None
    if block.kind == "prices" and block.price_column >= 0:
        block.calculator = calculator_for([row[block.price_column] for row in block.rows])
    block.snippet = choose(section, block)
    if block.snippet == "calculator":
        block.quantity_labels = [
            t("page.calculator.quantity_for", lang, item=row[0]) for row in block.rows
        ]
    if block.snippet == "mail_form":
        block.mailto = mail_address(block)
    return block


def _filled(
    job: Job, section: Section, answers: dict[str, Any], lang: str, base_dir: Path, anchor: str
) -> Block | None:
    heading = section.heading.get(lang) if section.heading else ""
    block = Block(section.kind, anchor, heading, ordered=section.ordered)
    value = answers.get(section.source) if section.source else None
    if section.kind == "contact":
        for item in section.items:
            text = _text(answers.get(item.source)).strip()
            if text:
                line = {"label": item.label.get(lang), "text": text, "href": link_for(text)}
                line["map"] = map_link(text) if item.map else ""
                block.lines.append(line)
        return block if block.lines else None
    if value in (None, "", []):
        return None
    if section.kind in ("text", "map"):
        block.text = _text(value)
        block.href = map_link(block.text) if section.kind == "map" else ""
    elif section.kind == "cta":
        block.text = _text(value)
        block.href = link_for(_text(answers.get(section.target)))
        block.items = [_text(answers.get(section.target))]  # shown too: not everyone has a mail app
    elif section.kind == "list":
        block.items = [_text(item) for item in value]
    else:
        fields = job.question(section.source or "").fields
        block.columns = [f.label.get(lang) for f in fields]
        block.rows = [[_cell(record.get(f.id), f.type, lang) for f in fields] for record in value]
        types = [f.type for f in fields]
        block.price_column = types.index("price") if "price" in types else -1
        if section.kind == "gallery":
            block.works = _works(section, block.rows, answers, lang, base_dir)
    return block


def _cell(value: Any, kind: str, lang: str) -> str:
    if value in (None, ""):
        return ""
    return price_text(value, lang) if kind == "price" else _text(value)


def _works(
    section: Section, rows: list[list[str]], answers: dict[str, Any], lang: str, base_dir: Path
) -> list[dict[str, str]]:
    works = []
    for number, row in enumerate(rows):
        title, description = row[0], " ".join(cell for cell in row[1:] if cell)
        image = section.images[number] if number < len(section.images) else None
        src = photo_src(answers.get(image), base_dir) if image else None
        alt = title
        if description:
            alt = t("page.work_alt", lang, title=title, description=description)
        works.append({"title": title, "description": description, "src": src or "", "alt": alt})
    return works


def section_facts(job: Job, answers: dict[str, Any]) -> list[str]:
    """Every answer a sectioned page shows, as typed: the facts check finds each verbatim."""
    facts: list[str] = []
    for section in job.sections:
        sources = [item.source for item in section.items]
        sources += [qid for qid in (section.source, section.target) if qid]
        for qid in sources:
            value = answers.get(qid)
            if isinstance(value, list):
                for item in value:
                    cells = item.values() if isinstance(item, dict) else [item]
                    facts += [_text(cell) for cell in cells if cell not in (None, "")]
            elif value not in (None, ""):
                facts.append(_text(value))
    return [fact for fact in facts if fact.strip()]
