"""axe-core finds no violations on any page of the app, in the light, high-contrast and dark themes.

axe comes from the npm package (node_modules/axe-core, installed by the scripts) and is
injected into each page after Streamlit finished drawing it. Every rule axe knows is
run (WCAG 2.0/2.1 A and AA and best practices); the rule ids are printed to the log
(also on success) and written to `axe-rules-<theme>.txt` beside the screenshots.
Screenshots of every page in both themes are written for review
(SUPPORT_SYSTEM_SCREENSHOTS, default .state-test/screenshots).

The generated page inside Preview is a `data:` URL in an opaque-origin frame; axe does
not descend into it (it cannot, by design), and the generators audit those pages on
their own (tests/integration/generators).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.browser import (
    SCREENSHOTS,
    RunningApp,
    chromium,
    dump,
    run_axe,
    screenshot,
    seed_project,
    set_preferences,
    start_app,
    wait_idle,
)

pytestmark = pytest.mark.browser
PAGES = [
    "home",
    "jobs",
    "questions",
    "edit",
    "preview",
    "publish",
    "projects",
    "ask_data",
    "auto",
    "chat",
    "agents",
    "knowledge",
    "dashboard",
    "settings",
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(tmp_path_factory.mktemp("a11y-state"), lang="en")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def sessions(app: RunningApp) -> dict[str, int]:
    """A wizard on its file question (for Questions) and a made page (Edit/Preview/Publish)."""
    return {
        "questions": seed_project(app, "csv-summary", "en", make=False, answered=0),
        "made": seed_project(app, "shop-page", "en"),
    }


def _url(app: RunningApp, page: str, sessions: dict[str, int]) -> str:
    if page == "home":
        return app.url
    if page == "questions":
        return f"{app.url}/questions?s={sessions['questions']}"
    if page in ("edit", "preview", "publish"):
        return f"{app.url}/{page}?s={sessions['made']}"
    return f"{app.url}/{page}"


THEMES = ["light", "high-contrast", "dark"]
SWITCH_THEME = "(theme) => { document.documentElement.dataset.ssTheme = theme; }"


def test_every_page_has_no_axe_violations_in_every_theme(
    app: RunningApp, sessions: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    """Each page is drawn once and checked in the three themes. A theme is nothing but
    theme.css rules hung on `<html data-ss-theme>` (ui/components/chrome.py), so the
    page's attribute is switched the way the app's script sets it, instead of loading
    every page three times; that the preference sets the attribute is checked first."""
    set_preferences(app, theme="dark", language="en")
    failures: dict[str, list] = {}
    checked: dict[str, set[str]] = {theme: set() for theme in THEMES}
    with chromium() as context:
        page = context.new_page()
        page.goto(app.url)
        wait_idle(page)
        page.wait_for_function("document.documentElement.dataset.ssTheme === 'dark'")
        set_preferences(app, theme="light", language="en")
        for name in PAGES:
            page.goto(_url(app, name, sessions))
            wait_idle(page)
            page.wait_for_function("document.documentElement.dataset.ssTheme === 'light'")
            for theme in THEMES:
                page.evaluate(SWITCH_THEME, theme)
                page.wait_for_timeout(300)
                result = run_axe(page)
                checked[theme].update(result["rules"])
                screenshot(page, f"page-{name}-{theme}")
                if result["violations"]:
                    failures[f"{name} ({theme})"] = result["violations"]
    for theme, rules_seen in checked.items():
        rules = f"axe rules checked in the {theme} theme ({len(rules_seen)}): "
        rules += " ".join(sorted(rules_seen))
        with capsys.disabled():  # shown in every run's log, not only when the test fails
            print(f"\n{rules}")
        (SCREENSHOTS / f"axe-rules-{theme}.txt").write_text(rules + "\n", encoding="utf-8")
    summary = [
        f"{page}: {v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes']][:3]}"
        for page, found in failures.items()
        for v in found
    ]
    assert not failures, "axe violations:\n{}\n\ndetails:\n{}".format(
        "\n".join(summary), dump(failures)
    )


def test_text_size_setting_scales_the_whole_page(app: RunningApp) -> None:
    """150 % makes text, fields and buttons 1.5 times as large, not just paragraphs."""
    sizes = {}
    for scale in (100, 150):
        set_preferences(app, theme="light", font_scale=scale)
        with chromium() as context:
            page = context.new_page()
            page.goto(f"{app.url}/jobs")
            wait_idle(page)
            page.wait_for_selector('[data-testid="stMain"] h1')
            page.wait_for_selector('[data-testid="stMain"] input')
            sizes[scale] = page.evaluate("""() => {
              const px = (sel) =>
                parseFloat(getComputedStyle(document.querySelector(sel)).fontSize);
              const main = document.querySelector('[data-testid="stMain"]');
              return {h1: px('[data-testid="stMain"] h1'), p: px('[data-testid="stMain"] p'),
                      input: px('[data-testid="stMain"] input'),
                      button: px('[data-testid="stMain"] button'),
                      nav: px('[data-testid="stSidebarNavLink"] span')};
            }""")
    set_preferences(app, font_scale=100)
    for part, size in sizes[100].items():
        assert sizes[150][part] == pytest.approx(size * 1.5, rel=0.05), (part, sizes)


@pytest.mark.parametrize(
    ("lang", "skip_text"), [("ja", "本文へスキップ"), ("en", "Skip to main content")]
)
def test_first_tab_is_a_translated_skip_link_and_page_lang_follows_the_language(
    app: RunningApp, lang: str, skip_text: str
) -> None:
    from tests.helpers.browser import active

    set_preferences(app, language=lang, theme="light")
    with chromium() as context:
        page = context.new_page()
        page.goto(f"{app.url}/jobs")
        wait_idle(page)
        page.wait_for_function(f"document.documentElement.lang === '{lang}'")
        page.wait_for_function(
            "(document.querySelector('[data-testid=stSkipToContent]') || {}).textContent"
            f" === '{skip_text}'"
        )
        page.keyboard.press("Tab")
        first = active(page)
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        after_skip = page.evaluate(
            "document.querySelector('[data-testid=stMain]').contains(document.activeElement)"
        )
    assert first.get("tag") == "a" and first.get("text") == skip_text, first
    assert after_skip, "Tab after the skip link should land inside the main content"
