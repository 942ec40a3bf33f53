"""Who is using the app and which wizard pass is open, kept so a reload never loses it.

Streamlit's session state dies with the tab (and with the server), so the open wizard
session id is also written into the URL (`?s=12`) and every page reads it back from
there first. After a restart the browser reloads the same URL and lands on the same
question; a URL without `?s` falls back to the person's most recent unfinished pass.
Answers themselves are never kept here: pages read them from the database on every
run, which is also what keeps two tabs of the same session consistent.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from support_system.accounts.preferences import Preferences, load_preferences
from support_system.accounts.users import local_user_id
from support_system.jobs import wizard

VIEWS_DIR = Path(__file__).resolve().parents[1] / "views"


def user_id() -> int:
    if "user_id" not in st.session_state:
        st.session_state.user_id = local_user_id()
    return st.session_state.user_id


def preferences() -> Preferences:
    if "prefs" not in st.session_state:
        st.session_state.prefs = load_preferences(user_id())
    return st.session_state.prefs


def _valid(session_id: int) -> bool:
    try:
        wizard.resume(session_id)
    except Exception:  # noqa: BLE001 - a stale or foreign id in a URL just means "none"
        return False
    return True


def current_session(*, fallback: bool = True) -> int | None:
    """The open wizard session: from the URL, this tab, or the latest unfinished one."""
    raw = st.query_params.get("s")
    if raw and raw.isdigit() and _valid(int(raw)):
        st.session_state.wizard_id = int(raw)
    elif st.session_state.get("wizard_id") and _valid(st.session_state.wizard_id):
        st.query_params["s"] = str(st.session_state.wizard_id)
    elif fallback:
        latest = wizard.latest_unfinished(user_id())
        st.session_state.wizard_id = latest.session_id if latest else None
        if latest:
            st.query_params["s"] = str(latest.session_id)
    else:
        st.session_state.wizard_id = None
    return st.session_state.get("wizard_id")


def open_session(session_id: int) -> None:
    st.session_state.wizard_id = session_id
    st.query_params["s"] = str(session_id)


def close_session() -> None:
    st.session_state.wizard_id = None
    st.query_params.pop("s", None)


def go(page: str) -> None:
    """Switch to `page` (file stem in ui/views), carrying the open session in the URL."""
    sid = st.session_state.get("wizard_id")
    st.switch_page(str(VIEWS_DIR / f"{page}.py"), query_params={"s": str(sid)} if sid else None)


def require_session(lang: str) -> int:
    """The open wizard session, or a short "choose a job first" note and stop the page."""
    session_id = current_session()
    if session_id is None:
        from support_system.core.i18n import t

        st.info(t("ui.no_session", lang))
        st.page_link("views/jobs.py", label=t("ui.home.all_jobs", lang), icon="🧰")
        st.stop()
    return session_id
