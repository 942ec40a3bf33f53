"""Accounts mode in a real browser, keyboard only: create the first account, make an FAQ
page with the wizard up to its preview, visit the Dashboard, Admin and Audit pages
(axe-core finds no violations on them, nor on the sign-in page), download the audit log,
sign out, see a wrong password announced, and sign in again.

One app (./scripts/start with `auth.mode: accounts`) serves the whole module. The
signed-in person lives in the tab's session, so the test never reloads or types a URL
after signing in: it moves between pages with the sidebar's links, by keyboard, as a
person would. The page counts every pointer event it receives; there must be none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.browser import (
    MOUSE_GUARD,
    RunningApp,
    active,
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
from tests.helpers.keyboard_wizard import TEXT, expect_question, submit

pytestmark = pytest.mark.browser
LANG = "ja"
PASSWORD = "correct horse battery"
FAQ = [
    "ひまわりベーカリー よくある質問",
    "予約はできますか？, はい、お電話で前日までにご予約いただけます。\n"
    "駐車場はありますか？, 店舗の裏に 3 台分あります。",
    "お電話（06-1234-5678）でどうぞ",
    None,  # the design: keep the pre-selected one
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SUPPORT_SYSTEM_AUTH__MODE", "accounts")
        running = start_app(tmp_path_factory.mktemp("accounts-state"), lang=LANG)
    yield running
    running.stop()


def labelled(text: str) -> Callable[[dict[str, Any]], bool]:
    """A field whose label is exactly `text` (the sign-in and registration labels overlap)."""
    return lambda el: el.get("tag") in ("input", "textarea") and el.get("label") == text


def link(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda el: el.get("tag") == "a" and text in el.get("text", "")


def back_to(page: Any, matches: Callable[[dict[str, Any]], bool], *, what: str) -> None:
    """Shift+Tab until `matches` (the sidebar comes before the page in the tab order)."""
    for _ in range(120):
        if matches(active(page)):
            return
        page.keyboard.press("Shift+Tab")
        page.wait_for_timeout(40)
    pytest.fail(f"{what} not reachable with Shift+Tab; focus is on {active(page)}")


def open_page(page: Any, title: str) -> None:
    """Follow the sidebar link `title` with the keyboard and wait for its heading."""
    back_to(page, link(title), what=f"the {title!r} link")
    page.keyboard.press("Enter")
    wait_idle(page)
    page.locator('[data-testid="stMain"] h1', has_text=title).first.wait_for(timeout=30_000)
    wait_idle(page)


def no_axe_violations(page: Any, name: str, failures: dict[str, Any]) -> None:
    page.wait_for_timeout(300)
    result = run_axe(page)
    screenshot(page, f"accounts-{name}")
    if result["violations"]:
        failures[name] = result["violations"]


def test_keyboard_only_account_wizard_dashboard_admin_audit_and_sign_out(app: RunningApp) -> None:
    failures: dict[str, Any] = {}
    with chromium(accept_downloads=True) as context:
        context.add_init_script(MOUSE_GUARD)
        page = context.new_page()
        page.goto(app.url)
        wait_idle(page)
        page.get_by_role("heading", name="サインイン", exact=True).first.wait_for()
        # The only page: focus is already on the user-name field.
        el = wait_focus(page, labelled("ユーザー名"))
        assert el.get("label") == "ユーザー名", el
        no_axe_violations(page, "signin", failures)

        # The first account (it becomes the admin), created with the keyboard.
        tab_to(page, labelled("新しいユーザー名"), what="the new user name")
        page.keyboard.type("aiko")
        tab_to(page, labelled("新しいパスワード"), limit=4, what="the new password")
        page.keyboard.type(PASSWORD)
        # (the show-password toggle beside each password field takes a Tab stop too)
        tab_to(page, labelled("新しいパスワード（確認のためもう一度）"), limit=4, what="again")
        page.keyboard.type(PASSWORD)
        tab_to(page, button("アカウントを作ってサインイン"), limit=4, what="Create the account")
        page.keyboard.press("Enter")
        wait_idle(page)
        page.get_by_text("aiko としてサインイン中").wait_for(timeout=30_000)

        # Home → the FAQ job → its questions, as in test_wizard_keyboard.
        tab_to(page, labelled(TEXT[LANG]["want"]), what="the 'what do you want' field")
        page.keyboard.type("よくある質問のページを作りたい")
        page.keyboard.press("Enter")
        wait_idle(page)
        el = wait_focus(page, button("よくある質問のページ"))
        assert "よくある質問のページ" in el.get("text", ""), el
        page.keyboard.press("Enter")
        wait_idle(page)
        for step, answer in enumerate(FAQ, start=1):
            expect_question(page, LANG, step, len(FAQ))
            el = wait_focus(page, lambda e: e.get("tag") in ("input", "textarea"))
            assert el.get("tag") in ("input", "textarea"), f"question {step}: {el}"
            if answer is not None:
                page.keyboard.type(answer)
            submit(page, LANG)
        el = wait_focus(page, button(TEXT[LANG]["make"]))
        assert TEXT[LANG]["make"] in el.get("text", ""), el
        page.keyboard.press("Enter")
        page.get_by_text(TEXT[LANG]["result"]).wait_for(timeout=300_000)
        wait_idle(page)
        screenshot(page, "accounts-preview")

        # The Dashboard lists the run just made.
        open_page(page, "ダッシュボード")
        main = page.locator('[data-testid="stMain"]')
        main.locator("table").first.wait_for()
        assert "よくある質問のページ" in main.inner_text()
        no_axe_violations(page, "dashboard", failures)

        open_page(page, "管理")
        assert "aiko" in page.locator('[data-testid="stMain"] table').first.inner_text()
        no_axe_violations(page, "admin", failures)

        open_page(page, "監査ログ")
        no_axe_violations(page, "audit", failures)
        tab_to(page, button("CSV ファイルでダウンロード"), limit=80, what="the CSV download")
        with page.expect_download(timeout=30_000) as download:
            page.keyboard.press("Enter")
        data = Path(download.value.path()).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf"), data[:20]  # a BOM, for Excel
        lines = data.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("id,created_at,event,ok,actor_id,actor")
        assert any(",register," in line and ",aiko," in line for line in lines)
        assert any(",login," in line for line in lines)
        wait_idle(page)

        # Sign out; a wrong password is announced (focus moves to the message).
        back_to(page, button("サインアウト"), what="Sign out")
        page.keyboard.press("Enter")
        wait_idle(page)
        page.get_by_role("heading", name="サインイン", exact=True).first.wait_for()
        assert page.get_by_text("aiko としてサインイン中").count() == 0
        el = wait_focus(page, labelled("ユーザー名"))
        page.keyboard.type("aiko")
        page.keyboard.press("Tab")
        page.keyboard.type("not the password")
        page.keyboard.press("Enter")
        wait_idle(page)
        el = wait_focus(page, lambda e: "ユーザー名またはパスワードが違います" in e.get("text", ""))
        assert "ユーザー名またはパスワードが違います" in el.get("text", ""), el

        # And back in with the right one.
        back_to(page, labelled("パスワード"), what="the password field")
        page.keyboard.press("Control+A")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        wait_idle(page)
        page.get_by_text("aiko としてサインイン中").wait_for(timeout=30_000)
        assert mouse_events(page) == 0, "the page received pointer events"

    summary = [
        f"{name}: {v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes']][:3]}"
        for name, found in failures.items()
        for v in found
    ]
    assert not failures, "axe violations:\n{}\n\ndetails:\n{}".format(
        "\n".join(summary), dump(failures)
    )
