"""Edit: the answers as a plain-language description and checklist; change any, then make it."""

from __future__ import annotations

import streamlit as st
from components.chrome import move_focus
from components.session import go, preferences, require_session

from support_system.accounts.preferences import effective_alpha
from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.generators.runs import start_generation
from support_system.jobs import wizard
from support_system.jobs.spec import checklist, spec_lines

lang: str = st.session_state.get("lang", get_settings().language)
st.title(t("ui.edit.title", lang), anchor=False)
session_id = require_session(lang)

state = wizard.resume(session_id)
job = state.job
st.write(t("ui.edit.intro", lang, job=job.title.get(lang)))

st.header(t("ui.edit.spec_heading", lang), anchor=False)
for line in spec_lines(job, state.answers, lang):
    with st.container(border=True):
        mark = f" _({t('ui.edit.default_mark', lang)})_" if line.uses_default else ""
        st.markdown(f"**{line.label}**{mark}")
        st.text(line.text)
        if st.button(
            t("ui.edit.change", lang, question=line.label), key=f"change-{line.question_id}"
        ):
            wizard.go_to(session_id, line.question_id)
            go("questions")

st.header(t("ui.edit.checklist_heading", lang), anchor=False)
items = checklist(job, state.answers, lang)
ready = items[0].done
st.markdown(
    "\n".join(
        f"- {'✅' if item.done else '⬜'} {t('ui.edit.' + item.state, lang)}: {item.text}"
        for item in items
    )
)

if not state.finished:
    st.warning(t("ui.edit.unfinished", lang, answered=state.answered, total=state.total))
    if st.button(t("ui.edit.back_to_questions", lang), type="primary"):
        go("questions")
else:
    prefs = preferences()
    if st.button(t("ui.edit.make", lang), type="primary", disabled=not ready, key="make"):
        # This request's "faster ↔ better" (advanced options below), else the person's.
        alpha = st.session_state.get("edit-alpha", prefs.routing_alpha)
        start_generation(session_id, lang=lang, model=prefs.model, alpha=alpha)
        go("preview")
    with st.expander(t("ui.edit.advanced", lang)):
        st.slider(
            t("ui.settings.alpha", lang),
            min_value=0.0,
            max_value=1.0,
            step=0.1,
            value=float(effective_alpha(prefs)),
            key="edit-alpha",
            help=t("ui.edit.alpha_help", lang),
        )
        if prefs.model:
            st.caption(t("ui.edit.alpha_unused", lang, model=prefs.model))
    move_focus("css:.st-key-make button")
