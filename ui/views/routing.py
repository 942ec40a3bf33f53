"""Routing: the "faster ↔ better" weight in effect and how each model did, per kind of task
and per group of similar tasks — the figures the router chooses from.

Tables only (a screen reader gets every number); the figures come ready from
support_system/routing/overview.py, the page only formats and labels them.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from components.chrome import move_focus
from components.session import preferences

from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.routing.overview import (
    ModelFigures,
    alpha_setting,
    routing_overview,
    skill_rows,
)
from support_system.routing.reasons import skill_name

lang: str = st.session_state.get("lang", get_settings().language)


def _col(name: str) -> str:
    return t(f"ui.routing.columns.{name}", lang)


def _weight(value: float) -> str:
    """0.6 as "0.6"; a weight set to two decimals (the API allows it) as "0.65"."""
    return f"{value:.1f}" if round(value, 1) == value else f"{value:.2f}"


def _figures(rows: list[ModelFigures], *, first: str) -> pd.DataFrame:
    """One row per model: `first` ("skill" or "cluster") names what the row is about."""
    return pd.DataFrame(
        [
            {
                _col(first): skill_name(row.skill, lang) if first == "skill" else row.cluster,
                _col("model"): row.label,
                _col("n"): row.n,
                _col("quality"): f"{row.quality * 100:.0f}",
                _col("seconds"): f"{row.seconds:.1f}",
                _col("chosen"): row.chosen,
            }
            for row in rows
        ]
    )


st.title(t("ui.routing.title", lang), anchor=False)
st.write(t("ui.routing.intro", lang))

# --- the weight ------------------------------------------------------------------------
alpha = alpha_setting(preferences().routing_alpha)
st.header(t("ui.routing.alpha_heading", lang), anchor=False)
st.caption(t("ui.routing.alpha_help", lang))
rows = [
    (
        t("ui.routing.alpha_rows.person", lang),
        t("ui.routing.alpha_unset", lang) if alpha.person is None else _weight(alpha.person),
    ),
    (t("ui.routing.alpha_rows.installation", lang), _weight(alpha.installation)),
    *(
        (t("ui.routing.alpha_rows.skill", lang, skill=skill_name(skill, lang)), _weight(value))
        for skill, value in alpha.skills.items()
    ),
    (t("ui.routing.alpha_rows.in_use", lang), _weight(alpha.effective)),
]
st.table(
    pd.DataFrame(
        rows,
        columns=[
            t("ui.routing.alpha_columns.setting", lang),
            t("ui.routing.alpha_columns.value", lang),
        ],
    ).set_index(t("ui.routing.alpha_columns.setting", lang))
)
st.page_link("views/settings.py", label=t("ui.routing.change_link", lang), icon="⚙️")

# --- the figures -----------------------------------------------------------------------
overview = routing_overview()
if overview.empty:
    st.info(t("ui.routing.empty", lang), icon="ℹ️")
else:
    st.header(t("ui.routing.summary_heading", lang), anchor=False)
    st.caption(t("ui.routing.summary_help", lang))
    st.table(_figures(overview.summary, first="skill").set_index(_col("skill")))

    st.header(t("ui.routing.clusters_heading", lang), anchor=False)
    st.caption(t("ui.routing.clusters_help", lang, clusters=overview.clusters))
    for skill in overview.skills:
        st.subheader(skill_name(skill, lang), anchor=False)
        st.table(_figures(overview.cells_of(skill), first="cluster").set_index(_col("cluster")))

# --- the skills (config/skills.yaml) -----------------------------------------------------
st.header(t("ui.routing.skills_heading", lang), anchor=False)
st.caption(t("ui.routing.skills_help", lang))
none = t("ui.routing.none", lang)
st.table(
    pd.DataFrame(
        [
            {
                _col("skill"): skill_name(row.skill, lang),
                _col("category"): t(f"ui.routing.category.{row.category}", lang),
                _col("job_kinds"): ", ".join(
                    t(f"ui.routing.kind.{kind}", lang) for kind in row.job_kinds
                )
                or none,
                _col("preferred"): row.preferred or t("ui.routing.router_decides", lang),
                _col("alpha"): none if row.alpha is None else _weight(row.alpha),
            }
            for row in skill_rows()
        ]
    ).set_index(_col("skill"))
)

if st.session_state.get("_arrived"):
    move_focus("heading")
