"""Sign in (accounts mode): the only page until someone signs in; also makes new accounts.

The forms are plain labelled fields with the browser's own password hints (autocomplete)
so password managers and screen readers know them. A refused sign-in or registration is
shown as one translated message (never which of name or password was wrong) and focus
moves to it, so a screen reader announces it.
"""

from __future__ import annotations

import streamlit as st
from components.chrome import move_focus
from components.session import client_address, sign_in

from support_system.accounts import signin
from support_system.accounts.access import no_accounts_yet
from support_system.core.errors import SupportSystemError
from support_system.core.i18n import t
from support_system.core.settings import get_settings

lang: str = st.session_state.get("lang", get_settings().language)
open_registration = get_settings().auth.open_registration

st.title(t("ui.signin.title", lang), anchor=False)
notice = st.session_state.pop("signed_out_notice", None)
if notice:
    st.info(t(notice, lang), icon="ℹ️")
first = no_accounts_yet()
st.write(t("ui.signin.intro_first" if first else "ui.signin.intro", lang))

error: str | None = None

# --- sign in -----------------------------------------------------------------------------
with st.form("signin-form", enter_to_submit=True):
    st.header(t("ui.signin.signin_heading", lang), anchor=False)
    name = st.text_input(t("ui.signin.username", lang), key="signin-name", autocomplete="username")
    password = st.text_input(
        t("ui.signin.password", lang),
        type="password",
        key="signin-password",
        autocomplete="current-password",
    )
    submitted = st.form_submit_button(t("ui.signin.submit", lang), type="primary")
if submitted:
    try:
        info = signin.login(name, password, client=client_address())
    except SupportSystemError as problem:
        error = problem.message(lang)
        st.error(error, icon="⚠️")
    else:
        sign_in(info)
        st.rerun()

# --- create an account ----------------------------------------------------------------------
with st.form("register-form", enter_to_submit=False):
    st.header(t("ui.signin.register_heading", lang), anchor=False)
    if first:
        st.caption(t("ui.signin.first_admin", lang))
    elif open_registration:
        st.caption(t("ui.signin.register_open", lang))
    else:
        st.caption(t("ui.signin.register_invite_only", lang))
    st.caption(t("ui.signin.rules", lang, length=signin.MIN_PASSWORD))
    new_name = st.text_input(
        t("ui.signin.new_username", lang),
        key="register-name",
        autocomplete="username",
    )
    display = st.text_input(t("ui.signin.display_name", lang), key="register-display")
    new_password = st.text_input(
        t("ui.signin.new_password", lang),
        type="password",
        key="register-password",
        autocomplete="new-password",
    )
    again = st.text_input(
        t("ui.signin.password_again", lang),
        type="password",
        key="register-again",
        autocomplete="new-password",
    )
    code = ""
    if not first:
        code = st.text_input(
            t("ui.signin.invite_code", lang)
            if not open_registration
            else t("ui.signin.invite_code_optional", lang),
            key="register-code",
            autocomplete="off",
        )
    registered = st.form_submit_button(t("ui.signin.register_submit", lang))
if registered:
    if new_password != again:
        error = t("ui.signin.password_mismatch", lang)
        st.error(error, icon="⚠️")
    else:
        try:
            signin.register(
                new_name,
                new_password,
                display_name=display,
                invite_code=code.strip() or None,
                client=client_address(),
            )
            info = signin.login(new_name, new_password, client=client_address())
        except SupportSystemError as problem:
            error = problem.message(lang)
            st.error(error, icon="⚠️")
        else:
            sign_in(info)
            st.rerun()

st.caption(t("ui.signin.reload_note", lang))

if error:
    move_focus("error")
elif st.session_state.get("_arrived"):
    move_focus("css:.st-key-signin-name input")
