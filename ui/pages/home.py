"""Home: which model is in use and whether it works, plus a one-box chat."""

from __future__ import annotations

import streamlit as st

from support_system.agents.quick_chat import quick_chat
from support_system.ai import get_registry, model_status
from support_system.core.errors import SupportSystemError
from support_system.core.i18n import t
from support_system.core.settings import get_settings

lang: str = st.session_state.get("lang", get_settings().language)

st.title(t("app.title", lang), anchor=False)
st.write(t("app.tagline", lang))

st.subheader(t("home.model_heading", lang), anchor=False)
try:
    spec = get_registry().get(get_settings().llm.default_model)
    status = model_status(spec)
    st.markdown(f"**{t('home.model_name', lang)}:** {spec.label}  \n"
                f"**{t('home.model_status', lang)}:** {status.message(lang)}")
    if not status.ok:
        st.error(f"{status.detail}\n\n{status.fix(lang)}")
except SupportSystemError as error:
    st.error(error.message(lang))

st.subheader(t("home.chat_heading", lang), anchor=False)
for sender, content in st.session_state.get("chat_log", []):
    with st.chat_message("user" if sender == "user" else "assistant"):
        st.markdown(content)

with st.form("quick_chat", clear_on_submit=True, enter_to_submit=True):
    text = st.text_input(t("home.chat_label", lang), placeholder=t("home.chat_placeholder", lang))
    sent = st.form_submit_button(t("home.send", lang))

if sent and text.strip():
    log = st.session_state.setdefault("chat_log", [])
    log.append(("user", text))
    with st.chat_message("user"):
        st.markdown(text)
    with st.chat_message("assistant"):
        try:
            reply = quick_chat(text, language=lang, conversation_id=st.session_state.get("conversation_id"))
            st.session_state.conversation_id = reply.conversation_id
            answer = st.write_stream(reply)
            log.append(("assistant", str(answer)))
            if reply.result is not None:
                st.caption(t("home.answered_by", lang, model=reply.result.model,
                             seconds=f"{reply.result.latency_ms / 1000:.1f}"))
        except SupportSystemError as error:
            st.error(error.message(lang))
