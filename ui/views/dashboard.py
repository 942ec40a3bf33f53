"""Dashboard: your runs with their outcome, model usage and cost over time, error rates.

Admins see everyone's (with a user column and usage per person). Every chart is followed
by a real table of the same figures, so a screen reader gets the numbers, not a picture.
A generation can be made again from here (its answers as they are now); the Preview page
then shows its progress.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from components.chrome import move_focus
from components.session import (
    accounts_mode,
    go,
    is_admin,
    open_session,
    preferences,
    principal,
    user_id,
)

from support_system.accounts import dashboard
from support_system.core.errors import SupportSystemError
from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.generators.runs import start_generation
from support_system.jobs.catalogue import load_catalogue

lang: str = st.session_state.get("lang", get_settings().language)
PERIODS = (7, 30, 90, 0)  # days; 0 = all time
SHOWN_RUNS = 50


def _col(name: str) -> str:
    return t(f"ui.dashboard.columns.{name}", lang)


def _when(value) -> str:  # noqa: ANN001 - a datetime or None
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "—"


def _what(row: dashboard.ExecutionRow, jobs: dict) -> str:
    if row.kind.startswith(dashboard.GENERATION_PREFIX):
        job = jobs.get(row.title)
        return job.title.get(lang) if job is not None else row.title
    return row.title if len(row.title) <= 60 else row.title[:59] + "…"


def _kind(kind: str) -> str:
    key = "generate" if kind.startswith(dashboard.GENERATION_PREFIX) else kind
    name = t(f"ui.dashboard.kinds.{key}", lang)
    return name if name != f"ui.dashboard.kinds.{key}" else kind


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %"


def _chart_then_table(heading: str, frame: pd.DataFrame, *, y_label: str) -> None:
    """A bar chart and, right after it, the same figures as a table for screen readers.

    Bars only: Streamlit's line chart draws an empty, unlabelled layer of hover points
    (axe: svg-img-alt); its bars carry a text description of every value.
    """
    st.subheader(heading, anchor=False)
    if frame.empty:
        st.caption(t("ui.dashboard.no_data", lang))
        return
    st.bar_chart(frame, x_label=_col("day"), y_label=y_label, height=260)
    st.caption(t("ui.dashboard.table_note", lang))
    st.table(frame.reset_index())


st.title(t("ui.dashboard.title", lang), anchor=False)
admin = is_admin()
many = admin and accounts_mode()  # local mode: one person, no user column
st.write(t("ui.dashboard.intro_admin" if many else "ui.dashboard.intro", lang))
notice = st.session_state.pop("dashboard_error", None)
if notice:
    st.error(notice, icon="⚠️")

days = st.radio(
    t("ui.dashboard.period", lang),
    PERIODS,
    format_func=lambda d: (
        t("ui.dashboard.period_all", lang)
        if d == 0
        else t("ui.dashboard.period_days", lang, days=d)
    ),
    horizontal=True,
    index=1,
    key="dash-period",
)
since = dashboard.since_days(days or None)
owner = None if admin else user_id()
runs = dashboard.executions(owner, since=since, limit=1000)
usage = dashboard.usage_by_day(owner, since=since)
totals = dashboard.summary(runs, usage)

# --- totals --------------------------------------------------------------------------------
st.header(t("ui.dashboard.totals_heading", lang), anchor=False)
cols = st.columns(3)
cols[0].metric(t("ui.dashboard.metric_runs", lang), totals.runs)
cols[1].metric(t("ui.dashboard.metric_run_errors", lang), _percent(totals.run_error_rate))
cols[2].metric(t("ui.dashboard.metric_calls", lang), totals.calls)
cols = st.columns(3)
cols[0].metric(t("ui.dashboard.metric_call_errors", lang), _percent(totals.call_error_rate))
cols[1].metric(t("ui.dashboard.metric_tokens", lang), f"{totals.tokens:,}")
cols[2].metric(t("ui.dashboard.metric_cost", lang), f"{totals.cost:.4f}")

# --- runs ----------------------------------------------------------------------------------
st.header(t("ui.dashboard.runs_heading", lang), anchor=False)
try:
    jobs = load_catalogue()
except SupportSystemError:
    jobs = {}
if not runs:
    st.caption(t("ui.dashboard.no_runs", lang))
else:
    table = pd.DataFrame(
        [
            {
                _col("id"): row.id,
                _col("started"): _when(row.started_at),
                **({_col("user"): row.username} if many else {}),
                _col("kind"): _kind(row.kind),
                _col("what"): _what(row, jobs),
                _col("outcome"): t(f"ui.dashboard.outcomes.{row.outcome}", lang),
                _col("seconds"): "—" if row.seconds is None else f"{row.seconds:.1f}",
                _col("model"): row.model or "—",
            }
            for row in runs[:SHOWN_RUNS]
        ]
    )
    if len(runs) > SHOWN_RUNS:
        st.caption(t("ui.dashboard.runs_shown", lang, shown=SHOWN_RUNS, total=len(runs)))
    st.table(table.set_index(_col("id")))

    again = [row for row in runs if row.rerunnable and row.outcome != "running"]
    if again:
        st.subheader(t("ui.dashboard.rerun_heading", lang), anchor=False)
        st.caption(t("ui.dashboard.rerun_help", lang))
        labels = {
            row.id: t(
                "ui.dashboard.rerun_option",
                lang,
                id=row.id,
                what=_what(row, jobs),
                when=_when(row.started_at),
            )
            for row in again
        }
        chosen = st.selectbox(
            t("ui.dashboard.rerun_label", lang),
            list(labels),
            format_func=labels.get,
            key="dash-rerun-choice",
            placeholder=t("streamlit.select.placeholder", lang),
        )
        if st.button(t("ui.dashboard.rerun", lang), key="dash-rerun"):
            try:
                session_id = dashboard.rerun_session(principal(), chosen)
                start_generation(
                    session_id,
                    lang=lang,
                    model=preferences().model,
                    alpha=preferences().routing_alpha,
                )
            except SupportSystemError as problem:
                st.session_state.dashboard_error = problem.message(lang)
                st.rerun()
            else:
                open_session(session_id)
                go("preview")

per_day = dashboard.runs_by_day(runs)
frame = pd.DataFrame(
    [
        {
            _col("day"): row.day.isoformat(),
            _col("runs_ok"): row.runs - row.failed,
            _col("runs_failed"): row.failed,
        }
        for row in per_day
    ]
)
if not frame.empty:
    frame = frame.set_index(_col("day"))
_chart_then_table(
    t("ui.dashboard.runs_chart", lang), frame, y_label=t("ui.dashboard.axis_runs", lang)
)

# --- usage and cost ------------------------------------------------------------------------
st.header(t("ui.dashboard.usage_heading", lang), anchor=False)
if not usage:
    st.caption(t("ui.dashboard.no_usage", lang))
else:
    records = pd.DataFrame(
        [
            {
                "day": u.day.isoformat(),
                "model": u.model,
                "tokens": u.tokens,
                "cost": u.cost,
                "calls": u.calls,
                "errors": u.errors,
            }
            for u in usage
        ]
    )

    def _per_model(value: str) -> pd.DataFrame:
        wide = records.pivot_table(
            index="day", columns="model", values=value, aggfunc="sum", fill_value=0
        )
        wide.index.name = _col("day")
        wide.columns.name = None
        return wide

    _chart_then_table(
        t("ui.dashboard.tokens_chart", lang),
        _per_model("tokens"),
        y_label=t("ui.dashboard.axis_tokens", lang),
    )
    _chart_then_table(
        t("ui.dashboard.cost_chart", lang),
        _per_model("cost"),
        y_label=t("ui.dashboard.axis_cost", lang),
    )
    st.subheader(t("ui.dashboard.models_table", lang), anchor=False)
    by_model = records.groupby("model")[["calls", "errors", "tokens", "cost"]].sum()
    by_model["rate"] = (by_model["errors"] / by_model["calls"]).map(_percent)
    by_model.index.name = _col("model")
    st.table(
        by_model.rename(
            columns={
                "calls": _col("calls"),
                "errors": _col("errors"),
                "tokens": _col("tokens"),
                "cost": _col("cost"),
                "rate": _col("error_rate"),
            }
        )
    )

if many:
    people = dashboard.usage_by_user(since=since)
    frame = pd.DataFrame(
        [{_col("user"): p.username, _col("tokens"): p.tokens, _col("cost"): p.cost} for p in people]
    )
    if not frame.empty:
        frame = frame.set_index(_col("user"))
    st.subheader(t("ui.dashboard.users_chart", lang), anchor=False)
    if frame.empty:
        st.caption(t("ui.dashboard.no_data", lang))
    else:
        st.bar_chart(
            frame[[_col("tokens")]],
            x_label=_col("user"),
            y_label=t("ui.dashboard.axis_tokens", lang),
            height=260,
        )
        st.caption(t("ui.dashboard.table_note", lang))
        st.table(
            pd.DataFrame(
                [
                    {
                        _col("user"): p.username,
                        _col("calls"): p.calls,
                        _col("errors"): p.errors,
                        _col("tokens"): p.tokens,
                        _col("cost"): p.cost,
                    }
                    for p in people
                ]
            ).set_index(_col("user"))
        )

if notice:
    move_focus("error")
elif st.session_state.get("_arrived"):
    move_focus("heading")
