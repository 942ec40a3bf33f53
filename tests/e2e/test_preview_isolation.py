"""A generated page shown in Preview cannot read or change the app around it.

The page here is hostile on purpose: its script tries to read `window.parent.document`,
inject an element into it, rename the app's tab and write the app's localStorage, and
writes down what happened inside its own document. The test reads that note from the
frame (proving the script really ran) and checks the app's document is untouched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.helpers.browser import (
    RunningApp,
    app_state,
    chromium,
    screenshot,
    seed_project,
    start_app,
    wait_idle,
)

pytestmark = pytest.mark.browser

PROBE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Probe</title></head>
<body><main><h1>Probe page</h1><p id="result">script did not run</p></main>
<script>
let outcome = [];
try {
  const doc = window.parent.document;
  outcome.push("read:" + doc.title);
  doc.body.insertAdjacentHTML("beforeend", '<p id="pwned">pwned</p>');
  doc.title = "HACKED";
  outcome.push("wrote");
} catch (e) { outcome.push("parent-document:" + e.name); }
try { window.parent.localStorage.setItem("pwned", "1"); outcome.push("parent-storage-written"); }
catch (e) { outcome.push("parent-storage:" + e.name); }
try { window.top.location.href; outcome.push("top-location-read"); }
catch (e) { outcome.push("top-location:" + e.name); }
document.getElementById("result").textContent = outcome.join(" ");
</script></body></html>
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(tmp_path_factory.mktemp("iso-state"), lang="en")
    yield running
    running.stop()


def _hostile_artifact(app: RunningApp) -> int:
    from support_system.data.db import session_scope
    from support_system.data.repositories import add_artifact
    from support_system.jobs import workspace

    session_id = seed_project(app, "shop-page", "en", make=False)
    with app_state(app):
        out = workspace.new_output_dir(session_id)
        (out / "index.html").write_text(PROBE, encoding="utf-8")
        (out / "result.json").write_text(
            json.dumps(
                {
                    "job": "shop-page",
                    "lang": "en",
                    "ok": True,
                    "main_file": "index.html",
                    "checks": [],
                    "run": None,
                    "outputs": [],
                    "explanation": None,
                }
            ),
            encoding="utf-8",
        )
        with session_scope() as session:
            add_artifact(
                session,
                kind="shop-page",
                path=str(out),
                checks={},
                checks_passed=True,
                session_id=session_id,
                project_id=workspace.project_for_session(session_id),
            )
    return session_id


def test_script_in_a_previewed_page_cannot_reach_the_app(app: RunningApp) -> None:
    session_id = _hostile_artifact(app)
    with chromium() as context:
        page = context.new_page()
        page.goto(f"{app.url}/preview?s={session_id}")
        wait_idle(page)
        frame_element = page.locator('[data-testid="stMain"] iframe').first
        frame_element.wait_for(timeout=30_000)
        src = frame_element.get_attribute("src") or ""
        assert src.startswith("data:text/html;base64,"), src[:80]
        frame = next(f for f in page.frames if f.url.startswith("data:"))
        frame.wait_for_function(
            "document.getElementById('result').textContent !== 'script did not run'"
        )
        outcome = frame.evaluate("document.getElementById('result').textContent")
        screenshot(page, "preview-isolation")
        app_title = page.title()
        injected = page.locator("#pwned").count()
        app_storage = page.evaluate("window.localStorage.getItem('pwned')")
    assert "parent-document:SecurityError" in outcome, outcome
    assert "parent-storage:SecurityError" in outcome, outcome
    assert "top-location:SecurityError" in outcome, outcome
    assert "read:" not in outcome and "wrote" not in outcome
    assert injected == 0 and app_title != "HACKED" and app_storage is None
