"""Chat room: pick an assistant by its persona card, talk with it, continue later, and
hand what was said over to the wizard.

The conversation lives in the database (`agents.dialog`): the page only keeps which one
is open. Messages are shown in a container marked as a polite live region
(`role="log"`, patched below), so screen readers announce new replies; it is marked
busy while a reply streams, so the finished reply is read once, not word by word.
"""

from __future__ import annotations

import json

import streamlit as st
from components.chrome import move_focus
from components.names import skill_name
from components.session import go, open_session, preferences, principal, user_id
from components.voice import forget_recording, read_aloud_button, speak_stream, voice_input

from support_system.accounts.access import may_open_conversation
from support_system.agents.dialog import chat, conversations, history
from support_system.agents.handover import handover, jobs_for_handover
from support_system.agents.library import StoredAgent, list_agents
from support_system.core.errors import SupportSystemError
from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.routing.service import describe as routing_line

lang: str = st.session_state.get("lang", get_settings().language)
MAX_TOKENS = 256  # replies of a few paragraphs; the small local model is slow beyond that

# Streamlit has no live-region option: mark the message container as one (our own
# code, run in the app's document like chrome.py's patches). Watched, because
# Streamlit re-creates the container; `aria-busy` follows the script's run state.
_LOG_JS = """
<script>
(() => {
  window.__ssChatLogLabel = %(label)s;
  const doc = window.document;
  const mark = () => {
    const busy = Boolean(doc.querySelector('[data-test-script-state="running"]'));
    doc.querySelectorAll(".st-key-chat-log").forEach((log) => {
      if (log.getAttribute("role") !== "log") {
        log.setAttribute("role", "log");
        log.setAttribute("aria-live", "polite");
      }
      if (log.getAttribute("aria-label") !== window.__ssChatLogLabel)
        log.setAttribute("aria-label", window.__ssChatLogLabel);
      if (log.getAttribute("aria-busy") !== String(busy))
        log.setAttribute("aria-busy", String(busy));
    });
  };
  if (!window.__ssChatLog) {
    window.__ssChatLog = new MutationObserver(mark);
    window.__ssChatLog.observe(doc.body, {subtree: true, childList: true, attributes: true,
                                          attributeFilter: ["data-test-script-state"]});
  }
  mark();
})();
</script>
"""


def _words(items: list[str], key: str | None = None) -> str:
    shown = [t(f"{key}.{item}", lang) for item in items] if key else items
    return ", ".join(shown) or t("ui.agents.none", lang)


def _card(agent: StoredAgent) -> str:
    d = agent.definition
    return t(
        "ui.chat.agent_caption",
        lang,
        description=d.description.get(lang),
        tones=_words(d.tones, "ui.agents.tone_names"),
        skills=_words([skill_name(skill, lang) for skill in d.skills]),
    )


def _new_agent() -> None:
    """Another assistant: a new conversation (each conversation has one agent)."""
    st.session_state.chat_conversation = None


def _pick_conversation() -> None:
    st.session_state.chat_conversation = st.session_state["chat-conversation"] or None


agents = {agent.name: agent for agent in list_agents(user_id())}
st.title(t("ui.chat.title", lang), anchor=False)
st.write(t("ui.chat.intro", lang))

st.header(t("ui.chat.agent_heading", lang), anchor=False)
names = list(agents)
if st.session_state.get("chat-agent") not in names:
    st.session_state["chat-agent"] = "guide" if "guide" in names else names[0]
chosen = st.radio(
    t("ui.chat.agent_label", lang),
    names,
    key="chat-agent",
    on_change=_new_agent,
    format_func=lambda name: agents[name].definition.display_name.get(lang),
    captions=[_card(agents[name]) for name in names],
)
agent = agents[chosen]
agent_name = agent.definition.display_name.get(lang)
st.page_link("views/agents.py", label=t("ui.chat.manage", lang), icon="🎭")
conversation_slot = st.empty()  # filled at the end: a reply may start a new conversation

st.header(t("ui.chat.messages_heading", lang), anchor=False)
st.html(
    _LOG_JS % {"label": json.dumps(t("ui.chat.messages_heading", lang), ensure_ascii=False)},
    unsafe_allow_javascript=True,
)
voice_on = get_settings().speech.enabled
voice_mode = voice_on and preferences().voice_mode
conversation_id: int | None = st.session_state.get("chat_conversation")
if conversation_id is not None and not may_open_conversation(principal(), conversation_id):
    conversation_id = st.session_state.chat_conversation = None  # not this person's
