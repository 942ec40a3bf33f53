"""`./scripts/start` really serves the app, and its chat streams in a real browser.

Runs the start script itself (the install is already done, so it only checks and
starts), then drives Debian's Chromium through Playwright. Streaming is proven by
watching the reply grow on screen, not just by its final text.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support_system.core.settings import PROJECT_ROOT
from tests.conftest import TEST_MODEL_DIR

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    state = tmp_path_factory.mktemp("state")
    log = state / "start.log"
    env = {**os.environ, "SUPPORT_SYSTEM_PORT": str(port), "SUPPORT_SYSTEM_STATE_DIR": str(state),
           "SUPPORT_SYSTEM_MODEL_DIR": str(TEST_MODEL_DIR), "SUPPORT_SYSTEM_LANGUAGE": "en"}
    with log.open("wb") as out:
        proc = subprocess.Popen([str(PROJECT_ROOT / "scripts" / "start")], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_healthy(port, proc, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)


def _wait_healthy(port: int, proc: subprocess.Popen, log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"./scripts/start exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).text == "ok":
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    pytest.fail(f"app not healthy after 180 s:\n{log.read_text()[-3000:]}")


def test_start_serves_the_home_page_and_the_chat_streams(app_url: str, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: ./scripts/test installs it with apt-get")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(app_url)
        page.wait_for_selector('[data-test-script-state="notRunning"]', timeout=60_000)
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
        page.screenshot(path=str(tmp_path / "home-chat.png"), full_page=True)
        browser.close()
    assert finished, "the reply never completed"
    growing = sorted({n for n in lengths if n > 0})
    assert len(growing) >= 3, f"reply did not grow while streaming: {lengths[:40]}"
