"""Job selection: search and filter the catalogue, then start a project for one job."""

from __future__ import annotations

import streamlit as st
from components.session import go, open_session, user_id

from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.jobs import workspace
from support_system.jobs.definitions import KIND_ORDER
from support_system.jobs.suggest import find_jobs

lang: str = st.session_state.get("lang", get_settings().language)
KINDS = ["all", *KIND_ORDER]

st.title(t("ui.jobs.title", lang), anchor=False)
st.write(t("ui.jobs.intro", lang))
query = st.text_input(
    t("ui.jobs.search_label", lang), placeholder=t("ui.jobs.search_placeholder", lang)
)
kind = st.radio(
    t("ui.jobs.category_label", lang),
    KINDS,
    horizontal=True,
    format_func=lambda k: t(f"ui.jobs.kind.{k}", lang),
)

jobs = find_jobs(query, kind)

st.caption(t("ui.jobs.count", lang, count=len(jobs)))
if not jobs:
    st.info(t("ui.jobs.none", lang))
for job in jobs:
    with st.container(border=True):
        st.header(f"{job.icon} {job.title.get(lang)}", anchor=False)
        st.write(job.description.get(lang))
        st.caption(
            f"{t(f'ui.jobs.kind.{job.kind}', lang)} · "
            f"{t('ui.jobs.questions', lang, count=len(job.questions))}"
        )
        with st.expander(t("ui.jobs.more", lang)):
            st.write(job.help.get(lang))
        if st.button(t("ui.jobs.start", lang, job=job.title.get(lang)), key=f"start-{job.id}"):
            _, session_id = workspace.create_project(user_id(), job.id, lang)
            open_session(session_id)
            go("questions")
