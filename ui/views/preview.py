"""Preview: live progress while the artifact is made, then the result and its checks.

A generated page is shown only in an opaque-origin frame (`st.iframe` with a `data:`
URL; DESIGN.md §4, pitfall 1): its scripts run, but cannot reach this app's document.
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st
from components.chrome import move_focus
from components.session import go, preferences, require_session
from components.voice import read_aloud_button

from support_system.accounts.preferences import effective_model
from support_system.core.errors import SupportSystemError
from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.generators.runs import (
    GenerationRun,
    QueuedRun,
    current_run,
    describe,
    forget_run,
    start_generation,
    was_interrupted,
)
from support_system.jobs import wizard, workspace
from support_system.jobs.changes import (
    MAX_REQUEST,
    MAX_SECTION_TEXT,
    describe_plan,
    request_change,
)
from support_system.jobs.definitions import LAYOUT_QUESTION
from support_system.jobs.tables import read_table
from support_system.jobs.versions import restore_version, versions
from support_system.publishing.preview import load_preview
from support_system.routing.service import describe as routing_line

lang: str = st.session_state.get("lang", get_settings().language)
st.title(t("ui.preview.title", lang), anchor=False)
session_id = require_session(lang)

state = wizard.resume(session_id)
job = state.job


def _make() -> None:
    prefs = preferences()
    start_generation(session_id, lang=lang, model=prefs.model, alpha=prefs.routing_alpha)
    st.rerun()


@st.fragment(run_every=1.0)
def _live(run: GenerationRun | QueuedRun) -> None:
    """Redrawn every second; the status line is a polite live region for screen readers."""
    lines = [describe(event, lang) for event in run.events()] or [t("ui.preview.starting", lang)]
    st.html(
        '<div role="status" aria-live="polite" class="ss-live">'
        f"<p>{html.escape(lines[-1])}</p></div>"
    )
    st.progress(
        min(len(lines) / (run.budget.attempts * 3 + 2), 1.0),
        text=t("ui.preview.elapsed", lang, seconds=int(run.seconds)),
    )
    with st.expander(t("ui.preview.steps", lang), expanded=True):
        st.markdown("\n".join(f"1. {line}" for line in lines))
    text = run.text()
    if text and not run.done:
        with st.expander(t("ui.preview.model_text", lang), expanded=False):
            st.code(text[-2000:], language=None, wrap_lines=True)
    if run.cancelled:
        st.info(t("ui.preview.cancelling", lang))
    elif st.button(t("ui.preview.cancel", lang), key="cancel"):
        run.cancel()
        st.rerun(scope="fragment")
    if run.done:
        st.rerun(scope="app")


run = current_run(session_id)
if run is not None and not run.done:
    st.write(t("ui.preview.working", lang, job=job.title.get(lang)))
    _live(run)
    st.stop()

if run is not None:
    if run.error is not None:
        st.error(run.error.message(lang))
    elif run.result is not None and run.result.cancelled:
        st.info(t("ui.preview.cancelled", lang))
    forget_run(session_id)

elif was_interrupted(session_id):
    st.warning(t("ui.preview.interrupted", lang), icon="⚠️")

artifact = workspace.latest_artifact(session_id)
if artifact is None:
    st.info(t("ui.preview.nothing_yet", lang))
    if st.button(t("ui.edit.make", lang), type="primary", disabled=not state.finished):
        _make()
    st.stop()

try:
    preview = load_preview(artifact.path)
except (OSError, ValueError, KeyError) as exc:
    st.error(t("ui.preview.unreadable", lang, detail=str(exc)))
    st.stop()

checks = [*preview.checks, *([preview.run] if preview.run else [])]
total_passed = sum(1 for c in checks if c.get("passed"))
summary = t("checks.summary", lang, passed=total_passed, total=len(checks))
st.header(t("ui.preview.result_heading", lang, version=artifact.version), anchor=False)
if preview.ok:
    st.success(f"{t('ui.preview.ok', lang)} {summary}", icon="✅")
else:
    st.warning(f"{t('ui.preview.not_ok', lang)} {summary}", icon="⚠️")
if preview.explanation:
    st.info(preview.explanation, icon="ℹ️")
if get_settings().speech.enabled:
    spoken = [
        t("ui.preview.ok" if preview.ok else "ui.preview.not_ok", lang),
        summary,
        preview.explanation or "",
    ]
    read_aloud_button(
        " ".join(p for p in spoken if p), lang, key="preview-read", label_key="ui.voice.read_result"
    )
if preview.sources:
    st.caption(t("ui.preview.sources", lang, sources=", ".join(preview.sources)))
if preview.routing:
    st.caption(routing_line(preview.routing, lang))


def _check_line(check: dict) -> str:
    mark = (
        "✅ " + t("ui.preview.passed", lang)
        if check.get("passed")
        else "❌ " + t("ui.preview.failed", lang)
    )
    return f"- {mark}: {t('checks.' + str(check.get('name')) + '.label', lang)}"


st.markdown("\n".join(_check_line(c) for c in checks))

url = preview.data_url()
if url is not None:
    st.header(t("ui.preview.page_heading", lang), anchor=False)
    st.caption(t("ui.preview.frame_note", lang))
    st.iframe(url, height=640, alt=t("ui.preview.frame_title", lang, job=job.title.get(lang)))
else:
    st.header(t("ui.preview.output_heading", lang), anchor=False)
    if preview.run and preview.run.get("messages"):
        st.code("\n".join(preview.run["messages"])[:4000], language=None)
    for path in preview.outputs[:6]:
        st.markdown(f"**{path.name}**")
        suffix = path.suffix.lower()
        try:
            if suffix == ".csv":
                st.table(read_table(path).head(30))
            elif suffix in (".png", ".jpg", ".jpeg"):
                st.image(str(path), caption=path.name)
            elif suffix in (".txt", ".md"):
                st.text(path.read_text(encoding="utf-8", errors="replace")[:3000])
        except (OSError, SupportSystemError, pd.errors.ParserError):
            st.caption(t("ui.preview.output_unreadable", lang))


MAX_VERSIONS_SHOWN = 10  # older versions stay on disk, just not listed


def _change(request: str, section_text: str | None = None) -> None:
    """Plan and save one change request; make the next version when something changed."""
    try:
        plan = request_change(
            session_id,
            request,
            lang,
            section_text=section_text,
            model=effective_model(preferences()),
        )
    except SupportSystemError as error:  # e.g. a restated answer the wizard cannot take
        st.session_state["change_notice"] = ("warning", [error.message(lang)])
        st.rerun()
    if plan.needs_text is not None:
        st.session_state["change_pending"] = (request, plan.needs_text)
        st.rerun()
    st.session_state.pop("change_pending", None)
    if plan.edit_instead is not None:
        st.session_state["change_notice"] = ("edit", [plan.edit_instead])
        st.rerun()
    if plan.is_empty:
        st.session_state["change_notice"] = ("warning", [t("changes.nothing", lang)])
        st.rerun()
    lines = [t("changes.made", lang), *(f"- {line}" for line in describe_plan(job, plan, lang))]
    if plan.model_error is not None:
        lines.append(t("changes.model_down", lang))
    st.session_state["change_notice"] = ("info", lines)
    _make()


def _change_form() -> None:
    """A change in the person's words ("friendlier", "add a section about parking")."""
    st.header(t("changes.heading", lang), anchor=False)
    notice = st.session_state.get("change_notice")
    if notice is not None and notice[0] == "edit":  # kept until the button is used
        question = job.question(notice[1])
        st.warning(t("changes.edit_list", lang, question=question.label.get(lang)))
        if st.button(t("changes.edit_button", lang, question=question.label.get(lang))):
            st.session_state.pop("change_notice", None)
            wizard.go_to(session_id, question.id)
            go("questions")
    elif notice is not None:
        st.session_state.pop("change_notice", None)
        kind, lines = notice
        (st.info if kind == "info" else st.warning)("\n".join(lines))
    pending = st.session_state.get("change_pending")
    if pending is not None:
        request, heading = pending
        with st.form("section-form", enter_to_submit=False, border=False):
            text = st.text_area(
                t("changes.section_field", lang, heading=heading),
                help=t("changes.section_help", lang),
                max_chars=MAX_SECTION_TEXT,
            )
            add = st.form_submit_button(t("changes.section_submit", lang), type="primary")
        if st.button(t("changes.section_cancel", lang), key="section-cancel"):
            st.session_state.pop("change_pending", None)
            st.rerun()
        if add:
            if text.strip():
                _change(request, text)
            else:
                st.warning(t("changes.empty", lang))
        return
    with st.form("change-form", enter_to_submit=True, border=False):
        request = st.text_input(
            t("changes.field", lang), help=t("changes.help", lang), max_chars=MAX_REQUEST
        )
        asked = st.form_submit_button(t("changes.submit", lang))
    if asked:
        if request.strip():
            _change(request)
        else:
            st.warning(t("changes.empty", lang))


