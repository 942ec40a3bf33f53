"""Questions: one at a time, saved the moment they are answered.

Focus lands on the answer field every time the page is drawn, so a keyboard user can
type at once (DESIGN.md §4, pitfall 2); after a mistake it lands on the message, which
sits right under the field and is announced (role="alert").
"""

from __future__ import annotations

import streamlit as st
from components.chrome import move_focus
from components.question_field import render_field, submitted_value
from components.session import current_session, go, preferences, require_session
from components.voice import forget_recording, read_aloud_button, speak, voice_input

from support_system.accounts.preferences import effective_model
from support_system.core.errors import SupportSystemError
from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.jobs import wizard, workspace
from support_system.jobs.answer_sources import column_choices
from support_system.jobs.definitions import QuestionType
from support_system.jobs.proposals import decide_for_me
from support_system.rag.context import source_labels
from support_system.speech.answers import confirmed_answer, interpret, question_script

lang: str = st.session_state.get("lang", get_settings().language)
if current_session() is None:
    st.title(t("ui.nav.questions", lang), anchor=False)
session_id = require_session(lang)

state = wizard.resume(session_id)
if state.finished:
    go("edit")
question = state.question
assert question is not None
project_id = workspace.project_for_session(session_id)
base_dir = workspace.project_dir(project_id) if project_id else None

# A proposal ("decide for me") or a field version bump re-creates the widget pre-filled.
proposal = st.session_state.get("proposal")
version = st.session_state.get("field_version", 0)
key = f"q-{session_id}-{question.id}-{version}"
BUTTONS = ("next", "back", "skip", "decide")
# The form answers the question it showed, even when another tab has moved the wizard
# on since: the shown question travels with the buttons' keys and wins if one of its
# buttons was pressed.
shown = st.session_state.get("shown_question")
if (
    shown
    and shown[0] == session_id
    and shown[1] != question.id
    and any(st.session_state.get(f"{shown[2]}-{b}") for b in BUTTONS)
):
    question, key = state.job.question(shown[1]), shown[2]

# Next, Back and Skip are handled before anything is drawn, so the page is drawn once,
# already on the question they lead to (a rerun after drawing would cost a second pass
# through the page for every step). The form's values are in the session state by key.
error: str | None = None
action = next((b for b in ("next", "back", "skip") if st.session_state.get(f"{key}-{b}")), None)
if action is not None:
    try:
        if action == "next":
            sent = submitted_value(question, key)
            is_upload = question.type == QuestionType.FILE and sent is not None
            state = workspace.answer_question(
                session_id,
                question,
                None if is_upload else sent,
                lang,
                base_dir=base_dir,
                upload=(sent.name, sent.getvalue()) if is_upload else None,
            )
        elif action == "back":
            state = wizard.back(session_id)
        else:
            state = wizard.skip(session_id, question.id, lang)
    except SupportSystemError as exc:  # AnswerInvalid, InvalidUpload, …: nothing was saved
        error = exc.message(lang)
    else:
        if state.finished:
            go("edit")
        assert state.question is not None
        st.session_state.pop("proposal", None)
        proposal = None
        version += 1
        st.session_state.field_version = version
        question, key = state.question, f"q-{session_id}-{state.question.id}-{version}"
st.session_state.shown_question = (session_id, question.id, key)

st.title(f"{state.job.icon} {state.job.title.get(lang)}", anchor=False)
st.progress(
    min(state.step, state.total) / max(state.total, 1),
    text=t("ui.questions.progress", lang, step=state.step, total=state.total),
)
prefill = (
    proposal[1]
    if proposal and proposal[0] == (session_id, question.id)
    else state.answers.get(question.id)
)

with st.form(f"question-{session_id}", enter_to_submit=True, border=False):
    raw = render_field(question, prefill, lang, key, answers=state.answers, base_dir=base_dir)
    error_slot = st.empty()
    if question.help:
        st.caption(question.help.get(lang))
    if question.example:
        st.caption(t("ui.questions.example", lang, example=question.example.get(lang)))
    if not question.required:
        st.caption(t("ui.questions.optional", lang))
    cols = st.columns(4)
    with cols[0]:
        st.form_submit_button(t("ui.questions.next", lang), type="primary", key=f"{key}-next")
    with cols[1]:
        st.form_submit_button(
            t("ui.questions.back", lang), disabled=not state.can_go_back, key=f"{key}-back"
        )
    with cols[2]:
        if not question.required:
            st.form_submit_button(t("ui.questions.skip", lang), key=f"{key}-skip")
    with cols[3]:
        pressed_decide = question.decide != "none" and st.form_submit_button(
            t("ui.questions.decide", lang), key=f"{key}-decide"
        )


