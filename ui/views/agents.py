"""Agent editor: see the built-in agents, and make, change or delete your own.

The form is checked exactly like an agent file (`definitions.parse_agent`), so the rules
and their translated reasons are the same as for a file written by hand; the file and
its index row are written by `agents.library`.
"""

from __future__ import annotations

import streamlit as st
from components.chrome import move_focus
from components.names import model_label, role_name, skill_name
from components.session import user_id

from support_system.agents.definitions import TONES, agent_from_form
from support_system.agents.errors import AgentFileError
from support_system.agents.library import (
    StoredAgent,
    create_agent,
    delete_agent,
    form_choices,
    list_agents,
    update_agent,
)
from support_system.ai import get_registry
from support_system.core.errors import SupportSystemError
from support_system.core.i18n import t
from support_system.core.languages import LANGUAGES
from support_system.core.settings import get_settings

lang: str = st.session_state.get("lang", get_settings().language)
LANGUAGE_CHOICES = ["auto", *LANGUAGES]
# Where a checked field's problem is shown: the form's label for the field the file names.
FIELD_LABELS = {
    "name": "name",
    "display_name.ja": "display_name_ja",
    "display_name.en": "display_name_en",
    "description.ja": "description_ja",
    "description.en": "description_en",
    "gender": "gender",
    "background": "background",
    "personalities": "personalities",
    "roles": "roles",
    "tones": "tones",
    "skills": "skills",
    "preferred_model": "preferred_model",
    "language": "language",
    "instructions": "persona",
}


def _words(items: list[str], key: str | None = None) -> str:
    shown = [t(f"{key}.{item}", lang) for item in items] if key else items
    return ", ".join(shown) or t("ui.agents.none", lang)


def _card(agent: StoredAgent) -> None:
    d = agent.definition
    st.subheader(f"{d.display_name.get(lang)} ({d.name})", anchor=False)
    st.write(d.description.get(lang))
    st.caption(
        t(
            "ui.agents.card_line",
            lang,
            tones=_words(d.tones, "ui.agents.tone_names"),
            skills=_words([skill_name(skill, lang) for skill in d.skills]),
        )
    )


def _start_edit(name: str | None) -> None:
    st.session_state.agent_editing = name
    st.session_state.agent_form_version = st.session_state.get("agent_form_version", 0) + 1
    st.session_state.agent_focus = "css:.st-key-agent-form input"


def _ask_delete(name: str) -> None:
    st.session_state.agent_confirm = name
    st.session_state.agent_focus = f"css:.st-key-agent-yes-{name} button"


st.title(t("ui.agents.title", lang), anchor=False)
st.write(t("ui.agents.intro", lang))
notice = st.session_state.pop("agent_notice", None)
if notice:
    st.success(notice, icon="✅")

uid = user_id()
everyone = list_agents(uid)
system = [a for a in everyone if a.is_system]
own = {a.name: a for a in everyone if not a.is_system}
focus: str | None = st.session_state.pop("agent_focus", None)

st.header(t("ui.agents.yours_heading", lang), anchor=False)
if not own:
    st.info(t("ui.agents.none_yet", lang))
confirm = st.session_state.get("agent_confirm")
for agent in own.values():
    with st.container(border=True):
        _card(agent)
        label = agent.definition.display_name.get(lang)
        if confirm == agent.name:
            st.warning(t("ui.agents.confirm", lang, agent=label), icon="⚠️")
            yes, no = st.columns(2)
            if yes.button(
                t("ui.agents.delete_yes", lang), key=f"agent-yes-{agent.name}", type="primary"
            ):
                delete_agent(uid, agent.name)
                st.session_state.pop("agent_confirm", None)
                if st.session_state.get("agent_editing") == agent.name:
                    _start_edit(None)
                st.session_state.agent_notice = t("ui.agents.deleted", lang, agent=label)
                st.session_state.agent_focus = "heading"
                st.rerun()
            if no.button(t("ui.agents.delete_no", lang), key=f"agent-no-{agent.name}"):
                st.session_state.pop("agent_confirm", None)
                st.session_state.agent_focus = f"css:.st-key-agent-del-{agent.name} button"
                st.rerun()
        else:
            edit_col, delete_col = st.columns(2)
            edit_col.button(
                t("ui.agents.edit", lang, agent=label),
                key=f"agent-edit-{agent.name}",
                on_click=_start_edit,
                args=(agent.name,),
            )
            delete_col.button(
                t("ui.agents.delete", lang, agent=label),
                key=f"agent-del-{agent.name}",
                on_click=_ask_delete,
                args=(agent.name,),
            )

editing = st.session_state.get("agent_editing")
if editing not in own:
    editing = st.session_state.agent_editing = None
