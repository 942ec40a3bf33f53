"""A person completes a job from Home to Publish with the keyboard alone, in a real browser.

The app runs from `./scripts/start` with the real embedded model; Chromium is driven
only with key presses (Tab, typing, Enter, arrow keys), and the page counts every
pointer event it receives: the test fails if there was one. Focus must land on each new
question's field by itself (0 Tab presses; the issue allows at most 2). The published
page must then be reachable at the URL the app shows.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support_system.core.settings import PROJECT_ROOT
from tests.helpers.browser import (
    MOUSE_GUARD,
    RunningApp,
    active,
    button,
    chromium,
    field,
    mouse_events,
    screenshot,
    start_app,
    tab_to,
    wait_focus,
    wait_idle,
)
from tests.helpers.keyboard_wizard import TEXT, expect_question, submit

pytestmark = pytest.mark.browser
SAMPLES = PROJECT_ROOT / "data" / "samples"

# What the person types, question by question (None = keep the pre-selected choice).
SHOP = {
    "ja": {
        "request": "パン屋のホームページを作りたい",
        "answers": [
            "こむぎ堂",
            "焼きたてのパンを毎朝どうぞ",
            "東京都台東区谷中2-3-4",
            "火〜土 7:00〜18:00\n定休日: 日曜・月曜",
            "03-1234-5678",
            "食パン, 320\nクロワッサン, 210",
            "緑",
            None,
        ],
    },
    "en": {
        "request": "a web page for my bakery",
        "answers": [
            "Wheat House",
            "Warm bread every morning",
            "4 Mill Lane, York YO1 7HB",
            "Tue-Sat 7:00-18:00\nClosed Sunday and Monday",
            "01904 555 0199",
            "Sourdough, 4.20\nBagel, 1.10",
            "green",
            None,
        ],
    },
}
CSV = {
    "ja": {
        # "集計" (aggregate), not "合計" (total): Home fills in what a request states, and
        # "合計したい" would answer the operation question, leaving three questions, not four.
        "request": "売上の表を店ごとに集計したい",
        "file": SAMPLES / "sales_ja_sjis.csv",
        "choices": ["店舗", "売上", None],
    },
    "en": {
        "request": "total up my sales CSV per store",
        "file": SAMPLES / "sales_en.csv",
        "choices": ["Store", "Sales", None],
    },
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(tmp_path_factory.mktemp("kb-state"))
    yield running
    running.stop()


def _focused_field_label(page) -> str:
    return active(page).get("label", "")


def _start_from_home(page, app: RunningApp, lang: str, request: str, job_title: str) -> None:
    page.goto(app.url)
    wait_idle(page)
    _set_language(page, lang)
    presses = tab_to(page, field(TEXT[lang]["want"]), what="the 'what do you want' field")
    assert presses <= 2, f"{presses} Tab presses to the first field of Home"
    page.keyboard.type(request)
    page.keyboard.press("Enter")
    wait_idle(page)
    focused = wait_focus(page, button(job_title))
    assert focused.get("tag") == "button" and job_title in focused.get("text", ""), (
        f"the best suggestion should be {job_title!r} and have focus: {focused}"
    )
    page.keyboard.press("Enter")
    wait_idle(page)


def _set_language(page, lang: str) -> None:
    """Choose the UI language with the sidebar select box, by keyboard."""
    page.wait_for_function("document.documentElement.dataset.ssTheme !== undefined")
    if page.evaluate("document.documentElement.lang") == lang:
        return
    tab_to(
        page,
        lambda el: el.get("tag") == "input" and el.get("label") in ("言語", "Language"),
        what="the language box",
    )
    page.keyboard.type("English" if lang == "en" else "日本語")
    page.keyboard.press("Enter")
    wait_idle(page)
    page.wait_for_function(f"document.documentElement.lang === '{lang}'")


def _choose_radio(page, option: str) -> None:
    """Arrow keys through a focused radio group until `option` is selected."""
    for _ in range(12):
        label = page.evaluate("""() => { const el = document.activeElement;
            const l = el.closest('label'); return l ? l.innerText.trim() : ''; }""")
        if label == option:
            return
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(60)
    pytest.fail(f"radio option {option!r} not reachable with arrow keys")


def _choose_file(page, path: Path, lang: str) -> None:
    """Enter on the focused Upload button opens the file chooser; the file is picked there.

    Streamlit sometimes redraws the uploader just after the page looks idle, and a key
    press landing in that instant is lost (the same happens to a person, who presses
    again): up to three presses are allowed, each on the freshly focused button.
    """
    for _ in range(3):
        wait_idle(page)
        wait_focus(page, button(TEXT[lang]["upload"]))
        try:
            with page.expect_file_chooser(timeout=5_000) as chooser:
                page.keyboard.press("Enter")
        except Exception:  # noqa: BLE001 - playwright TimeoutError: press again
            continue
        chooser.value.set_files(str(path))
        return
    pytest.fail(f"Enter on the Upload button never opened the file chooser; focus: {active(page)}")


def _generate_and_publish(
    page, app: RunningApp, lang: str, name: str, *, webpage: bool
) -> str | None:
    # Review page: focus is on "Make it".
    focused = wait_focus(page, button(TEXT[lang]["make"]))
    assert focused.get("tag") == "button" and TEXT[lang]["make"] in focused.get("text", ""), focused
    screenshot(page, f"kb-{name}-edit")
    page.keyboard.press("Enter")
    page.get_by_text(TEXT[lang]["result"]).wait_for(timeout=300_000)
    wait_idle(page)
    screenshot(page, f"kb-{name}-preview")
    assert page.get_by_text("❌").count() == 0, page.inner_text('[data-testid="stMain"]')[:2000]
    tab_to(page, button(TEXT[lang]["to_publish"]), limit=60, what="Continue to publish")
    page.keyboard.press("Enter")
    wait_idle(page)
    if not webpage:
        # A program is "published" as a zip to download and as an app to open.
        tab_to(page, button(TEXT[lang]["download"]), limit=30, what="the zip download")
        with page.expect_download(timeout=30_000) as download:
            page.keyboard.press("Enter")
        names = zipfile.ZipFile(download.value.path()).namelist()
        assert any(n.endswith("/app.py") for n in names) and any(
            n.endswith("/program.py") for n in names
        ), names
        tab_to(page, button(TEXT[lang]["launch"]), limit=30, what="Open the program")
        page.keyboard.press("Enter")
        link = page.locator('[data-testid="stMain"] a[href^="http://127.0.0.1"]').first
        link.wait_for(timeout=120_000)
        wait_idle(page)
        screenshot(page, f"kb-{name}-app-running")
        url = link.get_attribute("href")
        assert httpx.get(url, timeout=10).status_code == 200, "the program's app does not answer"
        tab_to(page, button(TEXT[lang]["stop"]), limit=30, what="Stop the program")
        page.keyboard.press("Enter")
        wait_idle(page)
        return url
    tab_to(page, button(TEXT[lang]["publish"]), limit=30, what="Publish the page")
    page.keyboard.press("Enter")
    wait_idle(page)
    link = page.locator('[data-testid="stMain"] a[href^="http://127.0.0.1"]').first
    link.wait_for(timeout=30_000)
    screenshot(page, f"kb-{name}-published")
    return link.get_attribute("href")


# One language per job keeps the suite inside CI's time: both languages and both kinds of
# job (a page, a program from a Japanese Shift_JIS CSV) are walked; the CASES of the
# other pairing stay so either can be switched back on.
@pytest.mark.parametrize("lang", ["en"])
def test_shop_page_from_home_to_publish_with_the_keyboard_only(app: RunningApp, lang: str) -> None:
    case = SHOP[lang]
    with chromium() as context:
        context.add_init_script(MOUSE_GUARD)
        page = context.new_page()
        _start_from_home(
            page, app, lang, case["request"], "お店のホームページ" if lang == "ja" else "Shop page"
        )
        total = len(case["answers"])
        for step, answer in enumerate(case["answers"], start=1):
            expect_question(page, lang, step, total)
            el = wait_focus(page, lambda e: e.get("tag") in ("input", "textarea"))
            assert el.get("tag") in ("input", "textarea"), (
                f"question {step}: focus is not on the field: {el}"
            )
            if answer is not None:
                page.keyboard.type(answer)
            if step == 1:
                screenshot(page, f"kb-shop-{lang}-question")
            submit(page, lang)
        url = _generate_and_publish(page, app, lang, f"shop-{lang}", webpage=True)
        assert mouse_events(page) == 0, "the page received pointer events"
    assert url and re.match(r"http://127\.0\.0\.1:\d+/project-\d+/shop-page/$", url), url
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200
    assert case["answers"][0] in response.text and case["answers"][4] in response.text


@pytest.mark.parametrize("lang", ["ja"])
def test_csv_summary_from_home_to_publish_with_the_keyboard_only(
    app: RunningApp, lang: str
) -> None:
    case = CSV[lang]
    with chromium() as context:
        context.add_init_script(MOUSE_GUARD)
        page = context.new_page()
        _start_from_home(
            page,
            app,
            lang,
            case["request"],
            "表（CSV）の集計" if lang == "ja" else "Summarise a spreadsheet (CSV)",
        )
        expect_question(page, lang, 1, 4)
        el = wait_focus(page, button(TEXT[lang]["upload"]))
        assert el.get("tag") == "button" and TEXT[lang]["upload"] in el.get("text", ""), (
            f"focus should be on the file chooser button: {el}"
        )
        _choose_file(page, case["file"], lang)
        page.get_by_text(Path(case["file"]).name).first.wait_for(timeout=30_000)
        submit(page, lang)
        for step, choice in enumerate(case["choices"], start=2):
            expect_question(page, lang, step, 4)
            el = wait_focus(page, lambda e: e.get("type") == "radio")
            assert el.get("type") == "radio", f"question {step}: focus is not on the choices: {el}"
            if choice is not None:
                _choose_radio(page, choice)
            submit(page, lang)
        app_url = _generate_and_publish(page, app, lang, f"csv-{lang}", webpage=False)
        assert mouse_events(page) == 0, "the page received pointer events"
        # The app answered while it ran; after Stop it is gone.
        assert app_url and re.match(r"http://127\.0\.0\.1:\d+/?$", app_url), app_url
        with pytest.raises(httpx.HTTPError):
            httpx.get(app_url, timeout=5)
