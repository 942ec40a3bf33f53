"""Audit log (admins only): security events filtered by event, user, outcome and date, as a
table and as a CSV file for Excel (UTF-8 with a byte-order mark, so Japanese text opens
correctly). Downloading the file is itself audited ("export").
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pandas as pd
import streamlit as st
from components.chrome import move_focus
from components.session import client_address, is_admin, principal

from support_system.accounts import audit
from support_system.core.i18n import t
from support_system.core.settings import get_settings

lang: str = st.session_state.get("lang", get_settings().language)
SHOWN = 200
EXPORT_LIMIT = 20_000  # rows read (and exported) at most; narrower filters find the rest
OUTCOMES = ("all", "ok", "failed")

st.title(t("ui.audit.title", lang), anchor=False)
if not is_admin():  # the navigation offers this page to admins only; a stale link lands here
    st.error(t("errors.permission_denied", lang), icon="⛔")
    st.stop()


def _event_name(event: str) -> str:
    name = t(f"ui.audit.events.{event}", lang)
    return event if name == f"ui.audit.events.{event}" else name


def _day_start(day) -> datetime:  # noqa: ANN001 - a date
    return datetime.combine(day, time.min, tzinfo=UTC)


st.write(t("ui.audit.intro", lang))
today = datetime.now(UTC).date()
with st.form("audit-filters"):
    st.header(t("ui.audit.filters_heading", lang), anchor=False)
    event = st.selectbox(
        t("ui.audit.event_label", lang),
        ["", *audit.EVENTS],
        format_func=lambda e: _event_name(e) if e else t("ui.audit.any_event", lang),
        key="audit-event",
        placeholder=t("streamlit.select.placeholder", lang),
    )
    actor = st.text_input(t("ui.audit.user_label", lang), key="audit-user")
    outcome = st.radio(
        t("ui.audit.outcome_label", lang),
        OUTCOMES,
        format_func=lambda o: t(f"ui.audit.outcomes.{o}", lang),
        horizontal=True,
        key="audit-outcome",
    )
    cols = st.columns(2)
    since = cols[0].date_input(
        t("ui.audit.since_label", lang),
        value=today - timedelta(days=30),
        max_value=today,
        format="YYYY-MM-DD",
        key="audit-since",
    )
    until = cols[1].date_input(
        t("ui.audit.until_label", lang),
        value=today,
        format="YYYY-MM-DD",
        key="audit-until",
    )
    st.caption(t("ui.audit.utc_note", lang))
    st.form_submit_button(t("ui.audit.apply", lang), type="primary")

filters = {
    "event": event or None,
    "actor": actor.strip().lower() or None,
    "ok": None if outcome == "all" else outcome == "ok",
    "since": _day_start(since) if since else None,
    "until": _day_start(until) + timedelta(days=1) if until else None,
}
rows = audit.events(**filters, limit=EXPORT_LIMIT)

st.header(t("ui.audit.events_heading", lang), anchor=False)
st.write(t("ui.audit.count", lang, count=len(rows)))
if len(rows) >= EXPORT_LIMIT:
    st.warning(t("ui.audit.limit_reached", lang, limit=EXPORT_LIMIT), icon="⚠️")
if rows:
    if len(rows) > SHOWN:
        st.caption(t("ui.audit.shown", lang, shown=SHOWN))
    st.table(
        pd.DataFrame(
            [
                {
                    t("ui.audit.columns.time", lang): row.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    t("ui.audit.columns.event", lang): _event_name(row.event),
                    t("ui.audit.columns.outcome", lang): t(
                        "ui.audit.outcomes.ok" if row.ok else "ui.audit.outcomes.failed", lang
                    ),
                    t("ui.audit.columns.user", lang): row.actor or "—",
                    t("ui.audit.columns.target", lang): row.target or "—",
                    t("ui.audit.columns.client", lang): row.client or "—",
                    t("ui.audit.columns.detail", lang): "; ".join(
                        f"{k}={v}" for k, v in sorted(row.detail.items())
                    )
                    or "—",
                }
                for row in rows[:SHOWN]
            ]
        )
    )


def _exported(count: int) -> None:
    me = principal()
    audit.record(
        "export",
        actor_id=me.user_id,
        actor=me.username,
        target="audit",
        client=client_address(),
        rows=count,
    )


st.download_button(
    t("ui.audit.download", lang),
    ("\ufeff" + audit.to_csv(rows)).encode("utf-8"),
    file_name=f"audit-{today.isoformat()}.csv",
    mime="text/csv",
    key="audit-download",
    on_click=_exported,
    args=(len(rows),),
    disabled=not rows,
)
st.caption(t("ui.audit.download_note", lang))

if st.session_state.get("_arrived"):
    move_focus("heading")
