"""Shared browser-suite helpers: start the app, drive Chromium, keyboard-only moves, axe.

The app is started with `./scripts/start` itself (installs are already done, so it only
checks and starts), in a fresh state dir per module. Chromium is Debian's, driven by
Playwright (DESIGN.md §4). Keyboard-only means exactly that: the helpers press keys,
and `KeyboardOnly` counts every trusted mouse or pointer event the page receives, so a
test can prove none happened.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support_system.core.settings import PROJECT_ROOT
from support_system.generators.checks.tools import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import TEST_MODEL_DIR

AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(
    os.environ.get("SUPPORT_SYSTEM_SCREENSHOTS", PROJECT_ROOT / ".state-test" / "screenshots")
)
IDLE = '[data-test-script-state="notRunning"]'
# The text of the newest message in the chat room's message log.
LAST_REPLY = """() => {
  const sel = '.st-key-chat-log [data-testid="stChatMessageContent"]';
  const replies = document.querySelectorAll(sel);
  const last = replies[replies.length - 1];
  return last ? last.innerText.trim() : "";
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningApp:
    url: str
    port: int
    state_dir: Path
    log: Path
    proc: subprocess.Popen
    env: dict[str, str]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def start_app(state_dir: Path, *, port: int | None = None, lang: str = "ja") -> RunningApp:
    """Run ./scripts/start on a free port with its own state dir and wait until healthy."""
    port = port or free_port()
    state_dir.mkdir(parents=True, exist_ok=True)
    log = state_dir / f"start-{int(time.time() * 1000)}.log"
    env = {
        **os.environ,
        "SUPPORT_SYSTEM_PORT": str(port),
        "SUPPORT_SYSTEM_STATE_DIR": str(state_dir),
        "SUPPORT_SYSTEM_MODEL_DIR": str(TEST_MODEL_DIR),
        "SUPPORT_SYSTEM_LANGUAGE": lang,
        "SUPPORT_SYSTEM_SITES_PORT": "0",
    }
    env.pop("SUPPORT_SYSTEM_DATABASE_URL", None)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(PROJECT_ROOT / "scripts" / "start")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    app = RunningApp(f"http://127.0.0.1:{port}", port, state_dir, log, proc, env)
    try:
        _wait_healthy(app)
    except BaseException:
        app.stop()
        raise
    return app


def _wait_healthy(app: RunningApp) -> None:
    import httpx

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if app.proc.poll() is not None:
            pytest.fail(
                f"./scripts/start exited with {app.proc.returncode}:\n{app.log.read_text()[-3000:]}"
            )
        try:
            if httpx.get(f"{app.url}/_stcore/health", timeout=1).text == "ok":
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    pytest.fail(f"app not healthy after 180 s:\n{app.log.read_text()[-3000:]}")


@contextmanager
def chromium(*, launch_args: tuple[str, ...] = (), **context_args: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies, no storage) on Debian's Chromium; `launch_args`
    are extra command-line flags (e.g. a fake microphone fed from a WAV file)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: ./scripts/test installs it with apt-get")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *launch_args])
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 900}, **context_args)
            yield context
        finally:
            browser.close()


def wait_idle(page: Any, timeout: float = 60_000) -> None:
    """Wait until Streamlit finished running the script and the DOM settled."""
    page.wait_for_timeout(150)
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(200)
    page.wait_for_selector(IDLE, timeout=timeout)


# The app's three themes, and the script that switches the page to one (axe audits each).
THEMES = ["light", "high-contrast", "dark"]
SWITCH_THEME = "(theme) => { document.documentElement.dataset.ssTheme = theme; }"

MOUSE_GUARD = """
window.__mouseEvents = 0;
const kinds = ["mousedown", "mouseup", "click", "pointerdown", "pointerup", "mousemove", "wheel"];
for (const type of kinds) {
  window.addEventListener(type, (e) => {
    // A keyboard activation of a button fires a synthetic "click" with detail 0 and
    // no pointer: those are allowed; anything from a real pointer is counted.
    if (!e.isTrusted) return;
    if (type === "click" && e.detail === 0 && !(e.pointerType)) return;
    window.__mouseEvents += 1;
  }, true);
}
"""


def mouse_events(page: Any) -> int:
    return page.evaluate("window.__mouseEvents")


def active(page: Any) -> dict[str, Any]:
    """What has keyboard focus: tag, type, accessible-ish name and text."""
    return page.evaluate("""() => {
      const el = document.activeElement;
      if (!el) return {};
      const label = el.getAttribute("aria-label")
        || (el.labels && el.labels[0] ? el.labels[0].innerText : "")
        || (el.id ? (document.querySelector(`label[for="${el.id}"]`) || {}).innerText : "") || "";
      return {tag: el.tagName.toLowerCase(), type: el.type || "", label: (label || "").trim(),
              text: (el.innerText || "").trim().slice(0, 200), value: el.value || "",
              role: el.getAttribute("role") || ""};
    }""")


