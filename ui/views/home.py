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
from support_system.intake.routes import (
    CUSTOM_PAGE,
    CUSTOM_PROGRAM,
    DATA_QUESTION,
    DECLINED,
    NOT_POSSIBLE,
)
from support_system.jobs import wizard
from support_system.jobs.catalogue import get_job
from support_system.jobs.data_files import TABLE_TYPES, save_table

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


def _job_card(job_id: str, request: str) -> None:
    """A job with its Start button: a new project, with what the request says filled in."""
    job = get_job(job_id)
    with st.container(border=True):
        st.markdown(f"{job.icon} **{job.title.get(lang)}**  \n{job.description.get(lang)}")
        if st.button(t("ui.jobs.start", lang, job=job.title.get(lang)), key=f"suggest-{job.id}"):
            # Imported on use: understanding needs numpy and e5 (see the chat below).
            from support_system.intake import start_job

            try:
                with st.spinner(t("intake.home.filling", lang)):
                    started = start_job(user_id(), job.id, request, lang)
            except SupportSystemError as error:
                st.error(error.message(lang), icon="⚠️")
            else:
                open_session(started.session_id)
                go("questions")


# The request is understood (support_system.intake): a catalogue job, a made-to-measure
# page or program, a question about a table, something this cannot make, or a refusal.
# A table attached, with a question about it or no words at all, leads to "Ask your
# data" at once (the file and the words carried over); otherwise it is offered.
upload_error: str | None = None
if asked:
    saved: list[str] = []
    try:
        saved = [str(save_table(user_id(), f.name, f.getvalue())) for f in attached or []]
    except SupportSystemError as error:
        upload_error = error.message(lang)
    request = want.strip()
    if saved and not request:
        _to_ask_data("", saved, ask_now=False)
    from support_system.intake import understand

    with st.spinner(t("intake.home.thinking", lang)):
        understood = understand(request, lang, has_files=bool(saved), user_id=user_id())
    about_data = understood.route == DATA_QUESTION
    if saved and about_data:
        _to_ask_data(request, saved, ask_now=True)
    st.session_state.home_understood = understood
    st.session_state.home_ask_offer = (
        {"question": request, "files": saved} if saved or about_data else None
    )
if upload_error:
    st.error(upload_error, icon="⚠️")
understood = st.session_state.get("home_understood")
offer = st.session_state.get("home_ask_offer")
if understood is not None:
    if understood.job_id:
        st.markdown(f"**{t('intake.home.understood', lang)}**")
        _job_card(understood.job_id, understood.request)
        st.caption(understood.reason.get(lang))
    elif understood.route == CUSTOM_PAGE:
        st.info(f"{understood.reason.get(lang)}\n\n{t('intake.home.custom_page', lang)}")
        if st.button(t("intake.home.plan_page", lang), key="suggest-custom", type="primary"):
            from support_system.jobs.page_planner import start_custom_page  # asks a model

            try:
                with st.spinner(t("intake.home.planning", lang)):
                    _, session_id = start_custom_page(understood.request, lang, user_id())
            except SupportSystemError as error:
                st.error(error.message(lang), icon="⚠️")
            else:
                open_session(session_id)
                go("questions")
    elif understood.route == CUSTOM_PROGRAM:
        st.info(f"{understood.reason.get(lang)}\n\n{t('intake.home.custom_program', lang)}")
        if st.button(t("intake.home.make_program", lang), key="suggest-program", type="primary"):
            from support_system.jobs.program_planner import start_custom_program  # asks a model

            try:
                with st.spinner(t("intake.home.planning_program", lang)):
                    _, session_id = start_custom_program(understood.request, lang, user_id())
            except SupportSystemError as error:
                st.error(error.message(lang), icon="⚠️")
            else:
                open_session(session_id)
                go("questions")
    elif understood.route == NOT_POSSIBLE:
        kinds = "\n".join(
            f"- {t(f'intake.home.kind_{kind}', lang)}" for kind in ("webpage", "program", "data")
        )
        st.info(f"{understood.reason.get(lang)}\n\n{t('intake.home.can_make', lang)}\n\n{kinds}")
    elif understood.route == DECLINED:
        st.info(understood.reason.get(lang))
    elif not offer:  # a data question: the offer below says it
        st.write(understood.reason.get(lang))
    if understood.model:
        spec = get_registry().get(understood.model)
        st.caption(t("intake.home.asked_model", lang, model=model_label(spec, lang)))
if offer:
    with st.container(border=True):
        names = "、".join(Path(path).name for path in offer["files"])
        st.markdown(
            f"📊 **{t('ask.title', lang)}**  \n"
            + (t("ask.home.offer_files", lang, files=names) if names else t("ask.home.offer", lang))
        )
        if st.button(t("ask.home.offer_button", lang), key="suggest-ask"):
            _to_ask_data(offer["question"], offer["files"], ask_now=False)
if understood is not None and understood.closest_jobs:
    custom = understood.route in (CUSTOM_PAGE, CUSTOM_PROGRAM)
    st.markdown(f"**{t('intake.home.closest' if custom else 'intake.home.also', lang)}**")
    for job_id in understood.closest_jobs:
        _job_card(job_id, understood.request)
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
    # The first thing to do next: the job to start, the page to plan, the data offer, or
    # else the explanation (what cannot be made, a refusal).
    job_button = understood.job_id if understood is not None else None
    if understood is not None and understood.route == CUSTOM_PAGE:
        job_button = "custom"
    elif understood is not None and understood.route == CUSTOM_PROGRAM:
        job_button = "program"
    move_focus(
        "error"
        if upload_error
        else f"css:.st-key-suggest-{job_button} button"
        if job_button
        else "css:.st-key-suggest-ask button"
        if offer
        else "css:[data-testid='stAlert']"
    )
elif st.session_state.get("_voice_heard", {}).get("chat"):
    move_focus(f"css:.st-key-chat-use-{st.session_state.get('_mic-version-chat', 0)} button")
elif not sent:
    move_focus("css:.st-key-want input")
