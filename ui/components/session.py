"""Who is using the app and which wizard pass is open, kept so a reload never loses it.

Streamlit's session state dies with the tab (and with the server), so the open wizard
session id is also written into the URL (`?s=12`) and every page reads it back from
there first. After a restart the browser reloads the same URL and lands on the same
question; a URL without `?s` falls back to the person's most recent unfinished pass.
Answers themselves are never kept here: pages read them from the database on every
run, which is also what keeps two tabs of the same session consistent.

Who is using the app: in local mode the single local user (an admin, no sign-in); in
accounts mode the Principal of whoever signed in on the sign-in page, kept in this tab's
session state only (a reload or a second tab means signing in again). `user_id()` is the
one funnel every page uses, and ids taken from the URL are checked against it: another
person's wizard session behaves like a missing one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from support_system.accounts import audit
from support_system.accounts.access import may_open_wizard_session
from support_system.accounts.errors import TokenInvalid
from support_system.accounts.preferences import Preferences, load_preferences
from support_system.accounts.principal import ALL, Principal
from support_system.accounts.tokens import local_principal
from support_system.core.errors import NotFound
from support_system.core.settings import get_settings
from support_system.jobs import wizard

if TYPE_CHECKING:  # signin hashes a dummy password on import: loaded in accounts mode only
    from support_system.accounts.signin import UserInfo

VIEWS_DIR = Path(__file__).resolve().parents[1] / "views"


def accounts_mode() -> bool:
    """True when people sign in (`auth.mode: accounts`)."""
    return get_settings().auth.mode == "accounts"


def principal() -> Principal | None:
    """Who is using this tab: the signed-in person, the local user in local mode, or
    None while nobody has signed in (accounts mode)."""
    if not accounts_mode():
        if "principal" not in st.session_state:
            st.session_state.principal = local_principal()
        return st.session_state.principal
    return st.session_state.get("principal")


def signed_in() -> bool:
    return principal() is not None


def is_admin() -> bool:
    who = principal()
    return who is not None and who.is_admin


def user_id() -> int:
    """The id of the person using this tab; every page asks here, never anywhere else.

    In accounts mode nobody reaches a page before signing in (ui/app.py only offers the
    sign-in page); a page run without a sign-in is a bug, so it is refused, not guessed.
    """
    who = principal()
    if who is None:
        raise TokenInvalid("no one has signed in in this tab")
    return who.user_id


def client_address() -> str:
    """The browser's address as Streamlit sees it (for the audit log), or ""."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - no request context: nothing to record
        return ""
    return address if isinstance(address, str) else ""  # headless runs have no address


def sign_in(info: UserInfo) -> None:
    """Remember who signed in, in this tab. Everything a previous person left in the tab's
    state is dropped first (only the chosen language stays)."""
    lang = st.session_state.get("lang")
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state.principal = Principal(
        info.id, info.username, info.role, frozenset({ALL}), "session"
    )
    prefs = load_preferences(info.id)
    st.session_state.prefs = prefs
    st.session_state.lang = prefs.language or lang or get_settings().language


def sign_out(*, reason: str = "") -> None:
    """Forget the signed-in person and everything of theirs in this tab (audited)."""
    who = st.session_state.get("principal")
    lang = st.session_state.get("lang")
    if who is not None:
        detail = {"reason": reason} if reason else {}
        audit.record(
            "logout", actor_id=who.user_id, actor=who.username, client=client_address(), **detail
        )
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if lang:
        st.session_state.lang = lang
    st.query_params.clear()


def check_signed_in_user() -> None:
    """Re-read the signed-in person on every run, so a role change takes effect at once
    and a disabled or deleted account is signed out of every open tab."""
    who = st.session_state.get("principal")
    if who is None or not accounts_mode():
        return
    from support_system.accounts.signin import get_user_info

    try:
        info = get_user_info(who.user_id)
    except NotFound:
        info = None
    if info is None or info.disabled:
        sign_out(reason="account disabled or deleted")
        st.session_state.signed_out_notice = "errors.token_invalid"
        return
    if info.role != who.role or info.username != who.username:
        st.session_state.principal = Principal(
            info.id, info.username, info.role, frozenset({ALL}), "session"
        )


def preferences() -> Preferences:
    """The person's preferences (defaults while nobody has signed in)."""
    if "prefs" not in st.session_state:
        st.session_state.prefs = load_preferences(user_id()) if signed_in() else Preferences()
    return st.session_state.prefs


def _valid(session_id: int) -> bool:
    """The wizard session exists, its job still loads, and it is this person's."""
    who = principal()
    if who is None or not may_open_wizard_session(who, session_id):
        return False  # another person's id in a URL behaves like a missing one
    try:
        wizard.resume(session_id)
    except Exception:  # noqa: BLE001 - a stale id in a URL just means "none"
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
