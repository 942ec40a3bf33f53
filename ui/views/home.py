"""Home: say what you want to make, continue where you left off, and the model status."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from components.chrome import move_focus
from components.names import model_label
from components.session import go, open_session, preferences, user_id
from components.voice import forget_recording, read_aloud_button, speak_stream, voice_input

from support_system.ai import get_registry, model_status
from support_system.core.errors import SupportSystemError
from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.jobs import wizard, workspace
from support_system.jobs.data_files import TABLE_TYPES, save_table, sounds_like_data_question
from support_system.jobs.suggest import suggest_jobs

lang: str = st.session_state.get("lang", get_settings().language)

st.title(t("app.title", lang), anchor=False)
st.write(t("app.tagline", lang))

latest = wizard.latest_unfinished(user_id())
if latest is not None:
    st.header(t("ui.home.continue_heading", lang), anchor=False)
    st.write(
        t(
            "ui.home.continue_text",
            lang,
            job=latest.job.title.get(lang),
            answered=latest.answered,
            total=latest.total,
        )
    )
    if st.button(
        t("ui.home.continue_button", lang, job=latest.job.title.get(lang)), type="primary"
    ):
        open_session(latest.session_id)
        go("questions")

st.header(t("ui.home.want_heading", lang), anchor=False)
with st.form("want-form", enter_to_submit=True, border=False):
    with st.container(key="want"):  # the field alone: focus and tests find it by this key
        want = st.text_input(
            t("ui.home.want_label", lang), placeholder=t("ui.home.want_placeholder", lang)
        )
    attached = st.file_uploader(
        t("ask.home.attach_label", lang),
        type=[kind.lstrip(".") for kind in TABLE_TYPES],
        accept_multiple_files=True,
        key="want-files",
        help=t("ask.home.attach_help", lang),
    )
    asked = st.form_submit_button(t("ui.home.want_button", lang))


def _to_ask_data(question: str, files: list[str], *, ask_now: bool) -> None:
    """Open "Ask your data" with the files in use and the question in its field."""
    in_use = st.session_state.setdefault("ask_files", [])
    in_use += [path for path in files if path not in in_use]
    st.session_state.ask_carry_question = question
    st.session_state.ask_carry_ask = ask_now
    go("ask_data")


# A table attached, or a request that reads like a question about one, leads to "Ask
# your data" (the file and the words carried over): at once when both are there,
# otherwise offered beside the jobs that fit.
upload_error: str | None = None
if asked:
    saved: list[str] = []
    try:
        saved = [str(save_table(user_id(), f.name, f.getvalue())) for f in attached or []]
    except SupportSystemError as error:
        upload_error = error.message(lang)
    about_data = sounds_like_data_question(want)
    if saved and (about_data or not want.strip()):
        _to_ask_data(want.strip(), saved, ask_now=about_data)
    st.session_state.home_suggestions = [s.job.id for s in suggest_jobs(want)]
    st.session_state.home_ask_offer = (
        {"question": want.strip(), "files": saved} if saved or about_data else None
    )
if upload_error:
    st.error(upload_error, icon="⚠️")
suggested = st.session_state.get("home_suggestions")
offer = st.session_state.get("home_ask_offer")
if suggested is not None:
    if not suggested and not offer:
        st.info(t("ui.home.no_match", lang))
    elif suggested:
        st.markdown(f"**{t('ui.home.suggestions', lang)}**")
        from support_system.jobs.catalogue import get_job

        for job_id in suggested:
            job = get_job(job_id)
            with st.container(border=True):
                st.markdown(f"{job.icon} **{job.title.get(lang)}**  \n{job.description.get(lang)}")
                if st.button(
                    t("ui.jobs.start", lang, job=job.title.get(lang)), key=f"suggest-{job.id}"
                ):
                    _, session_id = workspace.create_project(user_id(), job.id, lang)
                    open_session(session_id)
                    go("questions")
if offer:
    with st.container(border=True):
        names = "、".join(Path(path).name for path in offer["files"])
        st.markdown(
            f"📊 **{t('ask.title', lang)}**  \n"
            + (t("ask.home.offer_files", lang, files=names) if names else t("ask.home.offer", lang))
        )
        if st.button(t("ask.home.offer_button", lang), key="suggest-ask"):
            _to_ask_data(offer["question"], offer["files"], ask_now=False)
st.page_link("views/jobs.py", label=t("ui.home.all_jobs", lang), icon="🧰")


st.header(t("home.model_heading", lang), anchor=False)
try:
    spec = get_registry().get(get_settings().llm.default_model)
    status = model_status(spec)
    st.markdown(
        f"**{t('home.model_name', lang)}:** {model_label(spec, lang)}  \n"
        f"**{t('home.model_status', lang)}:** {status.message(lang)}"
    )
    if not status.ok:
        st.error(f"{status.detail}\n\n{status.fix(lang)}")
except SupportSystemError as error:
    st.error(error.message(lang))

st.header(t("home.chat_heading", lang), anchor=False)
voice_on = get_settings().speech.enabled
voice_mode = voice_on and preferences().voice_mode
for number, (sender, content) in enumerate(st.session_state.get("chat_log", [])):
    with st.chat_message("user" if sender == "user" else "assistant"):
        st.markdown(content)
        if voice_on and sender != "user":
            read_aloud_button(
                content, lang, key=f"chat-read-{number}", label_key="ui.voice.read_reply"
            )

use_kb = st.checkbox(t("ui.home.use_knowledge", lang), key="use_kb")  # outside: the form clears
with st.form("quick_chat", clear_on_submit=True, enter_to_submit=True):
    text = st.text_input(t("home.chat_label", lang), placeholder=t("home.chat_placeholder", lang))
    sent = st.form_submit_button(t("home.send", lang))
if voice_on:  # a spoken question, sent once the person confirms the transcript
    _, spoken = voice_input(
        lang, "chat", label_key="ui.voice.record_chat", use_key="ui.voice.use_chat"
    )
    if spoken:
        forget_recording("chat")
        text, sent = spoken, True

if sent and text.strip():
    log = st.session_state.setdefault("chat_log", [])
    log.append(("user", text))
    with st.chat_message("user"):
        st.markdown(text)
    with st.chat_message("assistant"):
        # Imported on the first message: the LLM layer (LangChain) takes about two seconds
        # to import, and the first page a person sees must not wait for it.
        from support_system.agents.quick_chat import quick_chat

        try:
            reply = quick_chat(
                text,
                language=lang,
                conversation_id=st.session_state.get("conversation_id"),
                knowledge=use_kb,
                user_id=user_id(),
            )
            st.session_state.conversation_id = reply.conversation_id
            answer = st.write_stream(speak_stream(reply, lang) if voice_mode else reply)
            log.append(("assistant", str(answer)))
            if reply.result is not None:
                st.caption(
                    t(
                        "home.answered_by",
                        lang,
                        model=reply.result.model,
                        seconds=f"{reply.result.latency_ms / 1000:.1f}",
                    )
                )
        except SupportSystemError as error:
            st.error(error.message(lang))

if asked:
    move_focus(
        "error"
        if upload_error
        else f"css:.st-key-suggest-{suggested[0]} button"
        if suggested
        else "css:.st-key-suggest-ask button"
        if offer
        else "css:[data-testid='stAlert']"
    )
elif st.session_state.get("_voice_heard", {}).get("chat"):
    move_focus(f"css:.st-key-chat-use-{st.session_state.get('_mic-version-chat', 0)} button")
elif not sent:
    move_focus("css:.st-key-want input")
