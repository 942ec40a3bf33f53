"""Ask your data in a real browser, with the keyboard alone (issue 12, item 7).

The app runs from `./scripts/start` with the real analysis service and the real
embedded model. A Japanese person arrives on 「データに質問」: focus is already on the
file chooser; Enter opens it and a Shift_JIS (cp932) CSV written here is picked; focus
moves to the question field by itself; the question is typed and sent with Enter. The
answer must state the totals pandas computes from the same file, "How this was
computed" opens with Enter and shows the program, and the result downloads (a real
download event) with the same numbers. No pointer event may reach the page.

axe then checks the page with the answer showing in the three themes of
test_every_page.py. Reloading would start a new session without the answer, so the
theme is switched the way the app's own script does it (`<html data-ss-theme>`, which
every rule of theme.css hangs on) on the same page.

The person's model preference is the 1.5B coder, as Settings allows: this test is
about the page, and the 1.5B model answers this question correctly every time measured
(the default chain starts with the 0.5B model, whose programs are sometimes wrong in
ways no check can see; tests/integration/ui/test_ask_page.py uses the default chain).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from support_system.core.i18n import t
from tests.helpers.browser import (
    MOUSE_GUARD,
    THEMES,
    RunningApp,
    active,
    button,
    chromium,
    dump,
    field,
    mouse_events,
    run_axe,
    screenshot,
    set_preferences,
    start_app,
    tab_to,
    wait_focus,
    wait_idle,
)

pytestmark = pytest.mark.browser
ROWS = [
    ("大阪", "1月", 1200),
    ("東京", "1月", 3400),
    ("大阪", "2月", 2100),
    ("東京", "2月", 1800),
    ("大阪", "3月", 900),
    ("東京", "3月", 2500),
]
QUESTION = "店舗ごとの売上の合計を教えてください"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(tmp_path_factory.mktemp("ask-state"), lang="ja")
    yield running
    running.stop()


def _sales_csv(folder: Path) -> Path:
    """The shop's sales as Excel in Japan saves a CSV: Shift_JIS (cp932)."""
    lines = ["店舗,月,売上", *(f"{shop},{month},{sales}" for shop, month, sales in ROWS)]
    path = folder / "売上.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))
    return path


def _expected(path: Path) -> dict[str, int]:
    frame = pd.read_csv(path, encoding="cp932")
    return {shop: int(total) for shop, total in frame.groupby("店舗")["売上"].sum().items()}


def _choose_file(page, path: Path) -> None:
    """Enter on the focused "ファイルを選ぶ" button opens the chooser, where the file is
    picked (a key press landing while Streamlit redraws is pressed again, as a person would)."""
    upload = t("streamlit.upload.button", "ja")
    for _ in range(3):
        wait_idle(page)
        focused = wait_focus(page, button(upload))
        assert upload in focused.get("text", ""), f"focus should be on the file chooser: {focused}"
        try:
            with page.expect_file_chooser(timeout=5_000) as chooser:
                page.keyboard.press("Enter")
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: press again
            continue
        chooser.value.set_files(str(path))
        return
    pytest.fail(f"Enter never opened the file chooser; focus: {active(page)}")


def _numbers(text: str) -> list[int]:
    return [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", text)]


def test_a_question_about_a_shift_jis_csv_by_keyboard_only(app: RunningApp, tmp_path) -> None:
    csv = _sales_csv(tmp_path)
    expected = _expected(csv)  # {"大阪": 4200, "東京": 7700}
    set_preferences(app, language="ja", theme="light", model="qwen2.5-coder-1.5b")
    with chromium(locale="ja-JP", accept_downloads=True) as context:
        context.add_init_script(MOUSE_GUARD)
        page = context.new_page()
        page.goto(f"{app.url}/ask_data")
        wait_idle(page)
        page.get_by_role("heading", name=t("ask.title", "ja"), exact=True).wait_for()

        _choose_file(page, csv)
        page.locator(".st-key-ask-files").get_by_text(csv.name).first.wait_for(timeout=30_000)
        wait_idle(page)
        focused = wait_focus(page, field(t("ask.question_label", "ja")))
        assert field(t("ask.question_label", "ja"))(focused), f"focus after the upload: {focused}"
        page.keyboard.type(QUESTION)
        page.keyboard.press("Enter")

        answer = page.locator(".st-key-ask-live .ss-answer")
        answer.wait_for(timeout=300_000)
        wait_idle(page, timeout=120_000)
        shown = page.locator(".st-key-ask-live").inner_text()
        screenshot(page, "ask-answer")
        for shop, total in expected.items():
            assert shop in shown and total in _numbers(shown), (shop, total, shown)
        live = page.locator(".st-key-ask-live")
        assert live.get_attribute("role") == "status", "the answer is not announced"
        assert live.get_attribute("aria-busy") == "false"
        # Focus is back in the question field, ready for a follow-up.
        assert field(t("ask.question_label", "ja"))(active(page)), active(page)

        # The result downloads, by keyboard, with the same totals.
        tab_to(page, button(t("ask.download_table", "ja")), limit=40, what="the download")
        with page.expect_download(timeout=30_000) as download:
            page.keyboard.press("Enter")
        result = pd.read_csv(download.value.path(), encoding="utf-8-sig")
        totals = {
            str(row.iloc[0]): int(row.iloc[-1]) for _, row in result.iterrows()
        }  # first column: the shop, last column: its total
        assert totals == expected, result.to_csv(index=False)

        # "How this was computed" opens with Enter and shows the program.
        how = t("ask.how_heading", "ja")
        tab_to(page, lambda el: how in el.get("text", ""), limit=20, what="the expander")
        page.keyboard.press("Enter")
        code = page.locator(".st-key-ask-details [data-testid='stCode']")
        code.wait_for(state="visible", timeout=10_000)
        page.wait_for_timeout(500)  # the expander's opening animation
        assert "def solve" in code.inner_text()
        assert "groupby" in code.inner_text() or "店舗" in code.inner_text()
        screenshot(page, "ask-how-computed")
        assert mouse_events(page) == 0, "the page received pointer events"

        # axe, with the answer, the table, the downloads and the open expander showing.
        failures: dict[str, list] = {}
        for theme in THEMES:
            page.evaluate(f"document.documentElement.dataset.ssTheme = '{theme}'")
            page.wait_for_timeout(1500)  # colours change with Streamlit's CSS transitions
            result_axe = run_axe(page)
            screenshot(page, f"ask-answer-{theme}")
            if result_axe["violations"]:
                failures[theme] = result_axe["violations"]
    set_preferences(app, model=None)
    assert not failures, f"axe violations on Ask your data:\n{dump(failures)}"