# Voice: read the question aloud, answer by microphone (after the form, so Tab order is
# field → buttons → voice). In voice mode the question is read by itself once, a
# transcript goes straight into the field, and spoken commands work like the buttons.
voice_focus: str | None = None
voice_command: str | None = None
pressed_next = pressed_back = False  # by voice; the buttons were handled above
if get_settings().speech.enabled:
    voice_mode = preferences().voice_mode
    script = question_script(question, lang)
    if voice_mode:
        st.caption(t("ui.voice.commands_help", lang))
        if st.session_state.get("_spoken_question") != (session_id, question.id):
            st.session_state._spoken_question = (session_id, question.id)
            speak(script, lang, autoplay=True)
    read_aloud_button(script, lang, key=f"{key}-read", label_key="ui.voice.read_question")
    if question.type != QuestionType.FILE:
        mic_key = f"voice-{session_id}-{question.id}"
        heard, confirmed = voice_input(lang, mic_key)
        columns = (
            column_choices(question, state.answers, base_dir=base_dir)
            if heard and question.columns_from
            else None
        )
        meaning = (
            interpret(question, heard, lang, voice_mode=voice_mode, columns=columns)
            if heard
            else None
        )
        if meaning is not None and meaning.command:
            forget_recording(mic_key)
            st.caption(t("ui.voice.command_heard", lang, command=heard))
            voice_command = meaning.command
        elif meaning is not None and (confirmed or voice_mode):
            if meaning.not_understood:
                options = ", ".join(meaning.options or [])
                st.warning(t("ui.voice.not_understood", lang, text=heard, choices=options))
            else:
                forget_recording(mic_key)
                st.session_state.proposal = ((session_id, question.id), meaning.value)
                st.session_state.field_version = version + 1
                st.session_state.voice_note = heard
                st.rerun()
        elif heard:
            mic_version = st.session_state.get(f"_mic-version-{mic_key}", 0)
            voice_focus = f"css:.st-key-{mic_key}-use-{mic_version} button"
    if voice_command == "repeat":
        speak(script, lang, autoplay=True)
    elif voice_command == "next":
        if prefill is None:
            voice_command = None
            st.warning(t("ui.voice.nothing_to_confirm", lang))
        else:
            pressed_next = True
            raw = confirmed_answer(question, prefill, lang)
    pressed_back = pressed_back or (voice_command == "back" and state.can_go_back)
    pressed_decide = pressed_decide or (voice_command == "decide" and question.decide != "none")


def _refresh() -> None:
    st.session_state.pop("proposal", None)
    st.session_state.field_version = version + 1
    st.rerun()


try:
    if pressed_next:  # spoken "next": the value in the field, as typed text
        workspace.answer_question(session_id, question, raw, lang, base_dir=base_dir)
        _refresh()
    elif pressed_back:
        wizard.back(session_id)
        _refresh()
    elif pressed_decide:
        with st.spinner(t("ui.questions.deciding", lang)):
            decided = decide_for_me(
                state.job,
                question,
                state.answers,
                lang,
                model=effective_model(preferences()),
                base_dir=base_dir,
                project_id=project_id,
            )
        if decided.value is None:
            error = t("ui.questions.decide_none", lang)
        else:
            st.session_state.proposal = ((session_id, question.id), decided.value)
            st.session_state.field_version = version + 1
            st.session_state.proposal_note = source_labels(decided.knowledge, lang) or True
            st.rerun()
except SupportSystemError as exc:
    error = exc.message(lang)

if error:
    st.session_state._last_error = (key, error)
elif (
    st.session_state.get(f"{key}-read-error")
    and st.session_state.get("_last_error", ("",))[0] == key
):
    # "Read the message aloud" was pressed: the run it triggers must still show the message.
    error = st.session_state._last_error[1]
if error:
    error_slot.error(error, icon="⚠️")
    if get_settings().speech.enabled:
        read_aloud_button(error, lang, key=f"{key}-read-error", label_key="ui.voice.read_error")
    move_focus("error")
else:
    spoken = st.session_state.pop("voice_note", None)
    if spoken:
        st.info(t("ui.voice.voice_note", lang), icon="🎤")
        if preferences().voice_mode:
            speak(t("ui.voice.heard", lang, text=spoken), lang, autoplay=True)
    note = st.session_state.pop("proposal_note", False)
    if note:
        st.info(t("ui.questions.proposal_note", lang), icon="💡")
        if isinstance(note, list):
            st.caption(t("ui.questions.proposal_sources", lang, sources=", ".join(note)))
    scope = f".st-key-{key}"
    field_target = (
        f"css:{scope} input[type=radio]:checked || {scope} input[type=radio] || "
        f"{scope} textarea || {scope} input:not([type=file]) || {scope} button || "
        "[data-testid=stForm] input"
    )
    move_focus(voice_focus or field_target)

with st.expander(t("ui.questions.all_answers", lang)):
    st.page_link(
        "views/edit.py",
        label=t("ui.questions.review_link", lang),
        icon="📝",
        query_params={"s": str(session_id)},
    )