log_box = st.container(key="chat-log")
with log_box:
    shown = history(conversation_id) if conversation_id else []
    if not shown:
        empty_note = st.empty()
        empty_note.caption(t("ui.chat.empty", lang))
    for message in shown:
        mine = message.sender == "user"
        speaker = (
            agents[message.sender].definition.display_name.get(lang)
            if message.sender in agents
            else message.sender
        )
        with st.chat_message("user" if mine else "assistant"):
            st.markdown(f"**{t('ui.chat.you', lang) if mine else speaker}**")
            st.markdown(message.content)
            if message.is_partial:
                st.caption(t("ui.chat.partial", lang))
            if voice_on and not mine:
                read_aloud_button(
                    message.content,
                    lang,
                    key=f"chat-read-{message.id}",
                    label_key="ui.voice.read_reply",
                )

with st.form("chat-form", clear_on_submit=True, enter_to_submit=True):
    text = st.text_input(
        t("ui.chat.message_label", lang, agent=agent_name),
        placeholder=t("ui.chat.message_placeholder", lang),
        key="chat-text",
    )
    sent = st.form_submit_button(t("ui.chat.send", lang), type="primary")
if voice_on:  # a spoken message, sent once the person confirms the transcript
    _, spoken = voice_input(
        lang, "agent-chat", label_key="ui.voice.record_chat", use_key="ui.voice.use_chat"
    )
    if spoken:
        forget_recording("agent-chat")
        text, sent = spoken, True

failed = False
if sent and text.strip():
    if not shown:
        empty_note.empty()
    with log_box:
        with st.chat_message("user"):
            st.markdown(f"**{t('ui.chat.you', lang)}**")
            st.markdown(text)
        with st.chat_message("assistant"):
            st.markdown(f"**{agent_name}**")
            try:
                reply = chat(
                    text,
                    language=lang,
                    agent=chosen,
                    conversation_id=conversation_id,
                    user_id=user_id(),
                    max_tokens=MAX_TOKENS,
                    model=preferences().model,
                    alpha=preferences().routing_alpha,
                )
                conversation_id = st.session_state.chat_conversation = reply.conversation_id
                st.write_stream(speak_stream(reply, lang) if voice_mode else reply)
                if reply.result is not None:
                    st.caption(
                        t(
                            "home.answered_by",
                            lang,
                            model=reply.result.model,
                            seconds=f"{reply.result.latency_ms / 1000:.1f}",
                        )
                    )
                if reply.route is not None:
                    st.caption(routing_line(reply.route.as_dict(), lang))
            except SupportSystemError as error:
                failed = True  # the service kept the message and any partial reply
                st.error(error.message(lang), icon="⚠️")

with conversation_slot.container():
    mine = conversations(user_id(), agent.id)
    options = [0, *(c.id for c in mine)]
    labels = {0: t("ui.chat.new_conversation", lang, agent=agent_name)}
    labels |= {
        c.id: t(
            "ui.chat.conversation_option",
            lang,
            title=c.title or str(c.id),
            when=f"{c.updated_at:%Y-%m-%d %H:%M}",
        )
        for c in mine
    }
    st.session_state["chat-conversation"] = conversation_id if conversation_id in options else 0
    st.selectbox(
        t("ui.chat.conversation_label", lang),
        options,
        key="chat-conversation",
        format_func=labels.__getitem__,
        on_change=_pick_conversation,
        placeholder=t("streamlit.select.placeholder", lang),
    )

st.header(t("ui.chat.handover_heading", lang), anchor=False)
st.write(t("ui.chat.handover_text", lang))
jobs = {job.id: job for job in jobs_for_handover(conversation_id)}
job_id = st.selectbox(
    t("ui.chat.handover_job", lang),
    list(jobs),
    key=f"chat-job-{conversation_id or 0}",
    format_func=lambda j: f"{jobs[j].icon} {jobs[j].title.get(lang)}",
    placeholder=t("streamlit.select.placeholder", lang),
)
if st.button(t("ui.chat.handover_button", lang), key="chat-handover"):
    if not conversation_id:
        st.error(t("ui.chat.handover_empty", lang), icon="⚠️")
        failed = True
    else:
        try:
            with st.spinner(t("ui.chat.handover_working", lang)):
                result = handover(conversation_id, job_id, language=lang)
        except SupportSystemError as error:
            st.error(error.message(lang), icon="⚠️")
            failed = True
        else:
            open_session(result.session_id)
            go("questions")

if failed:
    move_focus("error")
elif sent:
    move_focus("css:.st-key-chat-text input")
elif st.session_state.get("_voice_heard", {}).get("agent-chat"):
    move_focus(
        f"css:.st-key-agent-chat-use-{st.session_state.get('_mic-version-agent-chat', 0)} button"
    )
elif st.session_state.get("_arrived"):
    move_focus("css:.st-key-chat-agent input[type='radio']:checked")
