"""Pages built from sections (jobs/page_sections.py): every block kind renders the
person's words exactly, in every layout, and the page passes every page check.

The template path (no model) is used here, also through `generate` for every sectioned
job's English sample; `test_cli_generate.py` runs some of them end to end with the real
model on their Japanese samples.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from support_system.core.settings import PROJECT_ROOT
from support_system.generators.base import GenerationContext
from support_system.generators.webpage.generator import WebpageGenerator, verbatim_facts
from support_system.jobs.answers_file import validate_answers
from support_system.jobs.catalogue import get_job, load_catalogue
from support_system.jobs.definitions import Job
from tests.helpers.generate_cli import DEAD_MODEL, run_generate

SAMPLES = PROJECT_ROOT / "data" / "samples"
pytestmark = pytest.mark.browser


def _t(ja: str, en: str) -> dict[str, str]:
    return {"ja": ja, "en": en}


def _every_kind_job() -> Job:
    """One page with a block of each kind, as a job file would describe it."""
    pair = [{"id": "a", "label": _t("項目", "Item")}, {"id": "b", "label": _t("内容", "Detail")}]
    questions = [
        {"id": "title", "type": "text", "label": _t("名前", "Name")},
        {"id": "about", "type": "long_text", "label": _t("紹介", "About")},
        {"id": "steps", "type": "list", "label": _t("手順", "Steps")},
        {"id": "points", "type": "list", "label": _t("特長", "Points"), "required": False},
        {"id": "rows", "type": "records", "label": _t("表", "Table"), "fields": pair},
        {"id": "times", "type": "records", "label": _t("予定", "Times"), "fields": pair},
        {
            "id": "menu",
            "type": "records",
            "label": _t("料金", "Prices"),
            "fields": [
                {"id": "item", "label": _t("品名", "Item")},
                {"id": "price", "type": "price", "label": _t("価格", "Price")},
            ],
        },
        {"id": "faqs", "type": "records", "label": _t("質問", "Q&A"), "fields": pair},
        {"id": "works", "type": "records", "label": _t("作品", "Works"), "fields": pair},
        {"id": "photo", "type": "file", "label": _t("写真", "Photo"), "required": False},
        {"id": "email", "type": "text", "label": _t("メール", "E-mail")},
        {"id": "phone", "type": "text", "label": _t("電話", "Phone")},
        {"id": "web", "type": "text", "label": _t("ウェブ", "Web")},
        {"id": "address", "type": "text", "label": _t("住所", "Address")},
        {"id": "button", "type": "text", "label": _t("ボタン", "Button")},
        {
            "id": "layout",
            "type": "choice",
            "label": _t("デザイン", "Design"),
            "required": False,
            "default": "classic",
            "choices": [{"value": v, "label": _t(v, v)} for v in ("classic", "card", "minimal")],
        },
    ]
    heading = _t("見出し", "Heading")
    sections = [
        {"kind": "text", "heading": _t("紹介", "About us"), "source": "about"},
        {"kind": "list", "heading": _t("手順", "How it works"), "source": "steps", "ordered": True},
        {"kind": "list", "heading": _t("特長", "Why us"), "source": "points"},
        {"kind": "table", "heading": _t("表", "Details"), "source": "rows"},
        {"kind": "schedule", "heading": _t("予定", "Programme"), "source": "times"},
        {"kind": "prices", "heading": _t("料金", "Prices"), "source": "menu"},
        {"kind": "qa", "heading": _t("質問", "Questions"), "source": "faqs"},
        {"kind": "gallery", "heading": heading, "source": "works", "images": ["photo"]},
        {
            "kind": "contact",
            "heading": _t("連絡先", "Contact"),
            "items": [
                {"source": "email", "label": _t("メール", "E-mail")},
                {"source": "phone", "label": _t("電話", "Phone")},
                {"source": "web", "label": _t("ウェブ", "Web")},
            ],
        },
        {"kind": "map", "heading": _t("地図", "Find us"), "source": "address"},
        {"kind": "cta", "source": "button", "target": "phone"},
    ]
    return Job.model_validate(
        {
            "id": "every-kind-page",
            "kind": "webpage",
            "title": _t("全部", "Everything"),
            "description": _t("全部", "Everything"),
            "help": _t("全部", "Everything"),
            "icon": "🧪",
            "generator": "webpage",
            "templates": ["classic", "card", "minimal"],
            "checks": ["html5lib", "vnu", "axe", "facts"],
            "questions": questions,
            "sections": sections,
        }
    )


ANSWERS: dict[str, Any] = {
    "title": "Harbour Café",
    "about": "A small café by the harbour.\nOpen since 2010.",
    "steps": ["Choose a table", "Order at the counter"],
    "rows": "Seats, 24\nWi-Fi, free",
    "times": "8:00 am, Breakfast\n12:00 pm, Lunch",
    "menu": "Latte, $4.50\nSandwich, $12.50\nParty platter, $45\nTea set, 1,200円〜",
    "faqs": "Do you take cards?, Yes, all major cards.",
    "works": "Morning light, a photo of the harbour at dawn",
    "photo": "profile.png",
    "email": "hello@harbour.example",
    "phone": "+44 117 496 0123",
    "web": "www.harbour.example",
    "address": "1 Quay Street, Bristol BS1 4DJ",
    "button": "Call us",
}


@pytest.mark.parametrize("layout", ["classic", "card", "minimal"])
def test_every_block_kind_shows_the_answers_exactly_and_passes_every_check(
    settings, tmp_path: Path, layout: str
) -> None:
    job = _every_kind_job()
    answers = validate_answers({**ANSWERS, "layout": layout}, job, "en", base_dir=SAMPLES)
    ctx = GenerationContext(job=job, answers=answers, lang="en", base_dir=SAMPLES)
    generator = WebpageGenerator()
    draft = generator.fallback(ctx, tmp_path / "page")
    html = draft.main_file.read_text(encoding="utf-8")
    failed = {c.name: c.messages for c in generator.check(ctx, draft) if not c.passed}
    assert not failed

    for price in ("$4.50", "$12.50", "$45", "1,200円〜"):  # issue 13: "$12.50" became "12.5"
        assert f">{price}<" in html, price
    assert '<a href="mailto:hello@harbour.example">' in html
    assert '<a href="tel:+441174960123">+44 117 496 0123</a>' in html
    assert '<a href="https://www.harbour.example">www.harbour.example</a>' in html
    assert "openstreetmap.org/search?query=1%20Quay%20Street%2C%20Bristol%20BS1%204DJ" in html
    assert '<a class="button" href="tel:+441174960123">Call us</a>' in html
    assert re.search(r"<ol[^>]*>\s*<li>Choose a table</li>", html)
    assert 'alt="Morning light: a photo of the harbour at dawn"' in html
    assert "data:image/png;base64," in html
    assert "Why us" not in html  # an optional list left empty: no empty block
    headings = re.findall(r'<h2 id="(s\d+)-heading">', html)
    assert len(headings) == len(set(headings)) == 9  # 11 sections − the cta − the empty list
    if layout == "classic":
        assert '<th scope="row">8:00 am</th><td>Breakfast</td>' in html
        assert '<td class="price">$12.50</td>' in html


@pytest.mark.parametrize("job_id", sorted(j.id for j in load_catalogue().values() if j.sections))
def test_generate_makes_each_sectioned_job_from_its_english_sample(
    settings, extra_models, tmp_path: Path, job_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`generate` on the English sample, on the template path: no model answers (a
    server that refuses, no embedded rescue), so the page is the tested blocks with
    standard sentences."""
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__FALLBACK_MODELS", "[]")
    extra_models([DEAD_MODEL])
    out, report, answers, _ = run_generate(
        tmp_path, job_id, "en", "en", "--model", DEAD_MODEL["name"], "--attempts", "1"
    )
    assert report["ok"] is True and report["fallback_used"] is True
    assert {c["name"] for c in report["checks"]} >= {"html5lib", "vnu", "axe", "facts"}
    assert all(c["passed"] for c in report["checks"])
    html = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    facts = verbatim_facts(get_job(job_id), answers)
    assert len(facts) >= 8  # every answer the blocks show is held to "exactly as typed"
    for fact in facts:
        assert str(escape(fact)) in html, fact


def test_an_english_shop_page_keeps_currency_signs_and_decimals(settings, tmp_path: Path) -> None:
    """Issue 13's defect: "$12.50" showed as "12.5" and "$45" as "45"."""
    job = get_job("shop-page")
    given = {**job.samples["en"], "products": "Gift box, $12.50\nCake, $45\nBread, 3"}
    answers = validate_answers(given, job, "en", base_dir=SAMPLES)
    ctx = GenerationContext(job=job, answers=answers, lang="en", base_dir=SAMPLES)
    html = WebpageGenerator().fallback(ctx, tmp_path / "page").main_file.read_text("utf-8")
    assert '<td class="price">$12.50</td>' in html and '<td class="price">$45</td>' in html
    assert '<td class="price">3</td>' in html  # a bare amount: no currency is guessed
    japanese = validate_answers(job.samples["ja"], job, "ja", base_dir=SAMPLES)
    ctx = GenerationContext(job=job, answers=japanese, lang="ja", base_dir=SAMPLES)
    html = WebpageGenerator().fallback(ctx, tmp_path / "ja").main_file.read_text("utf-8")
    assert '<td class="price">180円</td>' in html
