"""Voice on the pages: read-aloud buttons, a microphone with confirmation, spoken replies.

Rules kept here so every page behaves the same (issue 6):
* nothing is ever saved from a recording without the person seeing the transcript and
  choosing "use this" (or saying "yes" in voice mode);
* sound starts only when the person asked for it — a read-aloud button they pressed —
  or when voice mode is on; players are labelled (see chrome.py) and keyboard-operable;
* any speech failure is shown as a translated warning and the page carries on: voice
  is an extra, never a requirement.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator

import streamlit as st

from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.speech.errors import SpeechError
from support_system.speech.text import SentenceBuffer


@st.cache_data(max_entries=256, show_spinner=False)
def _cached_wav(text: str, lang: str, speech_settings: str) -> bytes:
    from support_system.speech import synthesize  # numpy and the engines: when first used

    return synthesize(text, lang).wav


def _speech_wav(text: str, lang: str) -> bytes:
    """Synthesised speech, cached per voice configuration: the same question read twice
    costs nothing, and a changed voice setting is heard at once."""
    return _cached_wav(text, lang, get_settings().speech.model_dump_json())


def speak(text: str, lang: str, *, autoplay: bool) -> bool:
    """Show a labelled player for `text` (playing at once when `autoplay`); False on failure."""
    try:
        with st.spinner(t("ui.voice.preparing", lang)):
            wav = _speech_wav(text, lang)
    except SpeechError as exc:
        st.warning(t("ui.voice.unavailable", lang, reason=exc.message(lang)), icon="🔇")
        return False
    st.audio(wav, format="audio/wav", autoplay=autoplay)
    return True


def read_aloud_button(
    text: str, lang: str, key: str, label_key: str = "ui.voice.read_aloud"
) -> None:
    """A button that reads `text` aloud: pressing it is the person's request to play."""
    if st.button(t(label_key, lang), key=key):
        speak(text, lang, autoplay=True)


def voice_input(
    lang: str, key: str, *, label_key: str = "ui.voice.record", use_key: str = "ui.voice.use"
) -> tuple[str | None, str | None]:
    """Microphone → transcript shown for confirmation.

    Returns (transcript, confirmed): the transcript of the latest recording (None before
    one exists) and the same text once "use this" was pressed. Each recording is
    transcribed once; "record again" gives a fresh recorder.
    """
    version = st.session_state.get(f"_mic-version-{key}", 0)
    recording = st.audio_input(t(label_key, lang), key=f"{key}-mic-{version}")
    if recording is None:
        return None, None
    audio = recording.getvalue()
    digest = hashlib.sha1(audio).hexdigest()
    heard_store: dict[str, tuple[str, str]] = st.session_state.setdefault("_voice_heard", {})
    if key not in heard_store or heard_store[key][0] != digest:
        from support_system.speech import transcribe  # numpy and the engines: when first used

        try:
            with st.spinner(t("ui.voice.listening", lang)):
                heard = transcribe(audio, lang)
        except SpeechError as exc:
            st.warning(exc.message(lang), icon="🔇")
            return None, None
        heard_store[key] = (digest, heard.text.strip())
    text = heard_store[key][1]
    st.info(t("ui.voice.heard", lang, text=text), icon="👂")
    use_col, again_col = st.columns(2)
    confirmed = use_col.button(t(use_key, lang), key=f"{key}-use-{version}", type="primary")
    if again_col.button(t("ui.voice.again", lang), key=f"{key}-again-{version}"):
        forget_recording(key)
        st.rerun()
    return text, (text if confirmed else None)


def forget_recording(key: str) -> None:
    """Drop the transcript and show a fresh recorder (after use, or "record again")."""
    st.session_state.get("_voice_heard", {}).pop(key, None)
    st.session_state[f"_mic-version-{key}"] = st.session_state.get(f"_mic-version-{key}", 0) + 1


_QUEUE_JS = """
<script>
(() => {
  // Voice mode: sentences of a streaming reply are queued and played one after the
  // other in the app's document (several autoplaying players would talk at once).
  const w = window;
  if (!w.__ssSpeech) {
    const queue = [];
    let playing = false;
    const next = () => {
      if (playing || !queue.length) return;
      playing = true;
      const audio = new Audio(queue.shift());
      audio.onended = audio.onerror = () => { playing = false; next(); };
      audio.play().catch(() => { playing = false; next(); });
    };
    w.__ssSpeech = {push: (url) => { queue.push(url); next(); }};
  }
  w.__ssSpeech.push(%(url)s);
})();
</script>
"""


def speak_stream(chunks: Iterable[str], lang: str) -> Iterator[str]:
    """Pass `chunks` through (for st.write_stream) and, as each sentence completes,
    queue it for playback: the person hears the reply while it is being written.

    Only for voice mode (the caller checks); the full reply also gets a normal player.
    """
    buffer = SentenceBuffer()
    failed = False

    def queue(sentences: list[str]) -> None:
        nonlocal failed
        for sentence in sentences:
            if failed:
                return
            try:
                wav = _speech_wav(sentence, lang)
            except SpeechError as exc:
                failed = True
                st.warning(t("ui.voice.unavailable", lang, reason=exc.message(lang)), icon="🔇")
                return
            url = "data:audio/wav;base64," + base64.b64encode(wav).decode("ascii")
            st.html(_QUEUE_JS % {"url": json.dumps(url)}, unsafe_allow_javascript=True)

    for chunk in chunks:
        yield chunk
        queue(buffer.feed(chunk))
    queue(buffer.flush())
