"""The small interactive parts of a page (generators/webpage/interactive.py), in Chromium.

One browser for the module and one page per language, served under the strict
Content-Security-Policy the page's script is made for (only that script, by hash).
Each snippet is used by keyboard: the filter hides items and announces the count, the
arrow keys, Home and End move between tabs, quantities give the total in the page's
own currency text, and the mail form builds its mailto: link (caught before any mail
program opens). With JavaScript off every item, panel and price is on the page. Every
layout, with a light and a dark theme colour, passes the Nu checker and axe with the
scripts running.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from support_system.generators.checks.axe import check_axe, chromium
from support_system.generators.checks.vnu import check_vnu_many
from support_system.generators.webpage.generator import PageCopy, render_page
from support_system.generators.webpage.interactive import page_script
from support_system.generators.webpage.sections import build_blocks
from support_system.jobs.answers_file import validate_answers
from support_system.jobs.definitions import Job

pytestmark = pytest.mark.browser
LAYOUTS = ("classic", "card", "minimal")
THEMES = ("#fff3b0", "#1a237e")  # a pale and a dark theme colour: both must read well
SITE = "http://page.test/"  # served by the test itself: nothing leaves the machine
CAPTURE_MAILTO = """
window.__mailto = [];
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest('a[href^="mailto:"]');
  if (link) { window.__mailto.push(link.href); event.preventDefault(); }
}, true);
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective);
});
"""


def _t(ja: str, en: str) -> dict[str, str]:
    return {"ja": ja, "en": en}


def _job() -> Job:
    pair = [
        {"id": "question", "label": _t("質問", "Question")},
        {"id": "answer", "label": _t("答え", "Answer")},
    ]
    priced = [
        {"id": "item", "label": _t("品名", "Item")},
        {"id": "price", "type": "price", "label": _t("価格", "Price")},
    ]
    questions = [
        {"id": "title", "type": "text", "label": _t("名前", "Name")},
        {"id": "points", "type": "list", "label": _t("一覧", "Points")},
        {"id": "faqs", "type": "records", "label": _t("質問", "Q&A"), "fields": pair},
        {"id": "menu", "type": "records", "label": _t("料金", "Prices"), "fields": priced},
        {"id": "email", "type": "text", "label": _t("メール", "E-mail")},
        {"id": "phone", "type": "text", "label": _t("電話", "Phone")},
        {"id": "color", "type": "color", "label": _t("色", "Colour"), "required": False},
        {
            "id": "layout",
            "type": "choice",
            "label": _t("デザイン", "Design"),
            "required": False,
            "default": "classic",
            "choices": [{"value": v, "label": _t(v, v)} for v in LAYOUTS],
        },
    ]
    sections = [
        {"kind": "list", "heading": _t("取り扱い品", "What we stock"), "source": "points"},
        {
            "kind": "qa",
            "heading": _t("よくある質問", "Questions"),
            "source": "faqs",
            "interactive": "tabs",
        },
        {
            "kind": "prices",
            "heading": _t("料金", "Prices"),
            "source": "menu",
            "interactive": "calculator",
        },
        {
            "kind": "contact",
            "heading": _t("連絡先", "Contact"),
            "interactive": "mail_form",
            "items": [
                {"source": "email", "label": _t("メール", "E-mail")},
                {"source": "phone", "label": _t("電話", "Phone")},
            ],
        },
    ]
    return Job.model_validate(
        {
            "id": "interactive-page",
            "kind": "webpage",
            "title": _t("試験", "Test"),
            "description": _t("試験", "Test"),
            "help": _t("試験", "Test"),
            "icon": "🧪",
            "generator": "webpage",
            "templates": list(LAYOUTS),
            "checks": ["html5lib", "vnu", "axe", "facts"],
            "questions": questions,
            "sections": sections,
        }
    )


ANSWERS: dict[str, dict[str, Any]] = {
    "en": {
        "title": "Harbour Café",
        # seven items: the list gets its search box without being asked
        "points": [
            "Green tea",
            "Black tea",
            "Oat milk",
            "Sourdough bread",
            "Cheese scones",
            "Free Wi-Fi",
            "Dog bowls",
        ],
        "faqs": (
            "Do you take cards?, Yes, all major cards.\n"
            "Can I bring my dog?, Yes, on the terrace.\n"
            "Do you have a toilet?, Yes, on the ground floor."
        ),
        "menu": "Latte, $4.50\nSandwich, $12.50\nParty platter, $45\nCatering, from $300",
        "email": "hello@harbour.example",
        "phone": "+44 117 496 0123",
    },
    "ja": {
        "title": "こもれび商店",
        "points": ["緑茶", "ほうじ茶", "ＷｉＦｉ完備", "手作りパン", "焼き菓子", "季節のジャム"],
        "faqs": (
            "カードは使えますか？, はい、使えます。\n"
            "駐車場はありますか？, 店の裏に3台あります。\n"
            "予約はできますか？, お電話で承ります。"
        ),
        "menu": "コーヒー, 450円\nケーキセット, 1,200円\nお弁当, 180\n仕出し, 3,000円〜",
        "email": "info@komorebi.example",
        "phone": "048-123-4567",
    },
}
EXPECTED = {
    "en": {
        "label": "Search this list",
        "quantity": "Quantity of {}",
        "send": "Open in my e-mail program",
        "subject": "Subject",
        "message": "Message",
        "name": "Your name",
    },
    "ja": {
        "label": "この一覧から探す",
        "quantity": "{}の数量",
        "send": "メールソフトで開く",
        "subject": "件名",
        "message": "本文",
        "name": "お名前",
    },
}


def _render(lang: str, layout: str, colour: str, folder: Path) -> tuple[Path, str]:
    job = _job()
    given = {**ANSWERS[lang], "layout": layout, "color": colour}
    answers = validate_answers(given, job, lang, base_dir=folder)
    copy = PageCopy(lead="", closing="")
    html = render_page(job, answers, lang, copy, layout, folder)
    script = page_script(build_blocks(job, answers, lang, folder))
    assert script is not None and script.snippets == ["filter", "tabs", "calculator", "mail_form"]
    page = folder / f"{lang}-{layout}-{colour.strip('#')}.html"
    page.write_text(html, encoding="utf-8")
    return page, script.policy


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _open(
    browser: Any, page_file: Path, policy: str, *, script: bool = True
) -> tuple[Any, list[str]]:
    """The page at SITE, sent with its Content-Security-Policy header."""
    context = browser.new_context(java_script_enabled=script)
    body = page_file.read_bytes()

    def serve(route: Any) -> None:
        if route.request.url == SITE:
            headers = {"content-type": "text/html; charset=utf-8"}
            route.fulfill(
                status=200, body=body, headers={**headers, "content-security-policy": policy}
            )
        else:
            route.abort("blockedbyclient")

    context.route("**/*", serve)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(CAPTURE_MAILTO)
    page.goto(SITE, wait_until="load")
    return page, errors


@pytest.mark.parametrize(("lang", "layout"), [("en", "classic"), ("ja", "card")])
def test_each_snippet_works_by_keyboard_under_a_strict_policy(
    browser: Any, tmp_path: Path, lang: str, layout: str
) -> None:
    page_file, policy = _render(lang, layout, "#2f6f9f", tmp_path)
    page, errors = _open(browser, page_file, policy)
    words = EXPECTED[lang]
    try:
        _use_the_filter(page, lang, words)
        _use_the_tabs(page, lang)
        _use_the_calculator(page, lang, words)
        _use_the_mail_form(page, lang, words)
        assert page.evaluate("window.__violations") == []
        assert errors == []
    finally:
        page.context.close()


def _use_the_filter(page: Any, lang: str, words: dict[str, str]) -> None:
    items = page.locator("[data-filter-items] > li")
    search = page.get_by_label(words["label"])
    search.focus()
    page.keyboard.type("tea" if lang == "en" else "wifi")  # ja: matches "ＷｉＦｉ完備"
    shown = ["Green tea", "Black tea"] if lang == "en" else ["ＷｉＦｉ完備"]
    total = len(ANSWERS[lang]["points"])
    count = (
        f"{len(shown)} of {total} shown" if lang == "en" else f"{total}件中 {len(shown)}件を表示"
    )
    expect(page.locator(".filter-count")).to_have_text(count)  # once typing pauses
    assert [item.inner_text() for item in items.all() if item.is_visible()] == shown
    assert page.locator(".filter-count").get_attribute("role") == "status"  # polite
    page.keyboard.press("Control+a")
    page.keyboard.press("Backspace")
    assert all(item.is_visible() for item in items.all())


def _use_the_tabs(page: Any, lang: str) -> None:
    questions = [line.split(",")[0] for line in ANSWERS[lang]["faqs"].split("\n")]
    tabs = page.get_by_role("tab")
    assert [tab.inner_text() for tab in tabs.all()] == questions
    panels = page.locator(".tab-panel")

    def selected() -> int:
        focused = page.evaluate("document.activeElement.getAttribute('aria-controls')")
        chosen = [
            i for i, tab in enumerate(tabs.all()) if tab.get_attribute("aria-selected") == "true"
        ]
        visible = [i for i, panel in enumerate(panels.all()) if panel.is_visible()]
        assert chosen == visible and focused == panels.nth(chosen[0]).get_attribute("id")
        return chosen[0]

    tabs.first.focus()
    assert page.locator('[role="tablist"]').get_attribute("aria-labelledby")
    page.keyboard.press("ArrowRight")
    assert selected() == 1
    page.keyboard.press("End")
    assert selected() == 2
    page.keyboard.press("ArrowRight")  # wraps to the first
    assert selected() == 0
    page.keyboard.press("ArrowLeft")  # and back to the last
    assert selected() == 2
    page.keyboard.press("Home")
    assert selected() == 0
    page.keyboard.press("Tab")  # from the tab into its panel
    assert page.evaluate("document.activeElement.getAttribute('role')") == "tabpanel"


def _use_the_calculator(page: Any, lang: str, words: dict[str, str]) -> None:
    items, quantities, total = (
        (["Latte", "Sandwich", "Party platter"], ["2", "1", "3"], "$156.50")
        if lang == "en"
        else (["コーヒー", "ケーキセット", "お弁当"], ["2", "1", "12"], "4,260円")
    )
    boxes = page.locator("input[data-amount]")
    assert boxes.count() == 3  # "from $300" / "3,000円〜" is not one amount: no box
    for item, quantity in zip(items, quantities, strict=True):
        page.get_by_label(words["quantity"].format(item)).focus()
        page.keyboard.press("Control+a")
        page.keyboard.type(quantity)
    output = page.locator("output")
    assert output.inner_text() == total
    assert output.get_attribute("aria-live") == "polite"
    page.keyboard.press("Control+a")
    page.keyboard.type("0")  # the last row back to none
    zero = "$21.50" if lang == "en" else "2,100円"
    assert output.inner_text() == zero


def _use_the_mail_form(page: Any, lang: str, words: dict[str, str]) -> None:
    name, subject, message = (
        ("Ann Lee", "Table for 4 & a cake?", "Hello,\nsee you at 7 pm.")
        if lang == "en"
        else ("山田 花子", "予約について", "こんにちは。\n3名でうかがいます。")
    )
    page.get_by_label(words["name"]).focus()
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    page.keyboard.type(subject)
    page.keyboard.press("Tab")
    page.keyboard.type(message)  # "\n" in a textarea is a new line
    page.keyboard.press("Tab")  # past the note to the button
    assert page.evaluate("document.activeElement.textContent") == words["send"]
    page.keyboard.press("Enter")
    address = ANSWERS[lang]["email"]
    body = message.replace("\n", "\r\n") + "\r\n\r\n" + name
    encoded = {"safe": "!~*'()"}  # what encodeURIComponent leaves as it is
    expected = f"mailto:{address}?subject={quote(subject, **encoded)}&body={quote(body, **encoded)}"
    assert page.evaluate("window.__mailto") == [expected]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_without_javascript_everything_is_on_the_page(
    browser: Any, tmp_path: Path, lang: str
) -> None:
    page_file, policy = _render(lang, "classic", "#2f6f9f", tmp_path)
    page, _ = _open(browser, page_file, policy, script=False)
    try:
        text = page.locator("main").inner_text()
        for item in ANSWERS[lang]["points"]:
            assert page.get_by_text(item, exact=True).is_visible(), item
        for line in ANSWERS[lang]["faqs"].split("\n"):
            question, answer = (part.strip() for part in line.split(",", 1))
            assert page.get_by_role("heading", name=question, level=3).is_visible()
            assert answer in text
        for price in (
            ("$4.50", "$12.50", "$45", "from $300")
            if lang == "en"
            else ("450円", "1,200円", "180円", "3,000円〜")
        ):
            assert page.locator("td.price", has_text=price).first.is_visible(), price
        assert page.get_by_role("tab").count() == 0
        for hidden in (".snippet-filter", "input[data-amount]", "output", "form"):
            assert not page.locator(hidden).first.is_visible(), hidden
        assert page.get_by_role("link", name=ANSWERS[lang]["email"]).is_visible()
    finally:
        page.context.close()


def test_every_layout_and_theme_with_every_snippet_passes_vnu_and_axe(
    browser: Any, tmp_path: Path
) -> None:
    pages = [
        _render(lang, layout, colour, tmp_path)[0]
        for layout in LAYOUTS
        for lang, colour in zip(("en", "ja"), THEMES, strict=True)
    ]
    failed = {p.name: r.messages for p, r in check_vnu_many(pages).items() if not r.passed}
    for page in pages:
        result = check_axe(page, browser=browser)  # scripts run: tabs, boxes and form shown
        if not result.passed:
            failed[page.name] = result.messages
    assert not failed