current = own[editing].definition if editing else None
heading = (
    t("ui.agents.edit_heading", lang, agent=current.display_name.get(lang))
    if current
    else t("ui.agents.new_heading", lang)
)
st.header(heading, anchor=False)
if current:
    st.button(
        t("ui.agents.cancel_edit", lang), key="agent-cancel", on_click=_start_edit, args=(None,)
    )
error_slot = st.empty()  # a problem is shown right above the form

roles, skills = form_choices(everyone)
registry = get_registry()
models = ["", *registry.names()]
version = st.session_state.get("agent_form_version", 0)
with st.container(key="agent-form"), st.form(f"agent-form-{version}"):
    values = {
        "name": st.text_input(
            t("ui.agents.name", lang),
            value=current.name if current else "",
            help=t("ui.agents.name_help", lang),
        ),
        "display_name_ja": st.text_input(
            t("ui.agents.display_name_ja", lang), value=current.display_name.ja if current else ""
        ),
        "display_name_en": st.text_input(
            t("ui.agents.display_name_en", lang), value=current.display_name.en if current else ""
        ),
        "description_ja": st.text_area(
            t("ui.agents.description_ja", lang),
            value=current.description.ja if current else "",
            height=80,
        ),
        "description_en": st.text_area(
            t("ui.agents.description_en", lang),
            value=current.description.en if current else "",
            height=80,
        ),
        "gender": st.text_input(
            t("ui.agents.gender", lang), value=current.gender if current else ""
        ),
        "background": st.text_area(
            t("ui.agents.background", lang), value=current.background if current else "", height=80
        ),
        "personalities": st.text_input(
            t("ui.agents.personalities", lang),
            value=", ".join(current.personalities) if current else "",
        ),
        "roles": st.multiselect(
            t("ui.agents.roles", lang),
            roles,
            accept_new_options=True,
            default=current.roles if current else ["default"],
            format_func=lambda role: role_name(role, lang),
            placeholder=t("streamlit.select.placeholder_add", lang),
        ),
        "tones": st.multiselect(
            t("ui.agents.tones", lang),
            list(TONES),
            default=current.tones if current else [],
            format_func=lambda tone: t(f"ui.agents.tone_names.{tone}", lang),
            placeholder=t("streamlit.select.placeholder_many", lang),
        ),
        "skills": st.multiselect(
            t("ui.agents.skills", lang),
            skills,
            accept_new_options=True,
            default=current.skills if current else [],
            format_func=lambda skill: skill_name(skill, lang),
            placeholder=t("streamlit.select.placeholder_add", lang),
        ),
        "preferred_model": st.selectbox(
            t("ui.agents.preferred_model", lang),
            models,
            index=models.index(current.preferred_model)
            if current and current.preferred_model in models
            else 0,
            format_func=lambda name: (
                model_label(registry.get(name), lang)
                if name
                else t("ui.agents.default_model", lang)
            ),
            placeholder=t("streamlit.select.placeholder", lang),
        ),
        "language": st.radio(
            t("ui.agents.language", lang),
            LANGUAGE_CHOICES,
            horizontal=True,
            index=LANGUAGE_CHOICES.index(current.language or "auto") if current else 0,
            format_func=lambda code: t(f"ui.agents.languages.{code}", lang),
        ),
        "persona": st.text_area(
            t("ui.agents.persona", lang), value=current.instructions if current else "", height=120
        ),
    }
    saved = st.form_submit_button(
        t("ui.agents.save_edit" if current else "ui.agents.save_new", lang), type="primary"
    )

if saved:
    problem: str | None = None
    try:
        agent = agent_from_form(values)
        stored = update_agent(uid, editing, agent) if editing else create_agent(uid, agent)
    except AgentFileError as error:
        field = (
            t(f"ui.agents.{FIELD_LABELS[error.field]}", lang)
            if error.field in FIELD_LABELS
            else error.field
        )
        problem = t("ui.agents.invalid", lang, field=field, reason=error.reason_text(lang))
    except SupportSystemError as error:
        problem = error.message(lang)
    if problem:
        error_slot.error(problem, icon="⚠️")
        focus = "error"
    else:
        label = stored.definition.display_name.get(lang)
        st.session_state.agent_notice = t(
            "ui.agents.updated" if editing else "ui.agents.created", lang, agent=label
        )
        _start_edit(None)
        st.session_state.agent_focus = f"css:.st-key-agent-edit-{stored.name} button"
        st.rerun()

st.header(t("ui.agents.system_heading", lang), anchor=False)
st.caption(t("ui.agents.system_note", lang))
for agent in system:
    with st.container(border=True):
        _card(agent)

if focus:
    move_focus(focus)
elif st.session_state.get("_arrived"):
    move_focus("heading")
