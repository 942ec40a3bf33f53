"""Knowledge base: add documents (with progress), see and remove them, try a search.

Uploads are kept under `<state_dir>/rag/uploads/` so a document can be re-added when it
changes; the knowledge base itself de-duplicates by content.
"""

from __future__ import annotations

import streamlit as st
from components.chrome import move_focus
from components.names import scope_name
from components.session import principal, user_id

from support_system.core.errors import SupportSystemError
from support_system.core.i18n import t
from support_system.core.settings import PROJECT_ROOT, get_settings
from support_system.jobs.workspace import list_projects, safe_filename
from support_system.rag import GLOBAL_SCOPE, KnowledgeBase, project_scope
from support_system.rag.access import knowledge_scopes, may_change_knowledge
from support_system.rag.ingest import IngestReport, Progress

lang: str = st.session_state.get("lang", get_settings().language)
TYPES = ["txt", "md", "html", "htm", "pdf", "docx", "csv"]
STARTER = PROJECT_ROOT / "data" / "knowledge"


@st.cache_resource(show_spinner=False)
def _knowledge_base(state_dir: str) -> KnowledgeBase:
    return KnowledgeBase()


kb = _knowledge_base(str(get_settings().state_dir))
who = principal()
# Accounts mode: a user reads the shared documents and their projects' own, and adds to
# and removes from their projects only; admins (and the local user) manage everything.
scopes = knowledge_scopes(who) if who is not None else None
st.title(t("ui.knowledge.title", lang), anchor=False)
st.write(t("ui.knowledge.intro", lang))


def _own_projects() -> dict[int, str]:
    return {p.id: p.name for p in list_projects(user_id())}


target_scope: str | None = GLOBAL_SCOPE
searched_project: int | None = None
if scopes is not None:
    projects = _own_projects()
    if projects:
        searched_project = st.selectbox(
            t("ui.knowledge.project_label", lang),
            list(projects),
            format_func=lambda pid: projects[pid],
            key="kb-project",
            placeholder=t("streamlit.select.placeholder", lang),
        )
        target_scope = project_scope(searched_project) if searched_project else None
    else:
        target_scope = None
        st.info(t("ui.knowledge.needs_project", lang), icon="ℹ️")


def _add(paths: list, label: str) -> IngestReport:
    bar = st.progress(0.0, text=label)

    def progress(step: Progress) -> None:
        share = (step.index - 1 + (step.done / step.total if step.total else 0)) / max(
            step.files, 1
        )
        bar.progress(
            min(share, 1.0),
            text=t(
                "ui.knowledge.progress", lang, file=step.file, index=step.index, files=step.files
            ),
        )

    report = kb.add(paths, scope=target_scope or GLOBAL_SCOPE, on_progress=progress)
    bar.progress(1.0, text=t("ui.knowledge.finished", lang))
    return report


def _show(report: IngestReport) -> None:
    lines = []
    for outcome in report.outcomes:
        if outcome.status == "failed" and outcome.error is not None:
            st.error(outcome.error.message(lang), icon="⚠️")
            continue
        status = t(
            f"rag.cli.status.{outcome.status}",
            lang,
            chunks=outcome.chunks,
            original=outcome.duplicate_of or "",
        )
        lines.append(f"- {outcome.path.name}: {status}")
    if lines:
        st.success("\n".join(lines), icon="✅")


st.header(t("ui.knowledge.add_heading", lang), anchor=False)
with st.form("kb-upload", clear_on_submit=True):
    files = st.file_uploader(
        t("ui.knowledge.upload_label", lang), type=TYPES, accept_multiple_files=True
    )
    add = st.form_submit_button(
        t("ui.knowledge.add", lang), type="primary", disabled=target_scope is None
    )
if add and target_scope is not None:
    if not files:
        st.error(t("ui.knowledge.no_files", lang), icon="⚠️")
        move_focus("error")
    else:
        folder = get_settings().state_dir / "rag" / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for upload in files:
            path = folder / safe_filename(upload.name)
            path.write_bytes(upload.getvalue())
            paths.append(path)
        try:
            _show(_add(paths, t("ui.knowledge.adding", lang)))
        except SupportSystemError as error:
            st.error(error.message(lang), icon="⚠️")
if scopes is None and st.button(t("ui.knowledge.add_starter", lang), key="starter"):
    try:
        _show(_add([STARTER], t("ui.knowledge.adding", lang)))
    except SupportSystemError as error:
        st.error(error.message(lang), icon="⚠️")

st.header(t("ui.knowledge.search_heading", lang), anchor=False)
with st.form("kb-search"):
    query = st.text_input(t("ui.knowledge.search_label", lang))
    searched = st.form_submit_button(t("ui.knowledge.search", lang))
if searched and query.strip():
    try:
        hits = kb.search(query, project=searched_project)
    except SupportSystemError as error:
        hits = []
        st.error(error.message(lang), icon="⚠️")
    if not hits:
        st.info(t("rag.not_found", lang))
    for number, hit in enumerate(hits, 1):
        with st.container(border=True):
            st.markdown(f"**{number}. {hit.citation.label(lang)}**")
            st.caption(t("ui.knowledge.score", lang, score=f"{hit.score:.3f}"))
            st.text(hit.text[:800])

st.header(t("ui.knowledge.list_heading", lang), anchor=False)
documents = kb.documents(scopes)
if not documents:
    st.info(t("ui.knowledge.empty", lang))
confirm = st.session_state.get("kb_confirm")
for doc in documents:
    with st.container(border=True):
        st.markdown(f"**{doc.title}**")
        st.caption(
            t(
                "ui.knowledge.doc_line",
                lang,
                source=doc.source,
                chunks=doc.chunks,
                scope=scope_name(doc.scope, lang),
            )
        )
        if confirm == doc.doc_id:
            st.warning(t("ui.knowledge.confirm", lang, title=doc.title), icon="⚠️")
            yes, no = st.columns(2)
            if yes.button(
                t("ui.knowledge.remove_yes", lang), key=f"kb-yes-{doc.doc_id}", type="primary"
            ):
                kb.remove(doc.doc_id)
                st.session_state.pop("kb_confirm", None)
                st.rerun()
            if no.button(t("ui.knowledge.remove_no", lang), key=f"kb-no-{doc.doc_id}"):
                st.session_state.pop("kb_confirm", None)
                st.rerun()
        elif (who is None or may_change_knowledge(who, doc.scope)) and st.button(
            t("ui.knowledge.remove", lang, title=doc.title), key=f"kb-del-{doc.doc_id}"
        ):
            st.session_state.kb_confirm = doc.doc_id
            st.rerun()
if confirm:
    move_focus(f"css:.st-key-kb-yes-{confirm} button")
