"""Settings: language, theme, font size, model, "faster ↔ better" (model routing), Ollama
host (and the models found on it) and API keys (never shown)."""

from __future__ import annotations

import streamlit as st
from components.chrome import move_focus
from components.names import model_label, skill_name
from components.session import accounts_mode, is_admin, preferences, user_id

from support_system.accounts.api_keys import forget_key, save_key, stored_keys
from support_system.accounts.errors import PreferenceInvalid
from support_system.accounts.preferences import (
    FONT_SCALES,
    THEMES,
    apply_to_settings,
    effective_alpha,
    save_choices,
)
from support_system.ai import CLOUD_PROVIDERS, get_registry
from support_system.ai.discovery import DiscoveredModel, discovered_models
from support_system.ai.registry import Registry
from support_system.core.errors import SupportSystemError
from support_system.core.i18n import t
from support_system.core.languages import LANGUAGE_NAMES, LANGUAGES
from support_system.core.settings import get_settings
from support_system.speech import engine_status

lang: str = st.session_state.get("lang", get_settings().language)

st.title(t("ui.settings.title", lang), anchor=False)
notice = st.session_state.pop("settings_notice", None)
if notice:
    st.success(notice, icon="✅")

prefs = preferences()
# Pulled into the Ollama server but not in models.yaml: found by themselves (a server that
# does not answer costs 1.5 s and adds nothing; answers are cached, see ai/discovery.py),
# listed below and offered in the model box like the others.
file_registry = get_registry()
found_models = discovered_models(file_registry)
registry = Registry(models=[*file_registry.models, *(found.spec for found in found_models)])
models = registry.names()
with st.form("settings"):
    st.header(t("ui.settings.display_heading", lang), anchor=False)
    language = st.radio(
        t("app.language_label", lang),
        LANGUAGES,
        index=LANGUAGES.index(lang),
        format_func=lambda c: LANGUAGE_NAMES[c],
        horizontal=True,
    )
    theme = st.radio(
        t("ui.settings.theme", lang),
        THEMES,
        index=THEMES.index(prefs.theme),
        format_func=lambda v: t(f"ui.settings.themes.{v}", lang),
        horizontal=True,
    )
    scale = st.radio(
        t("ui.settings.font_size", lang),
        FONT_SCALES,
        index=FONT_SCALES.index(prefs.font_scale),
        format_func=lambda v: f"{v} %",
        horizontal=True,
    )
    voice_mode = st.checkbox(t("ui.settings.voice_mode", lang), value=prefs.voice_mode)
    st.caption(t("ui.settings.voice_mode_help", lang))
    st.header(t("ui.settings.model_heading", lang), anchor=False)
    current_model = prefs.model if prefs.model in models else get_settings().llm.default_model
    model = st.selectbox(
        t("ui.settings.model", lang),
        models,
        index=models.index(current_model) if current_model in models else 0,
        format_func=lambda name: model_label(registry.get(name), lang),
        placeholder=t("streamlit.select.placeholder", lang),
    )
    # Model routing's "faster ↔ better" weight; arrow keys move it by one step.
    routing_alpha = st.slider(
        t("ui.settings.alpha", lang),
        min_value=0.0,
        max_value=1.0,
        value=round(effective_alpha(prefs), 1),
        step=0.1,
        format="%.1f",
    )
    st.caption(t("ui.settings.alpha_help", lang, alpha=f"{get_settings().routing.alpha:.1f}"))
    shown_host = prefs.ollama_host or get_settings().llm.ollama_host
    # One host serves the whole app: with accounts, only an admin may change it.
    host_locked = accounts_mode() and not is_admin()
    host = st.text_input(t("ui.settings.ollama_host", lang), value=shown_host, disabled=host_locked)
    st.caption(t("ui.admin.host_admin_only" if host_locked else "ui.settings.ollama_help", lang))
    saved = st.form_submit_button(t("ui.settings.save", lang), type="primary")

error: str | None = None
if saved:
    try:
        new = save_choices(
            user_id(),
            prefs,
            language=language,
            theme=theme,
            font_scale=scale,
            voice_mode=voice_mode,
            model=model,
            ollama_host=host,
            routing_alpha=routing_alpha,
        )
        st.session_state.prefs = new
        st.session_state.lang = language
        apply_to_settings(new)
        st.session_state.settings_notice = t("ui.settings.saved", language)
        st.rerun()
    except PreferenceInvalid as exc:
        error = (
            t("ui.settings.invalid_host", lang, value=host.strip())
            if exc.field == "ollama_host"
            else exc.message(lang)
        )
        st.error(error, icon="⚠️")


def discovered_row(found: DiscoveredModel) -> str:
    unknown = t("ui.settings.discovered_unknown", lang)
    model = found.model
    return t(
        "ui.settings.discovered_row",
        lang,
        model=model.name,
        family=model.family or unknown,
        size=model.parameter_size or unknown,
        context=f"{model.context_length:,}" if model.context_length else unknown,
        skills=", ".join(skill_name(skill, lang) for skill in found.spec.skills),
    )


st.subheader(t("ui.settings.discovered_heading", lang), anchor=False)
ollama_host = get_settings().llm.ollama_host
if found_models:
    st.caption(t("ui.settings.discovered_help", lang, host=ollama_host))
    st.markdown("\n".join(f"- {discovered_row(found)}" for found in found_models))
else:
    st.caption(t("ui.settings.discovered_none", lang, host=ollama_host))

st.header(t("ui.settings.voice_heading", lang), anchor=False)
if not get_settings().speech.enabled:
    st.write(t("ui.settings.voice_off", lang))
else:
    lines = []
    for status in engine_status():
        key = f"ui.settings.voice_languages.{status.lang}"
        named = t(key, lang)
        language = named if named != key else status.lang  # a language added in settings
        direction = t(f"ui.settings.voice_{status.kind}", lang, language=language)
        state = (
            t("ui.settings.voice_ready", lang, engine=status.engine)
            if status.available
            else status.problem.message(lang)
            if status.problem
            else ""
        )
        lines.append(f"- {'✅' if status.available else '⚠️'} **{direction}**: {state}")
    st.markdown("\n".join(lines))

st.header(t("ui.settings.keys_heading", lang), anchor=False)
st.write(t("ui.settings.keys_text", lang))
keys = stored_keys(user_id())
for provider in CLOUD_PROVIDERS:
    info = keys.get(provider)
    with st.form(f"key-{provider}", clear_on_submit=True):
        name = t(f"ui.settings.providers.{provider}", lang)
        st.markdown(
            f"**{name}**: "
            + (
                t("ui.settings.key_set", lang, hint=info.key_hint)
                if info
                else t("ui.settings.key_unset", lang)
            )
        )
        value = st.text_input(t("ui.settings.key_label", lang, provider=name), type="password")
        save_clicked = st.form_submit_button(t("ui.settings.key_save", lang, provider=name))
        remove_clicked = bool(info) and st.form_submit_button(
            t("ui.settings.key_delete", lang, provider=name)
        )
    if save_clicked:
        try:
            save_key(user_id(), provider, value)
        except SupportSystemError as problem:
            error = problem.message(lang)
            st.error(error, icon="⚠️")
        else:
            st.session_state.settings_notice = t("ui.settings.key_saved", lang, provider=name)
            st.rerun()
    if remove_clicked:
        forget_key(user_id(), provider)
        st.session_state.settings_notice = t("ui.settings.key_deleted", lang, provider=name)
        st.rerun()

if error:
    move_focus("error")