def wait_focus(
    page: Any, matches: Callable[[dict[str, Any]], bool], *, timeout: float = 5.0
) -> dict[str, Any]:
    """The focused element once it `matches` (focus is moved by a script after a rerun);
    the last one seen if it never does, so the caller's assertion shows it."""
    deadline = time.monotonic() + timeout
    el = active(page)
    while not matches(el) and time.monotonic() < deadline:
        page.wait_for_timeout(50)
        el = active(page)
    return el


def tab_to(
    page: Any, matches: Callable[[dict[str, Any]], bool], *, limit: int = 40, what: str = ""
) -> int:
    """Press Tab until the focused element `matches`; returns the number of presses."""
    for presses in range(limit + 1):
        if matches(active(page)):
            return presses
        page.keyboard.press("Tab")
        page.wait_for_timeout(40)
    pytest.fail(
        f"{what or 'target'} not reachable with {limit} Tab presses; focus is on {active(page)}"
    )


def button(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda el: el.get("tag") == "button" and text in el.get("text", "")


def field(label: str) -> Callable[[dict[str, Any]], bool]:
    return lambda el: el.get("tag") in ("input", "textarea") and label in el.get("label", "")


def run_axe(page: Any, *, exclude: list[str] | None = None) -> dict[str, Any]:
    """Run axe-core (from the npm package) on the page; returns violations and rule ids."""
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async (exclude) => {
          const context = exclude.length ? {exclude: exclude.map(s => [s])} : document;
          const r = await axe.run(context, {resultTypes: ["violations"]});
          const checked = [...r.passes, ...r.violations, ...r.incomplete, ...r.inapplicable]
            .map(x => x.id);
          return {violations: r.violations.map(v => ({id: v.id, impact: v.impact,
                    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target,
                      html: n.html.slice(0, 200), summary: n.failureSummary}))})),
                  rules: [...new Set(checked)].sort()};
        }""",
        exclude or [],
    )


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)


@contextmanager
def app_state(app: RunningApp) -> Iterator[None]:
    """Use the running app's database and state dir from this test process (to seed
    projects and artifacts through the real services), then restore the test's own."""
    from support_system.core.settings import get_settings
    from support_system.data.db import reset_engine_cache

    saved = {
        k: os.environ.get(k) for k in ("SUPPORT_SYSTEM_STATE_DIR", "SUPPORT_SYSTEM_DATABASE_URL")
    }
    os.environ["SUPPORT_SYSTEM_STATE_DIR"] = str(app.state_dir)
    os.environ.pop("SUPPORT_SYSTEM_DATABASE_URL", None)
    get_settings.cache_clear()
    reset_engine_cache()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
        reset_engine_cache()


def seed_project(
    app: RunningApp, job_id: str, lang: str, *, make: bool = True, answered: int | None = None
) -> int:
    """A project with its questions answered from the job's samples (all, or the first
    `answered`) and, if `make`, an artifact made from the tested template (no model
    call: quick and deterministic). Returns the wizard session id."""
    from support_system.data.db import session_scope
    from support_system.data.repositories import ensure_local_user
    from support_system.generators.pipeline import Budget, run_pipeline
    from support_system.jobs import wizard, workspace
    from support_system.jobs.catalogue import get_job
    from support_system.jobs.flow import effective_answers

    with app_state(app):
        with session_scope() as session:
            user = ensure_local_user(session).id
        job = get_job(job_id)
        project_id, session_id = workspace.create_project(user, job_id, lang)
        base = PROJECT_ROOT / "data" / "samples"
        for question in job.questions[:answered]:
            if question.id in job.samples[lang]:
                wizard.answer(
                    session_id, question.id, job.samples[lang][question.id], lang, base_dir=base
                )
        if make:
            state = wizard.resume(session_id)
            run_pipeline(
                job,
                effective_answers(job, state.answers, lang),
                workspace.new_output_dir(session_id),
                lang=lang,
                budget=Budget(attempts=0),
                base_dir=base,
                session_id=session_id,
                project_id=project_id,
            )
    return session_id


def set_preferences(app: RunningApp, **changes: Any) -> None:
    from support_system.accounts.preferences import update_preferences
    from support_system.data.db import session_scope
    from support_system.data.repositories import ensure_local_user

    with app_state(app):
        with session_scope() as session:
            user = ensure_local_user(session).id
        update_preferences(user, **changes)
