"""Web pages: a tested Jinja2 scaffold per job, with two model-written sentences.

Small local models invent facts (DESIGN.md §5: the 0.5B model made up opening hours),
so the model never writes a fact. Every name, address, price and phone number is put
on the page by the template, verbatim from the answers; the model only writes a
welcome ("lead") and an invitation ("closing"), held to a JSON schema and rejected by
the facts check if it contains a number, time, phone, e-mail or URL the user did not
give. Without a model (`fallback`) the page uses standard sentences from the
catalogue, so the user always gets a valid page.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, Field, field_validator

from support_system.ai import prompts
from support_system.core.i18n import t
from support_system.generators.base import (
    CheckResult,
    Draft,
    GenerationContext,
    ask_model,
    feedback_text,
)
from support_system.generators.checks import contrast
from support_system.generators.checks import html as html_checks
from support_system.generators.facts import facts_check
from support_system.generators.webpage.interactive import page_script, snippet_text
from support_system.generators.webpage.sections import build_blocks, section_facts
from support_system.generators.webpage.values import number_text, photo_src, price_text
from support_system.jobs.changes import added_sections, change_notes
from support_system.jobs.definitions import CHANGES_KEY, Job
from support_system.jobs.page_plans import is_custom
from support_system.rag.context import passages_text, source_labels

LAYOUTS_DIR = Path(__file__).with_name("layouts")
PAGE_FILE = "index.html"
# Room for both sentences at their grammar caps, even in Japanese (about a token per
# character): an answer cut off by max_tokens is invalid JSON, and the page then gets a
# weaker fallback model's copy (measured: 240 tokens cut off a 0.5B answer, and
# SmolLM2's 「料金表のページ」 was delivered instead); a long answer is trimmed instead.
COPY_TOKENS = 480


# What the page shows of each sentence, and the longer cap the JSON grammar enforces.
# A grammar cuts a string at its maxLength wherever it is (measured: "…The Bike Repair
# Work", "choir@riverse"), so the cap is set above what is shown and the text is cut
# back to its last finished sentence instead (`whole_sentences`).
LEAD_CHARS, CLOSING_CHARS = 200, 160
LEAD_CAP, CLOSING_CAP = 260, 200
_SENTENCE_END = re.compile(r"[。．！？!?]+[」』）)]*|\.(?=\s|$)[」』）)\"']*")


def whole_sentences(text: str, limit: int, cap: int) -> str:
    """`text` up to its last finished sentence within `limit` characters; a short text
    that does not end in a full stop ("Welcome, neighbours") is kept as it is, unless it
    reached the grammar's `cap` (where it may have been stopped mid-word). A text
    with no finished sentence within the limit is refused (ValueError): cutting it
    would put half a word on the page, so the model is asked again."""
    text = text.strip()
    if len(text) <= limit and len(text) < cap:
        return text
    ends = [m.end() for m in _SENTENCE_END.finditer(text[: limit + 1])]
    ends = [end for end in ends if end <= limit]
    if not ends:
        raise ValueError(f"no finished sentence within {limit} characters")
    return text[: ends[-1]].strip()


class PageCopy(BaseModel):
    """What the model may write on a page: two short sentences, nothing else."""

    lead: str = Field(max_length=LEAD_CAP)
    closing: str = Field(max_length=CLOSING_CAP)

    @field_validator("lead")
    @classmethod
    def _lead(cls, text: str) -> str:
        return whole_sentences(text, LEAD_CHARS, LEAD_CAP)

    @field_validator("closing")
    @classmethod
    def _closing(cls, text: str) -> str:
        return whole_sentences(text, CLOSING_CHARS, CLOSING_CAP)


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(LAYOUTS_DIR)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def theme_colours(colour: str | None) -> dict[str, str]:
    """Colours derived from the user's theme colour, each meeting WCAG AA.

    The user's colour fills the header as given; the header text is whichever of
    black or white reads best on it (one always reaches 4.5:1), and links/accents are
    the theme colour darkened or lightened just enough to pass on the page background.
    """
    base = contrast.to_hex(colour or "#2f6f9f")
    page_bg = "#fafafa"
    accent = contrast.ensure_contrast(base, page_bg, minimum=3.0)  # non-text: 3:1 (WCAG 1.4.11)
    return {
        "header_bg": base,
        "header_fg": contrast.readable_text_on(base),
        "accent": accent,
        "link": contrast.ensure_contrast(base, page_bg, minimum=4.5),
        "focus": accent,
        "page_bg": page_bg,
    }


def page_facts(answers: dict[str, Any]) -> list[str]:
    """Every user-given value as text: what the facts check accepts in model text."""
    facts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif value is not None and not isinstance(value, bool):
            facts.append(number_text(value))

    walk(answers)
    return facts


def _facts_for_prompt(answers: dict[str, Any]) -> str:
    lines = []
    for key, value in answers.items():
        if key in {"photo", "color", "layout", CHANGES_KEY}:
            continue
        if isinstance(value, list):
            value = "; ".join(
                ", ".join(f"{k}: {number_text(v)}" for k, v in item.items())
                if isinstance(item, dict)
                else str(item)
                for item in value
            )
        lines.append(f"- {key}: {value}")
    return "\n".join(lines)


class WebpageGenerator:
    """Generator for jobs of kind "webpage" (see generators.base.Generator)."""

    kind = "webpage"

    # --- drafting -------------------------------------------------------------------

    def draft(self, ctx: GenerationContext, out_dir: Path) -> Draft:
        feedback = feedback_text(ctx.feedback)
        result = ask_model(
            ctx,
            prompts.render(
                "webpage/copy",
                language=ctx.lang,
                job_title=ctx.job.title.get(ctx.lang),
                facts=_facts_for_prompt(ctx.answers),
                knowledge=passages_text(ctx.knowledge),
                changes="\n".join(f"- {note}" for note in change_notes(ctx.answers)),
                feedback=feedback,
            ),
            PageCopy,
            max_tokens=COPY_TOKENS,
        )
        copy: PageCopy = result.parsed
        draft = self._render(ctx, out_dir, copy)
        draft.customised = ["lead", "closing"]
        draft.sources = source_labels(ctx.knowledge, ctx.lang)
        draft.models = [result.model]
        draft.tokens_in, draft.tokens_out = result.tokens_in, result.tokens_out
        return draft

    def fallback(self, ctx: GenerationContext, out_dir: Path) -> Draft:
        key = "custom-page" if is_custom(ctx.job.id) else ctx.job.id
        copy = PageCopy(
            lead=t(f"webpage.default_lead.{key}", ctx.lang),
            closing=t(f"webpage.default_closing.{key}", ctx.lang),
        )
        draft = self._render(ctx, out_dir, copy)
        draft.not_customised = [t("webpage.not_customised", ctx.lang)]
        return draft

    def _layout(self, ctx: GenerationContext) -> str:
        wanted = ctx.answers.get("layout")
        layouts = ctx.job.templates or ["classic"]
        return wanted if wanted in layouts else layouts[0]

    def _render(self, ctx: GenerationContext, out_dir: Path, copy: PageCopy) -> Draft:
        layout = self._layout(ctx)
        html = render_page(ctx.job, ctx.answers, ctx.lang, copy, layout, ctx.base_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        page = out_dir / PAGE_FILE
        page.write_text(html, encoding="utf-8")
        return Draft(
            kind=self.kind,
            root=out_dir,
            main_file=page,
            files=[page],
            notes=[f"layout: {layout}"],
            meta={"copy": copy.model_dump()},
        )

    # --- checking -------------------------------------------------------------------

    def check(self, ctx: GenerationContext, draft: Draft) -> list[CheckResult]:
        html = draft.main_file.read_text(encoding="utf-8")
        results = [
            html_checks.check_html5lib(html),
            html_checks.check_self_contained(html),
            html_checks.check_vnu(draft.main_file),
            html_checks.check_axe(draft.main_file),
        ]
        results.append(self._check_facts(ctx, draft, html))
        return results

    def _check_facts(self, ctx: GenerationContext, draft: Draft, html: str) -> CheckResult:
        """Model text may not add facts; user facts must appear verbatim on the page."""
        started = time.monotonic()
        copy = draft.meta.get("copy", {})
        invented = facts_check(
            f"{copy.get('lead', '')}\n{copy.get('closing', '')}", page_facts(ctx.answers)
        )
        missing = [
            f"missing on the page: {value!r}"
            for value in verbatim_facts(ctx.job, ctx.answers)
            if _escape(value) not in html
        ]
        messages = [*invented.messages, *missing]
        return CheckResult("facts", not messages, messages, round(time.monotonic() - started, 3))

    def run(self, ctx: GenerationContext, draft: Draft, output_dir: Path) -> CheckResult | None:
        return None


def _escape(value: str) -> str:
    from markupsafe import escape

    return str(escape(value))


def verbatim_facts(job: Job, answers: dict[str, Any]) -> list[str]:
    """The user facts a page must show exactly as typed (names, addresses, prices…)."""
    added = [text for s in added_sections(answers) for text in (s.heading, s.body)]
    return _job_facts(job, answers) + added


def _job_facts(job: Job, answers: dict[str, Any]) -> list[str]:
    job_id = job.id
    if job.sections:
        heading = [str(answers.get(k) or "") for k in ("name", "title", "tagline", "headline")]
        return [fact for fact in heading if fact] + section_facts(job, answers)
    keys = {
        "profile-page": ["name", "headline", "contact_email"],
        "shop-page": ["name", "address", "opening_hours", "phone"],
        "faq-page": ["title", "contact"],
    }.get(job_id, [])
    facts = [str(answers[k]) for k in keys if answers.get(k) not in (None, "")]
    if job_id == "profile-page":
        facts += [str(s) for s in answers.get("skills") or []]
    for item in answers.get("products") or []:
        facts += [str(item.get("name", "")), number_text(item.get("price", ""))]
    for item in answers.get("faqs") or []:
        facts += [str(item.get("question", "")), str(item.get("answer", ""))]
    return [f for f in facts if f]


def render_page(
    job: Job, answers: dict[str, Any], lang: str, copy: PageCopy, layout: str, base_dir: Path
) -> str:
    """The finished HTML of `job`'s page: its own layout, or its sections in order."""
    labels = [
        "skip_link", "footer", "about", "skills", "contact", "welcome", "products",
        "product", "price", "info", "address", "opening_hours", "phone", "faq",
        "map_link", "map_heading",
    ]  # fmt: skip
    text = {key: t(f"page.{key}", lang) for key in labels}
    text |= snippet_text(lang)
    name = str(answers.get("name") or answers.get("title") or "")
    text["photo_alt"] = t("page.photo_alt", lang, name=name)
    products = [
        {
            **item,
            "price_text": price_text(item.get("price", ""), lang),
        }
        for item in answers.get("products") or []
    ]
    phone = str(answers.get("phone") or "")
    view = {
        **answers,
        "products": products,
        "phone_link": re.sub(r"[^0-9+]", "", phone.translate(_FULLWIDTH_DIGITS)),
    }
    heading = name
    subheading = answers.get("headline") or answers.get("tagline") or ""
    layout_file = "sections.html.j2" if job.sections else f"{job.id}.html.j2"
    blocks = build_blocks(job, answers, lang, base_dir) if job.sections else []
    template = _environment().get_template(layout_file)
    html = template.render(
        lang=lang,
        layout=layout,
        page_title=name,
        heading=heading,
        subheading=subheading,
        theme=theme_colours(answers.get("color")),
        text=text,
        a=_Answers(view),
        copy=copy,
        photo_src=photo_src(answers.get("photo"), base_dir),
        blocks=blocks,
        page_script=page_script(blocks),
        added_sections=added_sections(answers),
    )
    return html


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９＋", "0123456789+")


class _Answers(dict):  # type: ignore[type-arg]
    """Answers for templates: a missing optional answer reads as empty, not an error."""

    def __getattr__(self, key: str) -> Any:
        return self.get(key) or ""
