"""Restarting the server mid-wizard loses nothing: reload, and the same question is back.

The person answers three questions in the browser; the server is then killed (SIGKILL,
no chance to save anything on the way out) and started again on the same port and
state dir. Reloading the same tab shows the fourth question, the earlier answers are
all there (Back pre-fills them; the review page lists them), and the chosen language
is still English.
"""

from __future__ import annotations

import os
import signal

import pytest

from tests.helpers.browser import chromium, screenshot, start_app, wait_focus, wait_idle

pytestmark = pytest.mark.browser
ANSWERS = ["Lantern Books", "Stories for every age", "8 Quay Street, Bath BA1 1AA"]


def test_restart_mid_wizard_resumes_the_same_question_with_all_answers(tmp_path) -> None:
    state = tmp_path / "state"
    app = start_app(state, lang="ja")
    port = app.port
    try:
        with chromium() as context:
            page = context.new_page()
            page.goto(f"{app.url}/settings")
            wait_idle(page)
            # Switch the language to English in Settings, by keyboard.
            page.get_by_role("radio", name="English").focus()
            page.keyboard.press("Space")
            page.get_by_role("button", name="設定を保存").focus()
            page.keyboard.press("Enter")
            wait_idle(page)
            page.get_by_text("Settings saved.").wait_for()
            page.goto(f"{app.url}/jobs")
            wait_idle(page)
            page.get_by_role("button", name="Start “Shop page”").focus()
            page.keyboard.press("Enter")
            wait_idle(page)
            for step, answer in enumerate(ANSWERS, start=1):
                page.get_by_text(f"Question {step} of 8").wait_for()
                wait_focus(page, lambda e: e.get("tag") == "input")
                page.keyboard.type(answer)
                page.keyboard.press("Enter")
                wait_idle(page)
            page.get_by_text("Question 4 of 8").wait_for()
            url = page.url
            assert "s=" in url, url

            os.killpg(app.proc.pid, signal.SIGKILL)
            app.proc.wait(timeout=20)
            app = start_app(state, port=port, lang="ja")

            page.reload()
            wait_idle(page)
            page.get_by_text("Question 4 of 8").wait_for(timeout=30_000)
            assert page.evaluate("document.documentElement.lang") == "en"
            assert wait_focus(page, lambda e: e.get("tag") == "textarea").get("tag") == "textarea"
            screenshot(page, "restart-resumed")
            page.get_by_role("button", name="Back").focus()
            page.keyboard.press("Enter")
            wait_idle(page)
            page.get_by_text("Question 3 of 8").wait_for()
            assert (
                wait_focus(page, lambda e: e.get("value") == ANSWERS[2]).get("value") == ANSWERS[2]
            )
            page.goto(f"{app.url}/edit?{url.split('?', 1)[1]}")
            wait_idle(page)
            review = page.inner_text('[data-testid="stMain"]')
        assert all(answer in review for answer in ANSWERS), review
    finally:
        app.stop()
