"""`./scripts/start` really serves the app, and its chat streams in a real browser.

Runs the start script itself (the install is already done, so it only checks and
starts), then drives Debian's Chromium through Playwright. Streaming is proven by
watching the reply grow on screen, not just by its final text.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.helpers.browser import RunningApp, chromium, screenshot, start_app, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(tmp_path_factory.mktemp("state"), lang="en")
    yield running
    running.stop()


def test_start_serves_the_home_page_and_the_chat_streams(app: RunningApp) -> None:
    with chromium() as context:
        page = context.new_page()
        page.goto(app.url)
        wait_idle(page)
        page.get_by_role("heading", name="Support System").wait_for()
        assert page.get_by_text("Qwen2.5-Coder 0.5B").count() >= 1
        box = page.get_by_label("Your message")
        box.fill("Write four short sentences about bread.")
        box.press("Enter")
        reply = page.locator('[data-testid="stChatMessage"]').nth(1)
        reply.wait_for(timeout=60_000)
        lengths: list[int] = []
        finished = False
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not finished:
            lengths.append(len(reply.inner_text().strip()))
            finished = page.get_by_text("Answered by qwen2.5-coder-0.5b").count() > 0
            time.sleep(0.05)
        screenshot(page, "home-chat")
    assert finished, "the reply never completed"
    growing = sorted({n for n in lengths if n > 0})
    assert len(growing) >= 3, f"reply did not grow while streaming: {lengths[:40]}"
