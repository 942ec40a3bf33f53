"""Accounts mode headless (AppTest): sign-in first, registration, sign-out, who sees the
Admin and Audit pages, isolation of ids in the URL, the Dashboard and the audit export.

Real script, real services, real SQLite and argon2 in a per-test state dir; nothing is
mocked and no model is called. Each `open_app` is a new browser tab, so each starts
signed out, as a reload does.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from streamlit.runtime.memory_media_file_storage import _calculate_file_id
from streamlit.testing.v1 import AppTest

from support_system.accounts import audit, signin
from support_system.accounts.errors import LoginFailed
from support_system.agents.auto import records
from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.data import repositories as repo
from support_system.data.db import session_scope
from support_system.data.schema import ExecutionStatus, Role, utcnow
from support_system.jobs import wizard
from tests.helpers.apptest import (
    click,
    errors,
    go,
    open_app,
    progress,
    rerun,
    shown_text,
    title,
)
from tests.helpers.wizard import shop_session

PASSWORD = "correct horse battery"
LANGS = ["ja", "en"]
# The wrong-password message, written out: a missing translation must show up here.
LOGIN_FAILED = {
    "ja": "ユーザー名またはパスワードが違います。両方を確かめて、もう一度お試しください。",
    "en": "The user name or password is wrong. Check both and try again.",
}


@pytest.fixture
def accounts(db, monkeypatch: pytest.MonkeyPatch):
    """Accounts mode on a fresh state dir (no slow-down: these tests count, not wait)."""
    import streamlit as st

    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__MODE", "accounts")
    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__SLOW_DOWN_AFTER", "99")
    monkeypatch.setenv("SUPPORT_SYSTEM_SITES_PORT", "0")
    get_settings.cache_clear()
    st.cache_resource.clear()
    yield get_settings()
    st.cache_resource.clear()
    get_settings.cache_clear()


def pages(app: AppTest) -> set[str]:
    """The pages the navigation offers in this tab (file stems of ui/views)."""
    return {
        Path(info["script_path"]).stem
        for info in app._registered_pages.values()  # noqa: SLF001 - AppTest's own registry
        if info.get("script_path")
    }


def sign_in(app: AppTest, name: str, password: str, lang: str = "en") -> AppTest:
    app.text_input(key="signin-name").input(name)
    app.text_input(key="signin-password").input(password)
    return click(app, t("ui.signin.submit", lang))


def signed_in_tab(name: str, lang: str = "en", **kwargs) -> AppTest:  # noqa: ANN003
    app = open_app(lang, **kwargs)
    sign_in(app, name, PASSWORD, lang)
    assert not errors(app), errors(app)
    assert "signin" not in pages(app)
    return app


def register(name: str) -> signin.UserInfo:
    return signin.register(name, PASSWORD)


@pytest.mark.parametrize("lang", LANGS)
def test_only_the_sign_in_page_exists_until_someone_signs_in(accounts, lang) -> None:
    register("aiko")
    app = open_app(lang)
    assert title(app) == t("ui.signin.title", lang)
    assert pages(app) == {"signin"}  # nothing else can be opened, whatever the URL
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("views/home.py")
    assert not app.sidebar.button  # no sign-out before signing in
    labels = [w.label for w in app.text_input]
    assert t("ui.signin.username", lang) in labels and t("ui.signin.password", lang) in labels


@pytest.mark.parametrize("lang", LANGS)
def test_a_wrong_password_shows_the_translated_error_and_nobody_is_signed_in(
    accounts, lang
) -> None:
    register("aiko")
    app = open_app(lang)
    sign_in(app, "aiko", "not the password", lang)
    assert errors(app) == [LOGIN_FAILED[lang]] == [LoginFailed().message(lang)]
    assert title(app) == t("ui.signin.title", lang) and pages(app) == {"signin"}
    sign_in(app, "nobody", PASSWORD, lang)  # an unknown name: the very same message
    assert errors(app) == [LOGIN_FAILED[lang]]
    failed = audit.events(event="login_failed")
    assert [e.actor for e in failed] == ["nobody", "aiko"]


@pytest.mark.parametrize("lang", LANGS)
def test_a_locked_account_says_for_how_many_minutes(accounts, monkeypatch, lang) -> None:
    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__LOCK_AFTER", "2")
    get_settings.cache_clear()
    register("aiko")
    app = open_app(lang)
    sign_in(app, "aiko", "guess number one", lang)
    sign_in(app, "aiko", "guess number two", lang)
    locked = t("errors.account_locked", lang, minutes=15)
    assert errors(app) == [locked] and "15" in locked
    sign_in(app, "aiko", PASSWORD, lang)  # even the right password waits
    assert errors(app) == [locked] and pages(app) == {"signin"}


def test_register_sign_in_and_sign_out(accounts) -> None:
    lang = "en"
    app = open_app(lang)
    assert t("ui.signin.first_admin", lang) in shown_text(app)
    app.text_input(key="register-name").input("Aiko")
    app.text_input(key="register-display").input("Aiko Tanaka")
    app.text_input(key="register-password").input(PASSWORD)
    app.text_input(key="register-again").input("correct horse batteryX")
    click(app, t("ui.signin.register_submit", lang))
    assert errors(app) == [t("ui.signin.password_mismatch", lang)]
    assert signin.list_users() == []  # nothing was created

    app.text_input(key="register-again").input(PASSWORD)
    click(app, t("ui.signin.register_submit", lang))
    assert not errors(app), errors(app)
    assert "home" in pages(app) and "signin" not in pages(app)
    assert [c.value for c in app.sidebar.caption] == [
        t("ui.signin.signed_in_as", lang, name="aiko")
    ]
    [me] = signin.list_users()
    assert (me.username, me.display_name, me.role.value) == ("aiko", "Aiko Tanaka", "admin")

    app.sidebar.button(key="sign-out").click()
    rerun(app)
    assert title(app) == t("ui.signin.title", lang) and pages(app) == {"signin"}
    assert "principal" not in app.session_state

    sign_in(app, "AIKO", PASSWORD)  # user names are not case-sensitive
    assert "home" in pages(app)
    assert [e.event for e in reversed(audit.events())] == ["register", "login", "logout", "login"]


def test_a_user_never_gets_admin_or_audit_but_an_admin_does(accounts) -> None:
    register("aiko")  # the first account: admin
    ben_info = register("ben")
    ben = signed_in_tab("ben")
    assert {"home", "dashboard", "settings"} <= pages(ben)
    assert not {"admin", "audit"} & pages(ben)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        ben.switch_page("views/admin.py")

    aiko = signed_in_tab("aiko")
    assert {"admin", "audit", "dashboard"} <= pages(aiko)
    go(aiko, "admin")
    assert title(aiko) == t("ui.admin.title", "en")
    # Making ben an admin takes effect in his open tab at his next click.
    aiko.selectbox(key="admin-user").set_value(ben_info.id)
    rerun(aiko)
    aiko.radio(key=f"admin-role-{ben_info.id}").set_value(Role.ADMIN)
    click(aiko, t("ui.admin.role_save", "en"))
    assert [s.value for s in aiko.success] == [
        t("ui.admin.role_saved", "en", name="ben", role=t("ui.admin.roles.admin", "en"))
    ]
    assert not errors(aiko), errors(aiko)
    rerun(ben)
    assert {"admin", "audit"} <= pages(ben)


def test_admin_turns_off_a_user_resets_a_password_and_invites(accounts, monkeypatch) -> None:
    lang = "ja"
    register("aiko")
    ben_info = register("ben")
    ben = signed_in_tab("ben", lang)
    aiko = signed_in_tab("aiko", lang)
    go(aiko, "admin")
    aiko.selectbox(key="admin-user").set_value(ben_info.id)
    rerun(aiko)
    click(aiko, t("ui.admin.disable", lang, name="ben"))
    assert [s.value for s in aiko.success] == [t("ui.admin.disabled", lang, name="ben")]
    assert signin.get_user_info(ben_info.id).disabled
    rerun(ben)  # his open tab is signed out at once
    assert pages(ben) == {"signin"}
    assert t("errors.token_invalid", lang) in [i.value for i in ben.info]

    aiko.text_input(key=f"admin-password-{ben_info.id}").input("short")
    click(aiko, t("ui.admin.password_save", lang))
    assert errors(aiko) == [t("errors.password_too_weak", lang)]
    click(aiko, t("ui.admin.enable", lang, name="ben"))
    aiko.text_input(key=f"admin-password-{ben_info.id}").input("a brand new secret")
    click(aiko, t("ui.admin.password_save", lang))
    assert not errors(aiko)
    assert signin.login("ben", "a brand new secret").username == "ben"

    # The last admin cannot stop being one: refused, with the translated reason.
    aiko_id = signin.list_users()[0].id
    aiko.selectbox(key="admin-user").set_value(aiko_id)
    rerun(aiko)
    aiko.radio(key=f"admin-role-{aiko_id}").set_value(Role.USER)
    click(aiko, t("ui.admin.role_save", lang))
    assert errors(aiko) == [t("errors.permission_denied", lang)]

    monkeypatch.setenv("SUPPORT_SYSTEM_AUTH__OPEN_REGISTRATION", "false")
    get_settings.cache_clear()
    click(aiko, t("ui.admin.invite_create", lang))
    [code] = [c.value for c in aiko.code]
    newcomer = open_app(lang)
    newcomer.text_input(key="register-name").input("carla")
    newcomer.text_input(key="register-password").input(PASSWORD)
    newcomer.text_input(key="register-again").input(PASSWORD)
    click(newcomer, t("ui.signin.register_submit", lang))
    assert errors(newcomer) == [t("errors.registration_closed", lang)]
    newcomer.text_input(key="register-code").input(code)
    click(newcomer, t("ui.signin.register_submit", lang))
    assert not errors(newcomer) and "home" in pages(newcomer)


@pytest.mark.parametrize("page", ["questions", "edit", "preview", "publish"])
def test_another_persons_wizard_session_in_the_url_is_like_a_missing_one(accounts, page) -> None:
    lang = "en"
    register("aiko")
    a = register("ann")
    register("ben")
    session_id = shop_session(a.id, lang, answered=2)
    before = wizard.resume(session_id).answers

    ben = signed_in_tab("ben", lang, session_id=session_id)
    go(ben, page)
    assert t("ui.no_session", lang) in [i.value for i in ben.info]
    assert ben.session_state["wizard_id"] is None and not ben.get("progress")
    assert wizard.resume(session_id).answers == before

    ann = signed_in_tab("ann", lang, session_id=session_id)  # the owner, same URL
    go(ann, "questions")
    assert t("ui.no_session", lang) not in [i.value for i in ann.info]
    assert progress(ann) == t("ui.questions.progress", lang, step=3, total=8)


def test_another_persons_auto_run_in_the_url_is_not_opened_or_listed(accounts) -> None:
    register("aiko")
    a = register("ann")
    register("ben")
    run_id = records.start("a page for my bakery", user_id=a.id)
    ben = signed_in_tab("ben")
    ben.query_params["run"] = str(run_id)
    go(ben, "auto")
    assert t("ui.auto.run_heading", "en", run=run_id) not in shown_text(ben)
    assert t("ui.auto.recent_empty", "en") in shown_text(ben)


def _execution(user_id: int, goal: str, status: ExecutionStatus, **kwargs) -> int:  # noqa: ANN003
    with session_scope() as session:
        run_id = repo.start_execution(session, kind="auto", goal=goal, user_id=user_id).id
    with session_scope() as session:
        repo.finish_execution(session, run_id, status=status, **kwargs)
    return run_id


def test_the_dashboard_lists_only_the_persons_own_runs(accounts) -> None:
    lang = "en"
    aiko = register("aiko")
    ann = register("ann")
    ben = register("ben")
    _execution(ann.id, "ann's bakery page", ExecutionStatus.COMPLETED, result={"model": "m-ann"})
    _execution(ben.id, "ben's letters", ExecutionStatus.FAILED, error="checks")
    _execution(aiko.id, "aiko's chart", ExecutionStatus.COMPLETED)
    with session_scope() as session:
        repo.record_usage(session, user_id=ann.id, model="m-ann", provider="x", tokens_in=42)
        repo.record_usage(session, user_id=ben.id, model="m-ben", provider="x", tokens_in=7)

    app = signed_in_tab("ann", lang)
    go(app, "dashboard")
    assert title(app) == t("ui.dashboard.title", lang)
    text = "\n".join(tbl.value.to_csv() for tbl in app.table)
    assert "ann's bakery page" in text and "m-ann" in text
    assert "ben's letters" not in text and "aiko's chart" not in text and "m-ben" not in text
    assert t("ui.dashboard.columns.user", lang) not in text  # no user column for a user
    assert [m.value for m in app.metric][:2] == ["1", "0.0 %"]

    admin = signed_in_tab("aiko", lang)
    go(admin, "dashboard")
    text = "\n".join(tbl.value.to_csv() for tbl in admin.table)
    for goal in ("ann's bakery page", "ben's letters", "aiko's chart"):
        assert goal in text
    assert "m-ben" in text and t("ui.dashboard.outcomes.failed", lang) in text


def test_the_audit_page_filters_and_exports_csv_with_a_bom(accounts) -> None:
    lang = "ja"
    register("aiko")
    register("ben")
    with pytest.raises(LoginFailed):
        signin.login("ben", "wrong password!!")
    app = signed_in_tab("aiko", lang)
    go(app, "audit")
    assert title(app) == t("ui.audit.title", lang)
    rows = audit.events(limit=1000)
    assert t("ui.audit.count", lang, count=len(rows)) in shown_text(app)

    [button] = app.get("download_button")
    data = ("\ufeff" + audit.to_csv(rows)).encode("utf-8")
    expected_name = _calculate_file_id(data, "text/csv", f"audit-{utcnow().date()}.csv")
    assert button.proto.url.endswith(f"/{expected_name}.csv")  # exactly these bytes
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][:4] == ["id", "created_at", "event", "ok"]
    events = [(row[2], row[5]) for row in table[1:]]
    assert ("login_failed", "ben") in events and ("register", "aiko") in events
    assert ("login", "aiko") in events

    app.selectbox(key="audit-event").set_value("login_failed")
    click(app, t("ui.audit.apply", lang))
    assert t("ui.audit.count", lang, count=1) in shown_text(app)
    [shown] = app.table
    assert t("ui.audit.events.login_failed", lang) in shown.value.to_csv()

    app.get("download_button")[0].click()
    rerun(app)
    [export] = audit.events(event="export")
    assert (export.actor, export.target, export.detail["rows"]) == ("aiko", "audit", 1)


def test_local_mode_has_no_sign_in_and_the_dashboard_shows_the_local_users_runs(user_id) -> None:
    lang = "ja"
    assert get_settings().auth.mode == "local"
    _execution(user_id, "a local run", ExecutionStatus.COMPLETED, result={"models": ["m-local"]})
    app = open_app(lang)
    assert title(app) != t("ui.signin.title", lang)
    assert "signin" not in pages(app) and not {"admin", "audit"} & pages(app)
    assert not app.sidebar.button  # nobody to sign out
    go(app, "dashboard")
    assert title(app) == t("ui.dashboard.title", lang)
    text = app.table[0].value.to_csv()
    assert "a local run" in text and "m-local" in text
    assert t("ui.dashboard.columns.user", lang) not in text  # one person: no user column
    assert t("ui.dashboard.outcomes.ok", lang) in text


def test_the_knowledge_page_shows_a_user_only_shared_and_their_own_documents(
    accounts, tmp_path: Path
) -> None:
    """Real ingestion (e5 + Chroma): B sees the shared document and not A's project notes,
    and cannot remove the shared one; the admin sees and may remove everything."""
    from support_system.rag import GLOBAL_SCOPE, project_scope
    from support_system.rag.context import shared_knowledge_base

    lang = "en"
    admin = register("aiko")
    ann = register("ann")
    register("ben")
    with session_scope() as session:
        project = repo.create_project_row(session, ann.id, "Ann's shop")
        project_id = project.id
    shared, private = tmp_path / "shared.txt", tmp_path / "ann-notes.txt"
    shared.write_text("Everyone may read the opening hours: nine to five.", encoding="utf-8")
    private.write_text("Ann's supplier pays on the 25th of each month.", encoding="utf-8")
    kb = shared_knowledge_base()
    kb.add([shared], scope=GLOBAL_SCOPE)
    kb.add([private], scope=project_scope(project_id))

    def titles_and_removals(name: str) -> tuple[str, list[str]]:
        app = signed_in_tab(name, lang)
        go(app, "knowledge")
        assert not errors(app), errors(app)
        removals = [b.label for b in app.button if b.key and b.key.startswith("kb-del-")]
        return shown_text(app), removals

    ben_text, ben_removals = titles_and_removals("ben")
    assert "shared" in ben_text and "ann-notes" not in ben_text
    assert ben_removals == []  # the shared document is the admins' to change
    assert t("ui.knowledge.needs_project", lang) in ben_text

    ann_text, ann_removals = titles_and_removals("ann")
    assert "shared" in ann_text and "ann-notes" in ann_text
    assert len(ann_removals) == 1 and "ann-notes" in ann_removals[0]

    admin_text, admin_removals = titles_and_removals(admin.username)
    assert "ann-notes" in admin_text and len(admin_removals) == 2
