"""The Routing page and the "faster ↔ better" slider in a real browser, keyboard only.

One app (./scripts/start, Japanese). The person opens 「モデルの選び方」 from the sidebar
with the keyboard, reads the figures' tables (a task done here counts as "used here"),
and axe finds nothing there in the light, high-contrast and dark themes (Settings is
audited in every theme by test_every_page.py). Then they follow the page's link to
Settings, move the slider with the arrow keys, save, and after a reload the slider — and
the Routing page — show their value. The page counts every
pointer event it receives; there must be none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.helpers.browser import (
    MOUSE_GUARD,
    SWITCH_THEME,
    THEMES,
    RunningApp,
    active,
    app_state,
    button,
    chromium,
    dump,
    mouse_events,
    run_axe,
    screenshot,
    start_app,
    tab_to,
    wait_focus,
    wait_idle,
)

pytestmark = pytest.mark.browser
TITLE = "モデルの選び方"
# Streamlit 1.67 draws the slider with react-aria: a visually hidden native range input
# (focusable, labelled, moved by the arrow keys) inside the drawn track.
SLIDER = '[data-testid="stMain"] [data-testid="stSlider"] input[type="range"]'
# Every table of the main area as rows of cell texts (header row first).
TABLES = """() => [...document.querySelectorAll('[data-testid="stMain"] table')].map(
  (table) => [...table.querySelectorAll("tr")].map(
    (row) => [...row.querySelectorAll("th, td")].map((cell) => cell.innerText.trim())))"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(tmp_path_factory.mktemp("routing-state"), lang="ja")
    yield running
    running.stop()


def _record_a_task_done_here(app: RunningApp) -> None:
    """One routed chat task answered by the 0.5B model, recorded as the app records it
    (clusters are written first when the app has not seeded its figures yet)."""
    from support_system.data.db import session_scope
    from support_system.data.repositories import routing as records

    with app_state(app):
        with session_scope() as session:
            if not records.cluster_count(session):
                records.save_centroids(session, [[1.0, 0.0], [0.0, 1.0]])
            records.add_outcomes(
                session,
                [
                    {
                        "skill": "chat",
                        "cluster": 0,
                        "model": "qwen2.5-coder-0.5b",
                        "quality": 1.0,
                        "seconds": 1.5,
                        "source": "live",
                    }
                ],
            )


def _stored_alpha(app: RunningApp) -> float | None:
    from support_system.accounts.preferences import load_preferences
    from support_system.data.db import session_scope
    from support_system.data.repositories import ensure_local_user

    with app_state(app):
        with session_scope() as session:
            user = ensure_local_user(session).id
        return load_preferences(user).routing_alpha


def link(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda el: el.get("tag") == "a" and text in el.get("text", "")


def slider(el: dict[str, Any]) -> bool:
    return el.get("tag") == "input" and el.get("type") == "range"


def open_routing_page(page: Any) -> list[list[list[str]]]:
    """From the top of any page: Tab to the sidebar's link, Enter, wait for the tables."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    tab_to(page, link(TITLE), limit=60, what=f"the {TITLE!r} link")
    page.keyboard.press("Enter")
    wait_idle(page)
    page.locator('[data-testid="stMain"] h1', has_text=TITLE).first.wait_for(timeout=30_000)
    page.locator('[data-testid="stMain"] table').first.wait_for()
    wait_idle(page)
    return page.evaluate(TABLES)


def audit(page: Any, name: str, failures: dict[str, Any]) -> None:
    for theme in THEMES:
        page.evaluate(SWITCH_THEME, theme)
        page.wait_for_timeout(300)
        result = run_axe(page)
        if theme != "dark":
            screenshot(page, f"routing-{name}-{theme}")
        if result["violations"]:
            failures[f"{name} ({theme})"] = result["violations"]
    page.evaluate(SWITCH_THEME, "light")


def _weight(tables: list[list[list[str]]], row: str) -> str:
    weights = tables[0]
    return next(cells[1] for cells in weights if cells[0] == row)


def test_routing_page_and_slider_by_keyboard(app: RunningApp) -> None:
    _record_a_task_done_here(app)
    failures: dict[str, Any] = {}
    with chromium() as context:
        context.add_init_script(MOUSE_GUARD)
        page = context.new_page()
        page.goto(app.url)
        wait_idle(page)

        # The Routing page: the weights, then each model's figures per kind of task.
        tables = open_routing_page(page)
        assert len(tables) >= 3, dump(tables)
        assert _weight(tables, "あなたの設定") == "未設定（既定値を使います）", dump(tables[0])
        default = _weight(tables, "このアプリの既定値")
        assert _weight(tables, "あなたに使われる値") == default
        header, *rows = tables[1]
        assert header[:3] == ["作業の種類", "モデル", "結果の数"], header
        assert header[-1] == "ここで使った回数", header
        chat = [cells for cells in rows if cells[:2] == ["会話", "0.5B"]]
        assert chat and int(chat[0][-1]) >= 1, dump(tables[1])  # the task done here
        assert {cells[1] for cells in rows} <= {"0.5B", "1.5B"}
        el = wait_focus(page, lambda e: e.get("tag") == "h1")
        assert el.get("text") == TITLE, el  # focus moved to the page's heading
        audit(page, "page", failures)

        # Settings, through the page's own link: the slider shows the default.
        tab_to(page, link("設定ページで変える"), limit=20, what="the link to Settings")
        page.keyboard.press("Enter")
        wait_idle(page)
        page.locator(SLIDER).wait_for(state="attached", timeout=30_000)
        wait_idle(page)
        tab_to(page, slider, limit=60, what="the 速さ ↔ 正確さ slider")
        el = active(page)
        assert el.get("label") == "速さ ↔ 正確さ" and float(el["value"]) == float(default), el
        # Settings itself is audited in every theme by test_every_page.py.
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        moved = round(float(default) + 0.2, 1)
        page.wait_for_function(f"Number(document.querySelector('{SLIDER}').value) === {moved}")
        tab_to(page, button("設定を保存"), limit=20, what="the save button")
        page.keyboard.press("Enter")
        wait_idle(page)
        page.locator('[data-testid="stAlertContentSuccess"]').wait_for()
        assert _stored_alpha(app) == moved

        # Kept after a reload, on Settings and on the Routing page.
        page.reload()
        wait_idle(page)
        page.locator(SLIDER).wait_for(state="attached", timeout=30_000)
        assert float(page.locator(SLIDER).input_value()) == moved
        screenshot(page, "routing-settings-after-reload")
        tables = open_routing_page(page)
        assert _weight(tables, "あなたの設定") == f"{moved:.1f}", dump(tables[0])
        assert _weight(tables, "あなたに使われる値") == f"{moved:.1f}"
        assert mouse_events(page) == 0, "the page received pointer events"

    summary = [
        f"{name}: {v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes']][:3]}"
        for name, found in failures.items()
        for v in found
    ]
    assert not failures, "axe violations:\n{}\n\ndetails:\n{}".format(
        "\n".join(summary), dump(failures)
    )
