"""Output: publish a page to the local site, download a zip, or open a program's app."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st
from components.chrome import move_focus
from components.services import site_base_url
from components.session import go, require_session

from support_system.core.errors import SupportSystemError
from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.jobs import wizard, workspace
from support_system.publishing.export import export_zip
from support_system.publishing.launcher import launch_gradio
from support_system.publishing.site import publish, site_url, sites_root

lang: str = st.session_state.get("lang", get_settings().language)
st.title(t("ui.publish.title", lang), anchor=False)
session_id = require_session(lang)

state = wizard.resume(session_id)
job = state.job
artifact = workspace.latest_artifact(session_id)
if artifact is None:
    st.info(t("ui.publish.nothing", lang))
    if st.button(t("ui.publish.to_preview", lang), type="primary"):
        go("preview")
    st.stop()

project_id = workspace.project_for_session(session_id)
project_slug, page_slug = f"project-{project_id or 0}", job.id
st.write(t("ui.publish.intro", lang, job=job.title.get(lang), version=artifact.version))
if not artifact.checks_passed:
    st.warning(t("ui.publish.checks_failed", lang))

if job.kind == "webpage":
    st.header(t("ui.publish.site_heading", lang), anchor=False)
    st.write(t("ui.publish.site_text", lang))
    if st.button(t("ui.publish.publish", lang), type="primary", key="publish"):
        try:  # the page below reads what is published from the site folder itself
            publish(
                artifact.path,
                project_slug,
                page_slug,
                owner=str(project_id),
                base_url=site_base_url(),
            )
        except SupportSystemError as error:
            st.error(error.message(lang))
    if (sites_root() / project_slug / page_slug).is_dir():
        url = site_url(project_slug, page_slug, site_base_url())
        st.success(t("ui.publish.published", lang), icon="🌐")
        st.markdown(f"[{url}]({url})")
        st.caption(t("ui.publish.url_note", lang))

st.header(t("ui.publish.zip_heading", lang), anchor=False)
try:
    with tempfile.TemporaryDirectory() as scratch:
        archive = export_zip(artifact.path, Path(scratch) / f"{job.id}.zip", folder=job.id)
        data = archive.read_bytes()
    st.download_button(
        t("ui.publish.download", lang),
        data,
        file_name=f"{job.id}.zip",
        mime="application/zip",
        key="download",
    )
except SupportSystemError as error:
    st.error(error.message(lang))

if (artifact.path / "app.py").is_file():
    st.header(t("ui.publish.app_heading", lang), anchor=False)
    st.write(t("ui.publish.app_text", lang))
    apps = st.session_state.setdefault("apps", {})
    app = apps.get(artifact.id)
    if app is not None and not app.running():
        apps.pop(artifact.id)
        app = None
    if app is None:
        if st.button(t("ui.publish.launch", lang), key="launch"):
            with st.spinner(t("ui.publish.launching", lang)):
                try:
                    apps[artifact.id] = launch_gradio(artifact.path)
                    st.rerun()
                except SupportSystemError as error:
                    st.error(error.message(lang))
    else:
        st.success(t("ui.publish.running", lang), icon="▶️")
        st.markdown(f"[{app.url}]({app.url})")
        if st.button(t("ui.publish.stop", lang), key="stop-app"):
            app.stop()
            apps.pop(artifact.id, None)
            st.rerun()

st.divider()
if st.button(t("ui.publish.new", lang), key="new"):
    go("jobs")
move_focus("heading")
