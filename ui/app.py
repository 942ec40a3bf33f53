"""Streamlit entry point: page navigation, language and the shared page chrome.

Pages stay thin: they read and write `st.session_state` and call services from the
`support_system` package; nothing here decides anything a test would need to check.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `components` for the pages

from components.chrome import apply_chrome  # noqa: E402
from components.services import housekeeping  # noqa: E402
from components.session import (  # noqa: E402
    accounts_mode,
    check_signed_in_user,
    preferences,
    principal,
    sign_out,
    user_id,
)

from support_system.accounts.preferences import apply_to_settings, update_preferences  # noqa: E402
from support_system.core.i18n import t  # noqa: E402
from support_system.core.languages import LANGUAGE_NAMES, LANGUAGES  # noqa: E402
from support_system.core.settings import get_settings  # noqa: E402

VIEWS = Path(__file__).parent / "views"


def _language() -> str:
    if "lang" not in st.session_state:
        st.session_state.lang = preferences().language or get_settings().language
    return st.session_state.lang


def _switch_language() -> None:
    """Keep the person's place: only the language changes; the page and URL stay."""
    lang = st.session_state._lang_choice
    st.session_state.lang = lang
    if principal() is not None:  # before sign-in the choice is kept for this tab only
        st.session_state.prefs = update_preferences(user_id(), language=lang)


def main() -> None:
    housekeeping()
    accounts = accounts_mode()
    check_signed_in_user()
    who = principal()
    prefs = preferences()
    if who is not None and (not accounts or who.is_admin):
        # The Ollama host is one setting for the whole process: with accounts, only an
        # admin's preference may change it (a user could otherwise redirect everyone's).
        apply_to_settings(prefs)
    lang = _language()
    st.set_page_config(page_title=t("app.title", lang), page_icon="🛠️", layout="centered")
    apply_chrome(lang, prefs.theme, prefs.font_scale)
    with st.sidebar:
        st.session_state._lang_choice = lang
        st.selectbox(
            t("app.language_label", lang),
            LANGUAGES,
            key="_lang_choice",
            format_func=lambda code: LANGUAGE_NAMES[code],
            on_change=_switch_language,
            placeholder=t("streamlit.select.placeholder", lang),
        )
        if accounts and who is not None:
            st.caption(t("ui.signin.signed_in_as", lang, name=who.username))
            st.button(t("ui.signin.sign_out", lang), key="sign-out", on_click=sign_out)

    def page(name: str, icon: str, **kwargs: object) -> st.Page:
        if not kwargs.get("default"):
            kwargs["url_path"] = name
        return st.Page(
            str(VIEWS / f"{name}.py"), title=t(f"ui.nav.{name}", lang), icon=icon, **kwargs
        )

    if accounts and who is None:
        # Signed out: the sign-in page is the only page there is (any URL shows it).
        pages = [page("signin", "🔑", default=True)]
    else:
        pages = _pages(page, admin=accounts and who is not None and who.is_admin)
    # Expanded: with more than twelve pages Streamlit would hide some behind an untranslated
    # "View N more" button, one more step for keyboard and screen-reader users.
    current = st.navigation(pages, expanded=True)
    # Pages that put focus somewhere on arrival (not on every rerun) read `_arrived`.
    st.session_state._arrived = st.session_state.get("_page") != current.url_path
    st.session_state._page = current.url_path
    current.run()


def _pages(page, *, admin: bool) -> list[st.Page]:  # noqa: ANN001 - main()'s page factory
    """The app's pages; Admin and Audit only for admins in accounts mode."""
    # One flat list: Streamlit's sectioned navigation puts section titles inside the
    # <ul> as non-<li> children, which axe reports (list, listitem).
    pages = [
        page("home", "🏠", default=True),
        page("jobs", "🧰"),
        page("questions", "💬"),
        page("edit", "📝"),
        page("preview", "👀"),
        page("publish", "🚀"),
        page("projects", "🗂️"),
        page("ask_data", "📊"),
        page("auto", "🤖"),
        page("chat", "🗨️"),
        page("agents", "🎭"),
        page("knowledge", "📚"),
        page("dashboard", "📈"),
        page("routing", "🧭"),
        page("settings", "⚙️"),
    ]
    if admin:
        pages += [page("admin", "🛡️"), page("audit", "📜")]
    return pages


main()
