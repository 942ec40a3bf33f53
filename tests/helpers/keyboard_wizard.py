"""The wizard's words and moves for the keyboard-only browser tests (Chromium, no pointer).

Shared by tests/e2e/test_wizard_keyboard.py, test_custom_keyboard.py and
test_accounts_keyboard.py: the labels a person reads in each language, waiting for
"Question 2 of 4", and the moves a keyboard user makes from Home to Publish (choose the
language, ask on Home, press Next, pick a file, make it, publish or download and open a
program). `audit`, when given, is called on every page the walk passes (axe).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.browser import active, button, field, screenshot, tab_to, wait_focus, wait_idle

Audit = Callable[[Any, str], None]

TEXT = {
    "ja": {
        "want": "作りたいものを自由に書いてください",
        "next": "次へ",
        "make": "作る",
        "to_publish": "公開へ進む",
        "publish": "ページを公開する",
        "result": "結果（第",
        "model_used": "使ったモデル：",
        "download": "zip ファイルでダウンロード",
        "progress": "{total} 問中 {step} 問目",
        "upload": "ファイルを選ぶ",
        "launch": "プログラムを開く",
        "stop": "プログラムを止める",
    },
    "en": {
        "want": "Describe it in your own words",
        "next": "Next",
        "make": "Make it",
        "to_publish": "Continue to publish",
        "publish": "Publish the page",
        "result": "Result (version",
        "model_used": "Model used: ",
        "download": "Download as a zip file",
        "progress": "Question {step} of {total}",
        "upload": "Upload",
        "launch": "Open the program",
        "stop": "Stop the program",
    },
}
PROGRESS = {"ja": r"(\d+) 問中 (\d+) 問目", "en": r"Question (\d+) of (\d+)"}


def expect_question(page: Any, lang: str, step: int, total: int) -> None:
    text = TEXT[lang]["progress"].format(step=step, total=total)
    page.get_by_text(text).wait_for(timeout=30_000)


def question_count(page: Any, lang: str, *, timeout: float = 30_000) -> int:
    """N of "Question 1 of N", once the first question shows."""
    shown = page.get_by_text(re.compile(PROGRESS[lang])).first
    shown.wait_for(timeout=timeout)
    numbers = [int(n) for n in re.findall(r"\d+", shown.inner_text())]
    return numbers[0] if lang == "ja" else numbers[1]


def submit(page: Any, lang: str) -> None:
    """Next: Enter in a one-line field, otherwise Tab to the Next button and press Enter."""
    el = active(page)
    if el.get("tag") == "input" and el.get("type") == "text":
        page.keyboard.press("Enter")
    else:
        tab_to(page, button(TEXT[lang]["next"]), limit=6, what="the Next button")
        page.keyboard.press("Enter")
    wait_idle(page)


def set_language(page: Any, lang: str) -> None:
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


def ask_on_home(
    page: Any, url: str, lang: str, request: str, choice: str, audit: Audit | None = None
) -> None:
    """Type the request in Home's first field, send it with Enter, and press Enter on the
    button Home then focuses by itself (its text must contain `choice`)."""
    page.goto(url)
    wait_idle(page)
    set_language(page, lang)
    presses = tab_to(page, field(TEXT[lang]["want"]), what="the 'what do you want' field")
    assert presses <= 2, f"{presses} Tab presses to the first field of Home"
    page.keyboard.type(request)
    page.keyboard.press("Enter")
    wait_idle(page)
    focused = wait_focus(page, button(choice))
    assert focused.get("tag") == "button" and choice in focused.get("text", ""), (
        f"the best suggestion should be {choice!r} and have focus: {focused}"
    )
    if audit:
        audit(page, "home")
        wait_focus(page, button(choice))
    page.keyboard.press("Enter")
    wait_idle(page, timeout=300_000)  # a custom page or program is planned by a model


def choose_file(page: Any, path: Path, lang: str) -> None:
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


def generate_and_publish(
    page: Any,
    lang: str,
    name: str,
    *,
    webpage: bool,
    audit: Audit | None = None,
    shows: tuple[str, ...] = (),
    use_app: Callable[[str], None] | None = None,
) -> str | None:
    """From the review page: Make it, check the preview (every check passed, the model
    used and why are named, and each text of `shows` is on it), then publish the page
    (its URL) or, for a program, download the zip, open the app (its URL; `use_app` gets
    it while it runs) and stop it."""
    focused = wait_focus(page, button(TEXT[lang]["make"]))
    assert focused.get("tag") == "button" and TEXT[lang]["make"] in focused.get("text", ""), focused
    screenshot(page, f"kb-{name}-edit")
    if audit:
        audit(page, "edit")
        wait_focus(page, button(TEXT[lang]["make"]))
    page.keyboard.press("Enter")
    page.get_by_text(TEXT[lang]["result"]).wait_for(timeout=300_000)
    wait_idle(page)
    screenshot(page, f"kb-{name}-preview")
    shown = page.inner_text('[data-testid="stMain"]')
    assert page.get_by_text("❌").count() == 0, shown[:2000]
    assert all(text in shown for text in shows), (shows, shown[:2000])
    # Which model made it and why, in one sentence (routing, issue 14).
    assert TEXT[lang]["model_used"] in shown, shown[:2000]
    if audit:
        audit(page, "preview")
    tab_to(page, button(TEXT[lang]["to_publish"]), limit=60, what="Continue to publish")
    page.keyboard.press("Enter")
    wait_idle(page)
    if audit:
        audit(page, "publish")
    if not webpage:
        # A program is "published" as a zip to download and as an app to open.
        tab_to(page, button(TEXT[lang]["download"]), limit=30, what="the zip download")
        with page.expect_download(timeout=30_000) as download:
            page.keyboard.press("Enter")
        # The download button reruns the page: a key pressed during that run can land on
        # a button that is being replaced, and the launch below would never happen.
        wait_idle(page)
        names = zipfile.ZipFile(download.value.path()).namelist()
        assert any(n.endswith("/app.py") for n in names) and any(
            n.endswith("/program.py") for n in names
        ), names
        tab_to(page, button(TEXT[lang]["launch"]), limit=30, what="Open the program")
        page.keyboard.press("Enter")
        link = page.locator('[data-testid="stMain"] a[href^="http://127.0.0.1"]').first
        link.wait_for(timeout=180_000)  # the app starts in the sandbox: slow on a busy machine
        wait_idle(page)
        screenshot(page, f"kb-{name}-app-running")
        if audit:
            audit(page, "publish (program running)")
        url = link.get_attribute("href")
        assert httpx.get(url, timeout=10).status_code == 200, "the program's app does not answer"
        if use_app:
            use_app(url)
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
    if audit:
        audit(page, "publish (published)")
    return link.get_attribute("href")
