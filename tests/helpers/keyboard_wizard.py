"""The wizard's words and moves for the keyboard-only browser tests (Chromium, no pointer).

Shared by tests/e2e/test_wizard_keyboard.py and test_accounts_keyboard.py: the labels a
person reads in each language, waiting for "Question 2 of 4", and pressing Next the way
a keyboard user does.
"""

from __future__ import annotations

from typing import Any

from tests.helpers.browser import active, button, tab_to, wait_idle

TEXT = {
    "ja": {
        "want": "作りたいものを自由に書いてください",
        "next": "次へ",
        "make": "作る",
        "to_publish": "公開へ進む",
        "publish": "ページを公開する",
        "result": "結果（第",
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
        "download": "Download as a zip file",
        "progress": "Question {step} of {total}",
        "upload": "Upload",
        "launch": "Open the program",
        "stop": "Stop the program",
    },
}


def expect_question(page: Any, lang: str, step: int, total: int) -> None:
    text = TEXT[lang]["progress"].format(step=step, total=total)
    page.get_by_text(text).wait_for(timeout=30_000)


def submit(page: Any, lang: str) -> None:
    """Next: Enter in a one-line field, otherwise Tab to the Next button and press Enter."""
    el = active(page)
    if el.get("tag") == "input" and el.get("type") == "text":
        page.keyboard.press("Enter")
    else:
        tab_to(page, button(TEXT[lang]["next"]), limit=6, what="the Next button")
        page.keyboard.press("Enter")
    wait_idle(page)
