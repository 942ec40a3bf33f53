"""How fast does the Streamlit UI answer a person? Cold start and per-step latency in a browser.

Starts the app the way `./scripts/start` does (`ui/serve.py`: the same flags, `.venv/bin/python`,
a free port, a fresh temporary state dir whose database is migrated first with
`python -m support_system db upgrade`, untimed) and drives Debian's Chromium with
Playwright. Figures only; nothing here asserts on time.

Cold start, repeated 3 times with a new server, a new state dir and a new browser context
each time, all timed from the moment the app process is spawned:
  * healthy     - `/_stcore/health` answers "ok" (polled every 20 ms);
  * page loaded - after health, the home page is opened in a new context: its `load` event
    (static files served; the script has not necessarily run yet);
  * first page  - the same page usable: page loaded,
    `[data-test-script-state="notRunning"]` present, and the home page's first text input
    ("Describe it in your own words" / 「作りたいものを自由に書いてください」) is enabled
    and takes focus.

Per-step latency (on the last cold-started server): N samples (--runs) after one warm-up
sample, which is left out of the statistics and shown apart ("first"). Every sample walks
the same path on a fresh project, so each step is measured the first time it happens for
that project:
  1. open `/jobs` (page.goto, untimed) and type the search term (untimed: Streamlit
     sends nothing before Enter);
  2. jobs search       - Enter → the caption "K jobs shown" matches the filtered count
                         and exactly K "Start" buttons are on the page;
  3. start job         - focus the button "Start “Shop page”" and press Enter → "Question 1
                         of N" (a new project through the real UI, no service shortcut);
  4. questions: next   - wait until the field has focus (the page puts it there), type the
                         shop's name (untimed), Enter → "Question 2 of N";
     … field focused   - same start time, until question 2's field (found by its label)
                         has focus (what a keyboard user waits for before typing again);
  5. questions: back   - focus the "Back" button, Enter → "Question 1 of N"; then (untimed)
                         let the page move focus to the field as it does after every run,
                         or it may take focus from the link of step 6 and Enter would
                         submit the question instead;
  6. edit via sidebar  - focus the sidebar link "Check answers", Enter → the Edit page's
                         heading and its "What you asked for" section (drawn only when the
                         open session was found): an in-app page switch over the open
                         websocket, no `?s=` in the link (the tab's session state carries it);
  7. edit via goto     - page.goto(`/edit?s=<id>`) → the same (a full page load: new
                         document, new websocket, new Streamlit session).
Buttons and links get keyboard focus through Playwright's `focus()` (untimed, what Tab
presses would do), then Enter is pressed: the keyboard only, no mouse clicks.
Every step's clock starts right before the key press (or goto) and stops when the new
state is in the DOM *and* the script state is notRunning again; the condition is polled
in the page every 10 ms with `page.wait_for_function`. Playwright's round trips to the
browser add a few ms to every figure; typing is excluded because no request leaves the
browser until Enter. The machine has 2 cores: anything else running (tests, builds)
shows up in these figures, so compare runs made under the same load.

Usage: .venv/bin/python bench/ui_latency.py [--runs 20] [--lang ja|en]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

# Next to this file (bench/ is not a package; `python bench/…` puts it on sys.path).
from ui_latency_server import (
    BenchError,
    Server,
    first_page,
    model_dir,
    start_server,
    wait_healthy,
)

from support_system.core.i18n import t
from support_system.generators.checks.tools import CHROMIUM, CHROMIUM_ARGS
from support_system.jobs.catalogue import get_job, load_catalogue
from support_system.jobs.flow import progress
from support_system.jobs.suggest import suggest_jobs

COLD_STARTS = 3
STEP_TIMEOUT_MS = 30_000
JOB_ID = "shop-page"
SEARCH = {"en": "shop", "ja": "お店"}
ANSWER = {"en": "Sunflower Bakery", "ja": "ひまわりベーカリー"}
STEPS = [
    "jobs search",
    "start job",
    "questions: next",
    "… field focused",
    "questions: back",
    "edit via sidebar",
    "edit via goto",
]

# Condition helpers, defined once per document (a full page load drops them).
_HELPERS = """
() => {
  if (window.__bench) return;
  const doc = document;
  const idle = () => !!doc.querySelector('[data-test-script-state="notRunning"]')
    && !doc.querySelector('[data-test-script-state="running"]');
  const main = () => doc.querySelector('[data-testid="stMain"]');
  const texts = (sel) =>
    Array.from((main() || doc).querySelectorAll(sel), (e) => e.textContent.trim());
  window.__bench = {
    idle,
    progress: () => texts('[data-testid="stProgress"]').join(" | "),
    h1: () => texts("h1").join(" | "),
    subheadings: () => texts("h2, h3"),
    captions: () => texts('[data-testid="stCaptionContainer"]'),
    fieldFocused: (label) => {
      const el = doc.activeElement, m = main();
      return !!(el && m && m.contains(el) && (el.tagName === "INPUT" || el.tagName === "TEXTAREA")
        && el.getAttribute("aria-label") === label);
    },
  };
}
"""
_IDLE_AND = "(arg) => { const b = window.__bench; return !!b && b.idle() && (%s); }"
EDIT_READY = "window.__bench.h1() === arg[0] && window.__bench.subheadings().includes(arg[1])"


@dataclass
class Samples:
    first: dict[str, float] = field(default_factory=dict)
    runs: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})


class Walk:
    """One browser page walking jobs → questions → edit, timing each step."""

    def __init__(self, page, server: Server, lang: str) -> None:
        self.page, self.server, self.lang = page, server, lang
        self.done = 0  # samples finished; 0 is the warm-up
        catalogue = load_catalogue()
        job = get_job(JOB_ID)
        self.total = progress(job, {})[1]
        self.labels = [q.label.get(lang) for q in job.questions[:2]]  # both are text inputs
        self.filtered = len(suggest_jobs(SEARCH[lang], limit=len(catalogue)))
        self.count_text = t("ui.jobs.count", lang, count=self.filtered)
        self.all_text = t("ui.jobs.count", lang, count=len(catalogue))
        self.start_label = t("ui.jobs.start", lang, job=job.title.get(lang))
        self.edit_title = t("ui.edit.title", lang)
        self.edit_spec = t("ui.edit.spec_heading", lang)  # only drawn when the session was found
        if self.filtered in (0, len(catalogue)):
            raise BenchError(
                f"search term {SEARCH[lang]!r} does not filter the job list; choose another"
            )

    # -- helpers ------------------------------------------------------------------------
    def _question(self, step: int) -> str:
        return t("ui.questions.progress", self.lang, step=step, total=self.total)

    def _describe(self) -> str:
        try:
            self.page.evaluate(_HELPERS)
            seen = self.page.evaluate(
                "() => { const b = window.__bench; return {url: location.href, idle: b.idle(),"
                " h1: b.h1(), progress: b.progress(), subheadings: b.subheadings().slice(0, 3),"
                " captions: b.captions().slice(0, 3)}; }"
            )
            return json.dumps(seen, ensure_ascii=False)
        except Exception as exc:  # noqa: BLE001 - only used to enrich an error message
            return f"(page not readable: {exc})"

    def _wait(self, what: str, condition: str, arg: object = None) -> None:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            self.page.wait_for_function(
                _IDLE_AND % condition, arg=arg, polling=10, timeout=STEP_TIMEOUT_MS
            )
        except PlaywrightTimeout:
            raise BenchError(
                f"sample {self.done}, {what}: not reached within {STEP_TIMEOUT_MS / 1000:.0f} s. "
                f"The page showed: {self._describe()}"
            ) from None

    def _timed(
        self, what: str, act: Callable[[], None], condition: str, arg: object = None
    ) -> float:
        start = time.perf_counter()
        act()
        self._wait(what, condition, arg)
        return time.perf_counter() - start

    def _focus(self, locator: Any, what: str) -> None:
        """Give `locator` keyboard focus and make sure it keeps it (untimed): the page's
        focus script checks again for a few frames after a run and puts focus back on
        the field when an element it was on is replaced, which can beat a fast Tab."""
        for _ in range(20):
            locator.focus()
            self.page.wait_for_timeout(200)
            if locator.evaluate("el => document.activeElement === el"):
                return
        raise BenchError(f"sample {self.done}, {what}: could not keep focus there")

    def _open(self, path: str) -> None:
        self.page.goto(self.server.url + path)
        self.page.evaluate(_HELPERS)

    # -- one sample ---------------------------------------------------------------------
    def sample(self) -> dict[str, float]:
        page, got = self.page, {}
        self._open("/jobs")
        search = page.get_by_label(t("ui.jobs.search_label", self.lang), exact=True)
        self._wait("jobs page load", "window.__bench.captions().includes(arg)", self.all_text)
        search.focus()
        page.keyboard.type(SEARCH[self.lang])
        got["jobs search"] = self._timed(
            "jobs search",
            lambda: page.keyboard.press("Enter"),
            "window.__bench.captions().includes(arg.text)"
            " && document.querySelectorAll('[class*=\"st-key-start-\"] button').length === arg.n",
            {"text": self.count_text, "n": self.filtered},
        )

        self._focus(page.get_by_role("button", name=self.start_label, exact=True), "focus on Start")
        got["start job"] = self._timed(
            "start job",
            lambda: page.keyboard.press("Enter"),
            "window.__bench.progress() === arg",
            self._question(1),
        )

        self._wait(
            "focus on question 1's field", "window.__bench.fieldFocused(arg)", self.labels[0]
        )
        page.keyboard.type(ANSWER[self.lang])
        start = time.perf_counter()
        page.keyboard.press("Enter")
        self._wait("questions: next", "window.__bench.progress() === arg", self._question(2))
        got["questions: next"] = time.perf_counter() - start
        self._wait(
            "focus on question 2's field", "window.__bench.fieldFocused(arg)", self.labels[1]
        )
        got["… field focused"] = time.perf_counter() - start

        self._focus(
            page.get_by_role("button", name=t("ui.questions.back", self.lang), exact=True),
            "focus on Back",
        )
        got["questions: back"] = self._timed(
            "questions: back",
            lambda: page.keyboard.press("Enter"),
            "window.__bench.progress() === arg",
            self._question(1),
        )
        # The page moves focus to the field once its run is over (components/chrome.py):
        # let it, or it can take focus back from the sidebar link and Enter would submit
        # the question's form instead.
        self._wait(
            "focus on question 1's field after Back",
            "window.__bench.fieldFocused(arg)",
            self.labels[0],
        )
        session_id = (parse_qs(urlparse(page.url).query).get("s") or [""])[0]
        if not session_id.isdigit():
            raise BenchError(f"no ?s=<session id> in the questions page's URL: {page.url}")

        self._focus(
            page.locator('[data-testid="stSidebarNav"] a[href$="/edit"]'), "focus on the link"
        )
        got["edit via sidebar"] = self._timed(
            "edit via sidebar",
            lambda: page.keyboard.press("Enter"),
            EDIT_READY,
            [self.edit_title, self.edit_spec],
        )

        got["edit via goto"] = self._timed(
            "edit via goto",
            lambda: self._open(f"/edit?s={session_id}"),
            EDIT_READY,
            [self.edit_title, self.edit_spec],
        )
        self.done += 1
        return got


def _p90(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def _print_cold(rows: list[tuple[float, float, float]]) -> None:
    print(f"\nCold start ({len(rows)} new servers; seconds from spawning the app)")
    print(f"{'':<14}{'median':>8}{'min':>8}{'max':>8}   each")
    for i, name in enumerate(("healthy", "page loaded", "first page")):
        vals = [r[i] for r in rows]
        each = " ".join(f"{v:.2f}" for v in vals)
        print(
            f"{name:<14}{statistics.median(vals):>8.2f}{min(vals):>8.2f}{max(vals):>8.2f}   {each}"
        )


def _print_steps(samples: Samples) -> None:
    n = max((len(v) for v in samples.runs.values()), default=0)
    print(f"\nPer-step latency (ms, N={n} fresh projects, plus one warm-up shown as 'first')")
    print(f"{'step':<20}{'median':>8}{'p90':>8}{'min':>8}{'max':>8}{'first':>8}")
    for name in STEPS:
        vals = [v * 1000 for v in samples.runs[name]]
        first = samples.first.get(name)
        first_s = f"{first * 1000:>8.0f}" if first is not None else f"{'-':>8}"
        if vals:
            print(
                f"{name:<20}{statistics.median(vals):>8.0f}{_p90(vals):>8.0f}{min(vals):>8.0f}"
                f"{max(vals):>8.0f}{first_s}"
            )
        else:
            print(f"{name:<20}{'-':>8}{'-':>8}{'-':>8}{'-':>8}{first_s}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--lang", choices=["ja", "en"], default="ja")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not Path(CHROMIUM).exists():
        print(
            f"error: {CHROMIUM} is missing (./scripts/test installs Debian's chromium)",
            file=sys.stderr,
        )
        return 1
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        print(
            "error: playwright is missing from this environment (pip; never `playwright install`)",
            file=sys.stderr,
        )
        return 1

    print(
        f"language: {args.lang}, runs: {args.runs}, job: {JOB_ID}, "
        f"search: {SEARCH[args.lang]!r}, models: {model_dir() or 'state dir default'}"
    )
    cold: list[tuple[float, float, float]] = []
    samples = Samples()
    server: Server | None = None
    failed: str | None = None
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            for i in range(COLD_STARTS):
                if server is not None:
                    server.stop()
                state = Path(tmp) / f"state-{i}"
                state.mkdir()
                server = start_server(state, args.lang)
                healthy = wait_healthy(server)
                cold.append((healthy, *first_page(browser, server, args.lang)))
                print(
                    f"cold start {i + 1}: healthy {cold[-1][0]:.2f} s, "
                    f"page loaded {cold[-1][1]:.2f} s, first page {cold[-1][2]:.2f} s"
                )

            assert server is not None
            page = browser.new_context().new_page()
            page.set_default_timeout(STEP_TIMEOUT_MS)
            walk = Walk(page, server, args.lang)
            samples.first = walk.sample()
            for i in range(args.runs):
                for name, seconds in walk.sample().items():
                    samples.runs[name].append(seconds)
                if (i + 1) % 5 == 0 or i + 1 == args.runs:
                    print(f"samples: {i + 1}/{args.runs}")
        except BenchError as error:
            failed = str(error)
        except PlaywrightError as error:
            failed = f"the browser step failed: {error}"
        except KeyboardInterrupt:
            failed = "interrupted"
        finally:
            try:
                browser.close()
            except PlaywrightError:
                pass  # already gone (interrupted): the server below must still be stopped
            if server is not None:
                server.stop()
                if failed and "Last lines" not in failed:
                    failed += f"\nLast lines of the app's log:\n{server.log_tail(20)}"

    if cold:
        _print_cold(cold)
    if samples.first:
        _print_steps(samples)
    if failed:
        print(f"\nerror: {failed}", file=sys.stderr)
        return 1
    med = {name: statistics.median(v) * 1000 for name, v in samples.runs.items()}
    print(
        f"\nsummary ({args.lang}, N={args.runs}): "
        f"healthy {statistics.median(r[0] for r in cold):.2f} s, "
        f"first page {statistics.median(r[2] for r in cold):.2f} s; step medians "
        + ", ".join(f"{name} {ms:.0f} ms" for name, ms in med.items())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
