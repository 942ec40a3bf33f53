"""Streamlit entry point: page navigation, language and the shared page chrome.

Pages stay thin: they read and write `st.session_state` and call services from the
`support_system` package; nothing here decides anything a test would need to check.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from support_system.core.i18n import LANGUAGES, t
from support_system.core.settings import get_settings

PAGES = Path(__file__).parent / "pages"
LANGUAGE_NAMES = {"ja": "日本語", "en": "English"}


def _language() -> str:
    if "lang" not in st.session_state:
        st.session_state.lang = get_settings().language
    return st.session_state.lang


def main() -> None:
    lang = _language()
    st.set_page_config(page_title=t("app.title", lang), page_icon="🛠️", layout="centered")
    with st.sidebar:
        # No widget key: a keyed selectbox in the entry page came back as its first
        # option ("ja") on the first run in a real browser, ignoring the configured
        # language; an explicit index keeps the choice in session state instead.
        st.session_state.lang = st.selectbox(
            t("app.language_label", lang), LANGUAGES, index=LANGUAGES.index(lang),
            format_func=lambda code: LANGUAGE_NAMES[code],
        )
    home = st.Page(str(PAGES / "home.py"), title=t("app.title", lang), icon="🏠", default=True)
    st.navigation([home]).run()


main()