def _restore(version: int) -> None:
    try:
        restored = restore_version(session_id, version)
    except SupportSystemError as error:
        st.error(error.message(lang))
        return
    st.session_state["change_notice"] = (
        "info",
        [t("changes.restored", lang, version=version, new=restored.version)],
    )
    st.rerun()


def _versions() -> None:
    """Every version, newest first, each one can be brought back (nothing is deleted)."""
    found = versions(session_id)
    if len(found) < 2:
        return
    st.header(t("changes.versions_heading", lang), anchor=False)
    previous = found[1]
    if previous.restorable and st.button(t("changes.undo", lang), key="undo"):
        _restore(previous.version)
    for number, info in enumerate(found[:MAX_VERSIONS_SHOWN]):
        status = t("changes.version_ok" if info.checks_passed else "changes.version_not_ok", lang)
        parts = [
            t(
                "changes.version_line",
                lang,
                version=info.version,
                when=info.created_at.strftime("%Y-%m-%d %H:%M"),
                status=status,
            )
        ]
        if info.restored_from is not None:
            parts.append(t("changes.version_restored", lang, version=info.restored_from))
        if info.change:
            parts.append(t("changes.version_change", lang, change=info.change))
        cols = st.columns([3, 1])
        cols[0].markdown(
            " · ".join(parts) + (f" {t('changes.current', lang)}" if number == 0 else "")
        )
        if number > 0 and info.restorable:
            with cols[1]:
                if st.button(
                    t("changes.restore", lang, version=info.version), key=f"restore-{info.version}"
                ):
                    _restore(info.version)


st.header(t("ui.preview.changes_heading", lang), anchor=False)
layout = next((q for q in job.questions if q.id == LAYOUT_QUESTION), None)
cols = st.columns(3)
if layout is not None:
    current = state.answers.get(LAYOUT_QUESTION) or layout.default_for(lang)
    for i, choice in enumerate(c for c in layout.choices if c.value != current):
        with cols[i]:
            if st.button(
                t("ui.preview.try_layout", lang, layout=choice.label.get(lang)),
                key=f"layout-{choice.value}",
            ):
                wizard.answer(session_id, LAYOUT_QUESTION, choice.value, lang)
                _make()
with cols[2]:
    if st.button(t("ui.preview.again", lang), key="again"):
        _make()

_change_form()
_versions()

st.divider()
nav = st.columns(2)
with nav[0]:
    if st.button(t("ui.preview.to_publish", lang), type="primary", key="to-publish"):
        go("publish")
with nav[1]:
    if st.button(t("ui.preview.to_edit", lang), key="to-edit"):
        go("edit")
move_focus("heading")
