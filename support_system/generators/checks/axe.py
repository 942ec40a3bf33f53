"""axe-core in headless Chromium: the accessibility audit, and a network fence.

A page is opened in Debian's Chromium through Playwright (never `playwright install`),
axe-core from npm is injected, and the WCAG 2.0/2.1/2.2 A and AA rules plus axe's best
practices are run. Colour contrast, names of buttons and links, landmarks and headings
can only be judged on the rendered page, which is why this needs a real browser.

While the page is open every request that is not the page's own files (or data:/blob:)
is aborted and reported: a generated page must not reach the internet, and at run time
a script's `fetch()` is caught too, which no static check can promise.

Launching Chromium costs ~1 s: a check given no `browser=` uses one kept open for the
process (`SHARED`); a batch may still open its own with `chromium()`. Playwright's sync
API is bound to the thread that started it and refuses to run inside an asyncio event
loop: use it from plain threads.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from support_system.generators.base import CheckResult
from support_system.generators.checks.tools import CHROMIUM_ARGS, axe_script, chromium_executable

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route, WebSocketRoute

NAME = "axe"
IMPACTS: tuple[str, ...] = ("minor", "moderate", "serious", "critical")
DEFAULT_TAGS: tuple[str, ...] = (
    "wcag2a",
    "wcag2aa",
    "wcag21a",
    "wcag21aa",
    "wcag22aa",
    "best-practice",
)
MAX_NODES_PER_RULE = 5
TITLE_WAIT_MS = 10_000  # how long a live app may take to set its <title> from script
# Defence in depth for requests Playwright's routing cannot see (DNS prefetch, a service
# worker): names other than the loopback host resolve to nothing.
HOST_RULES = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
# Shrink the report inside the page: only what the messages need crosses to Python.
_RUN_AXE = """async (options) => {
  const result = await axe.run(document, options);
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({
      target: n.target,
      detail: [...n.any, ...n.all, ...n.none].map(c => c.message),
    })),
  }));
}"""


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium to share between checks (`with chromium() as browser:`).

    Launch flags are the ones verified on these machines; external host names do not
    resolve in it at all, so even a request that escaped routing could not leave.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = _launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


def _launch(playwright: Any) -> Browser:
    return playwright.chromium.launch(
        executable_path=chromium_executable(), args=[*CHROMIUM_ARGS, HOST_RULES]
    )


def check_axe(
    html: str | Path,
    *,
    browser: Browser | None = None,
    allowed_impacts: Iterable[str] = (),
    root: Path | None = None,
    tags: Iterable[str] = DEFAULT_TAGS,
    timeout: float = 30.0,
) -> CheckResult:
    """Audit a generated page with axe-core; every violation fails unless its impact is allowed.

    `html` as a Path is opened from file:// so its stylesheet, images and scripts load
    exactly as a visitor's browser would; files outside `root` (default: the page's
    folder) are blocked like the internet. `html` as a string is loaded with
    `set_content` and may load nothing but data: URLs. Each failure reads
    "rule-id (impact): help — selector"; blocked requests read "page tries to load URL"
    and uncaught script errors "page script error: …" — both fail.
    """
    fail_on = set(IMPACTS) - set(allowed_impacts)
    if isinstance(html, Path):
        page_file = html.resolve()
        folder = (root or page_file.parent).resolve()

        def load(page: Page) -> None:
            page.goto(page_file.as_uri(), wait_until="load")

        def allow(url: str) -> bool:
            return _is_inline(url) or _is_file_under(url, folder)
    else:
        markup = html

        def load(page: Page) -> None:
            page.set_content(markup, wait_until="load")

        allow = _is_inline
    return _with_browser(browser, lambda b: _audit(b, load, allow, fail_on, tags, timeout))


def check_axe_url(
    url: str,
    *,
    browser: Browser | None = None,
    fail_on: Iterable[str] = ("serious", "critical"),
    wait_for: str | None = None,
    tags: Iterable[str] = DEFAULT_TAGS,
    timeout: float = 60.0,
) -> CheckResult:
    """Audit a live local page (a generated program's Gradio app at http://127.0.0.1:…).

    Only violations whose impact is in `fail_on` fail — Gradio's own chrome has minor
    issues the generated app cannot fix, the serious ones it must. Requests may go to the
    page's own origin only; anything else is blocked and fails. The audit starts once the
    network is quiet (Gradio renders and fades its theme in after "load"); `wait_for` is
    a CSS selector to wait for as well, for apps that keep fetching.
    """
    origin = _origin(url)

    def load(page: Page) -> None:
        # Apps like Gradio render after "load" and fade their theme in: auditing before the
        # network is quiet misses their colour-contrast failures.
        page.goto(url, wait_until="networkidle")
        if wait_for:
            page.wait_for_selector(wait_for, state="visible")
        # Gradio sets <title> from script once the app is mounted; on a busy machine that
        # can come after the network went quiet. A title that never comes is still reported.
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            page.wait_for_function("() => document.title.trim() !== ''", timeout=TITLE_WAIT_MS)
        except PlaywrightTimeout:
            pass

    def allow(request_url: str) -> bool:
        return _is_inline(request_url) or _origin(request_url, websocket=True) == origin

    failing = set(fail_on)
    return _with_browser(browser, lambda b: _audit(b, load, allow, failing, tags, timeout))


# --- the audit ---------------------------------------------------------------------------


def _with_browser(browser: Browser | None, audit: Callable[[Browser], CheckResult]) -> CheckResult:
    """Use the caller's browser, or the process's shared one (see `SharedBrowser`)."""
    if browser is not None:
        return audit(browser)
    return SHARED.run(audit)


class SharedBrowser:
    """One Chromium per process for the checks that bring no browser of their own.

    Launching Chromium takes longer than auditing a page (about 1 s against 0.5 s, twice
    that on a busy 2-core machine), and every generated page is audited, so the browser
    stays open between checks and is closed after `idle_seconds` without one. Playwright's
    sync API is bound to the thread that started it and refuses a thread that runs an
    event loop (an async LangGraph node, FastAPI): the browser lives in one worker thread
    of its own, which also queues concurrent audits. A browser that died (killed, out of
    memory) is launched again once; a forked child (a Celery worker) gets its own.
    """

    def __init__(self, idle_seconds: float = 60.0) -> None:
        self.idle_seconds = idle_seconds
        self.launches = 0  # how many times Chromium was started (tests, logs)
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0
        self._playwright: Any = None
        self._browser: Browser | None = None
        self._last_used = 0.0
        self._timer: threading.Timer | None = None

    def run(self, audit: Callable[[Browser], CheckResult]) -> CheckResult:
        """Run `audit` on the shared browser in its thread and return its result."""
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="axe")
                self._pid = os.getpid()
                self._playwright = self._browser = None  # a parent's objects are not ours
                self._timer = None
            future = self._pool.submit(self._run, audit)
        return future.result()

    def close(self) -> None:
        """Close the browser now (it is launched again by the next check)."""
        with self._lock:
            pool = self._pool if self._pid == os.getpid() else None
        if pool is not None:
            pool.submit(self._close).result()

    # --- in the browser's thread ---------------------------------------------------------

    def _run(self, audit: Callable[[Browser], CheckResult]) -> CheckResult:
        from playwright.sync_api import Error as PlaywrightError

        browser = self._open()
        try:
            result = audit(browser)
        except PlaywrightError:
            if browser.is_connected():
                raise
            self._close()  # it died under us: one more try on a fresh one
            result = audit(self._open())
        self._last_used = time.monotonic()
        if self._timer is not None:
            self._timer.cancel()  # one pending idle check, not one per audit
        self._timer = threading.Timer(self.idle_seconds, self._close_when_idle)
        self._timer.daemon = True  # never keeps a finished process alive
        self._timer.start()
        return result

    def _open(self) -> Browser:
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        self._close()
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = _launch(self._playwright)
        self.launches += 1
        return self._browser

    def _close_when_idle(self) -> None:  # a timer thread: hand over to the browser's thread
        with self._lock:
            pool = self._pool if self._pid == os.getpid() else None
        if pool is not None:
            try:
                pool.submit(self._close_if_idle)
            except RuntimeError:  # the interpreter is shutting down
                pass

    def _close_if_idle(self) -> None:
        if time.monotonic() - self._last_used >= self.idle_seconds:
            self._close()

    def _close(self) -> None:
        from playwright.sync_api import Error as PlaywrightError

        browser, playwright = self._browser, self._playwright
        self._browser = self._playwright = None
        try:
            if browser is not None and browser.is_connected():
                browser.close()
        except PlaywrightError:
            pass  # already gone
        if playwright is not None:
            playwright.stop()


SHARED = SharedBrowser()


def _audit(
    browser: Browser,
    load: Callable[[Page], None],
    allow: Callable[[str], bool],
    fail_on: set[str],
    tags: Iterable[str],
    timeout: float,
) -> CheckResult:
    from playwright.sync_api import Error as PlaywrightError

    started = time.perf_counter()
    blocked: list[str] = []

    def on_request(route: Route) -> None:
        if allow(route.request.url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    def on_websocket(socket: WebSocketRoute) -> None:
        if allow(socket.url):
            socket.connect_to_server()
        else:
            blocked.append(socket.url)
            socket.close()

    script_errors: list[str] = []
    context = browser.new_context(service_workers="block")
    try:
        context.route("**/*", on_request)
        context.route_web_socket(lambda _url: True, on_websocket)
        page = context.new_page()
        page.set_default_timeout(timeout * 1000)
        page.on("pageerror", lambda error: script_errors.append(str(error.message or error)))
        try:
            load(page)
            page.evaluate(_axe_source())
            violations = page.evaluate(
                _RUN_AXE,
                {"runOnly": {"type": "tag", "values": list(tags)}, "resultTypes": ["violations"]},
            )
        except PlaywrightError as exc:
            messages = [f"the page could not be audited: {exc.message.splitlines()[0]}"]
            return CheckResult(NAME, False, messages + _blocked(blocked), _since(started))
    finally:
        context.close()
    failing, notes = _violations(violations, fail_on)
    problems = (
        failing
        + _blocked(blocked)
        + [f"page script error: {e}" for e in dict.fromkeys(script_errors)]
    )
    return CheckResult(NAME, not problems, problems + notes, _since(started))


def _violations(violations: list[dict[str, Any]], fail_on: set[str]) -> tuple[list[str], list[str]]:
    """Split into failing messages and notes ("note: …") for allowed impacts."""
    failing: list[str] = []
    notes: list[str] = []
    for violation in violations:
        impact = violation.get("impact") or "unknown"
        counted = impact in fail_on or impact == "unknown"
        prefix = "" if counted else "note: "
        nodes = violation.get("nodes", [])
        rule = f"{prefix}{violation['id']} ({impact})"
        for node in nodes[:MAX_NODES_PER_RULE]:
            message = f"{rule}: {violation['help']} — {_selector(node['target'])}"
            if violation["id"] == "color-contrast" and node.get("detail"):
                message += f" ({node['detail'][0]})"  # the measured ratio and both colours
            (failing if counted else notes).append(message)
        if len(nodes) > MAX_NODES_PER_RULE:
            more = len(nodes) - MAX_NODES_PER_RULE
            (failing if counted else notes).append(f"{rule}: … and {more} more elements")
    return failing, notes


def _selector(target: Any) -> str:
    """axe targets are lists; nested lists step into iframes or shadow roots."""
    if isinstance(target, list):
        return " >>> ".join(_selector(part) for part in target)
    return str(target)


def _blocked(urls: list[str]) -> list[str]:
    return [f"page tries to load {url}" for url in dict.fromkeys(urls)]


# --- request policy ----------------------------------------------------------------------


def _is_inline(url: str) -> bool:
    return url.split(":", 1)[0].lower() in {"data", "blob", "about"}


def _is_file_under(url: str, folder: Path) -> bool:
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    return Path(unquote(parts.path)).resolve().is_relative_to(folder)


def _origin(url: str, *, websocket: bool = False) -> tuple[str, str, int | None]:
    """(scheme, host, port) with default ports filled in; ws(s) counts as http(s)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if websocket:
        scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    default = {"http": 80, "https": 443}.get(scheme)
    try:
        port = parts.port or default
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port


@lru_cache(maxsize=1)
def _axe_source() -> str:
    return axe_script()


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)
