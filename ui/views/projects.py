"""Projects: everything the person has started — reopen, duplicate or delete (confirmed)."""

from __future__ import annotations

import streamlit as st
from components.chrome import move_focus
from components.session import close_session, go, open_session, user_id

from support_system.core.errors import SupportSystemError
from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.jobs import workspace
from support_system.jobs.catalogue import load_catalogue

lang: str = st.session_state.get("lang", get_settings().language)
st.title(t("ui.projects.title", lang), anchor=False)
catalogue = load_catalogue()
projects = workspace.list_projects(user_id())
notice = st.session_state.pop("projects_notice", None)
if notice:
    st.success(notice)
if not projects:
    st.info(t("ui.projects.none", lang))
    st.page_link("views/jobs.py", label=t("ui.home.all_jobs", lang), icon="🧰")

confirm = st.session_state.get("confirm_delete")
for project in projects:
    job = catalogue.get(project.job_id or "")
    with st.container(border=True):
        st.header(project.name, anchor=False)
        status = t(f"ui.projects.status.{project.status or 'none'}", lang)
        st.caption(
            " · ".join(
                [
                    job.title.get(lang) if job else t("ui.projects.unknown_job", lang),
                    t("ui.projects.progress", lang, answered=project.answered, total=project.total),
                    status,
                    t("ui.projects.versions", lang, count=project.artifact_count),
                    project.updated_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                ]
            )
        )
        if confirm == project.id:
            st.warning(t("ui.projects.confirm", lang, name=project.name), icon="⚠️")
            yes, no = st.columns(2)
            with yes:
                if st.button(
                    t("ui.projects.delete_yes", lang), key=f"yes-{project.id}", type="primary"
                ):
                    workspace.delete_project(project.id)
                    if st.session_state.get("wizard_id") == project.session_id:
                        close_session()
                    st.session_state.pop("confirm_delete", None)
                    st.session_state.projects_notice = t(
                        "ui.projects.deleted", lang, name=project.name
                    )
                    st.rerun()
            with no:
                if st.button(t("ui.projects.delete_no", lang), key=f"no-{project.id}"):
                    st.session_state.pop("confirm_delete", None)
                    st.rerun()
            continue
        cols = st.columns(3)
        with cols[0]:
            if (
                project.session_id
                and job
                and st.button(
                    t("ui.projects.open", lang, name=project.name), key=f"open-{project.id}"
                )
            ):
                open_session(project.session_id)
                go("preview" if project.artifact_count else "questions")
        with cols[1]:
            if job and st.button(
                t("ui.projects.duplicate", lang, name=project.name), key=f"dup-{project.id}"
            ):
                try:
                    workspace.duplicate_project(
                        project.id, user_id(), lang, t("ui.projects.copy_suffix", lang)
                    )
                    st.session_state.projects_notice = t(
                        "ui.projects.duplicated", lang, name=project.name
                    )
                except SupportSystemError as error:
                    st.session_state.projects_notice = error.message(lang)
                st.rerun()
        with cols[2]:
            if st.button(t("ui.projects.delete", lang, name=project.name), key=f"del-{project.id}"):
                st.session_state.confirm_delete = project.id
                st.rerun()

if confirm is not None:
    move_focus(f"css:.st-key-yes-{confirm} button")
