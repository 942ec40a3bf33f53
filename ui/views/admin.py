"""Admin (admins only): the accounts, their roles, turning one off or on, a new password,
deleting one, and invitation codes for when open registration is closed.

Every change goes through `support_system.accounts.signin`, which checks the admin role
again, keeps at least one active admin and writes the audit log. Results and refusals
are announced: a success message, or an error that takes the keyboard focus.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from components.chrome import move_focus
from components.session import client_address, is_admin, principal

from support_system.accounts import signin
from support_system.accounts.access import ROLES
from support_system.core.errors import SupportSystemError
from support_system.core.i18n import t
from support_system.core.settings import get_settings

lang: str = st.session_state.get("lang", get_settings().language)

st.title(t("ui.admin.title", lang), anchor=False)
if not is_admin():  # the navigation offers this page to admins only; a stale link lands here
    st.error(t("errors.permission_denied", lang), icon="⛔")
    st.stop()

me = principal()
client = client_address()
error: str | None = None
done = st.session_state.pop("admin_notice", None)
if done:
    st.success(done, icon="✅")


def _role(role) -> str:  # noqa: ANN001 - a Role
    return t(f"ui.admin.roles.{role.value}", lang)


def _status(user: signin.UserInfo) -> str:
    return t("ui.admin.status_off" if user.disabled else "ui.admin.status_on", lang)


def _when(value) -> str:  # noqa: ANN001 - a datetime or None
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "—"


def _act(action, *args, notice: str) -> str:  # noqa: ANN001 - a signin function
    """Run an account change: on success remember the notice and redraw the page; on a
    refusal return its translated message."""
    try:
        action(me, *args, client=client)
    except SupportSystemError as problem:
        return problem.message(lang)
    st.session_state.admin_notice = notice
    st.rerun()


# --- the accounts ---------------------------------------------------------------------------
st.header(t("ui.admin.users_heading", lang), anchor=False)
users = signin.list_users()
st.table(
    pd.DataFrame(
        [
            {
                t("ui.admin.columns.username", lang): u.username,
                t("ui.admin.columns.display_name", lang): u.display_name,
                t("ui.admin.columns.role", lang): _role(u.role),
                t("ui.admin.columns.status", lang): _status(u),
                t("ui.admin.columns.created", lang): _when(u.created_at),
                t("ui.admin.columns.last_login", lang): _when(u.last_login_at),
            }
            for u in users
        ]
    ).set_index(t("ui.admin.columns.username", lang))
)

# --- change one account -----------------------------------------------------------------------
st.header(t("ui.admin.manage_heading", lang), anchor=False)
by_id = {u.id: u for u in users}
chosen_id = st.selectbox(
    t("ui.admin.user_label", lang),
    list(by_id),
    format_func=lambda uid: t(
        "ui.admin.user_option",
        lang,
        name=by_id[uid].username,
        role=_role(by_id[uid].role),
        status=_status(by_id[uid]),
    ),
    key="admin-user",
    placeholder=t("streamlit.select.placeholder", lang),
)
user = by_id[chosen_id]
name = user.username
error_slot = st.container()

with st.form("admin-role-form"):
    st.subheader(t("ui.admin.role_heading", lang, name=name), anchor=False)
    role = st.radio(
        t("ui.admin.role_label", lang),
        ROLES,
        index=ROLES.index(user.role) if user.role in ROLES else 0,
        format_func=_role,
        horizontal=True,
        key=f"admin-role-{user.id}",
    )
    if st.form_submit_button(t("ui.admin.role_save", lang)):
        error = _act(
            signin.set_role,
            user.id,
            role,
            notice=t("ui.admin.role_saved", lang, name=name, role=_role(role)),
        )

with st.container(border=True):
    st.subheader(t("ui.admin.access_heading", lang, name=name), anchor=False)
    if user.disabled:
        st.write(t("ui.admin.is_off", lang, name=name))
        if st.button(t("ui.admin.enable", lang, name=name), key="admin-enable"):
            error = _act(
                signin.set_disabled,
                user.id,
                False,
                notice=t("ui.admin.enabled", lang, name=name),
            )
    else:
        st.write(t("ui.admin.is_on", lang, name=name))
        if user.id == me.user_id:
            st.caption(t("ui.admin.not_yourself", lang))
        if st.button(
            t("ui.admin.disable", lang, name=name),
            key="admin-disable",
            disabled=user.id == me.user_id,
        ):
            error = _act(
                signin.set_disabled,
                user.id,
                True,
                notice=t("ui.admin.disabled", lang, name=name),
            )

with st.form("admin-password-form", clear_on_submit=True):
    st.subheader(t("ui.admin.password_heading", lang, name=name), anchor=False)
    st.caption(t("ui.admin.password_help", lang, length=signin.MIN_PASSWORD))
    new_password = st.text_input(
        t("ui.admin.new_password", lang, name=name),
        type="password",
        autocomplete="new-password",
        key=f"admin-password-{user.id}",
    )
    if st.form_submit_button(t("ui.admin.password_save", lang)):
        error = _act(
            signin.reset_password,
            user.id,
            new_password,
            notice=t("ui.admin.password_saved", lang, name=name),
        )

with st.form("admin-delete-form", clear_on_submit=True):
    st.subheader(t("ui.admin.delete_heading", lang, name=name), anchor=False)
    st.caption(t("ui.admin.delete_help", lang))
    sure = st.checkbox(t("ui.admin.delete_confirm", lang, name=name), key=f"admin-sure-{user.id}")
    if st.form_submit_button(t("ui.admin.delete", lang, name=name)):
        if not sure:
            error = t("ui.admin.delete_not_confirmed", lang)
        else:
            error = _act(signin.delete_user, user.id, notice=t("ui.admin.deleted", lang, name=name))

if error:
    error_slot.error(error, icon="⚠️")

# --- invitations ----------------------------------------------------------------------------
st.header(t("ui.admin.invite_heading", lang), anchor=False)
st.write(
    t(
        "ui.admin.registration_open"
        if get_settings().auth.open_registration
        else "ui.admin.registration_closed",
        lang,
    )
)
with st.form("admin-invite-form"):
    invite_role = st.radio(
        t("ui.admin.invite_role", lang), ROLES, format_func=_role, horizontal=True
    )
    days = st.number_input(t("ui.admin.invite_days", lang), min_value=1, max_value=90, value=7)
    if st.form_submit_button(t("ui.admin.invite_create", lang)):
        try:
            code = signin.create_invite(me, role=invite_role, days=int(days), client=client)
        except SupportSystemError as problem:
            error = problem.message(lang)
            st.error(error, icon="⚠️")
        else:
            st.session_state.admin_invite = (code, invite_role, int(days))
invite = st.session_state.get("admin_invite")
if invite:
    code, made_role, invite_days = invite
    st.success(t("ui.admin.invite_made", lang, role=_role(made_role), days=invite_days), icon="✉️")
    st.code(code, language=None)
    st.caption(t("ui.admin.invite_once", lang))

if error:
    move_focus("error")
elif st.session_state.get("_arrived"):
    move_focus("heading")
