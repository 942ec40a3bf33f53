"""Answering a wizard question by voice, in a real browser with a fake microphone.

Chromium's fake capture device plays a WAV file as the microphone
(`--use-file-for-fake-audio-capture`, DESIGN.md §4). The WAV is made here by the app's own
English voice (piper, joe-us), so the whole path is real: Streamlit's st.audio_input
records it in the browser, the server transcribes it with faster-whisper (tiny.en), the
transcript is shown for confirmation, "Use this answer" puts it in the field, Enter
saves it. Keyboard only: an init script counts pointer events and the test asserts none.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.helpers.browser import (
    MOUSE_GUARD,
    app_state,
    button,
    chromium,
    mouse_events,
    screenshot,
    seed_project,
    start_app,
    tab_to,
    wait_focus,
    wait_idle,
)

pytestmark = pytest.mark.browser
SPOKEN = "Sunflower Bakery"


def _microphone_wav(path: Path) -> Path:
    """The shop's name spoken by the English TTS voice, with silence around it (people
    start talking a moment after pressing Record).

    Piper samples noise in its duration predictor, so every synthesis differs, and now
    and then Whisper tiny.en mishears a clip ("Sunfire Bakery" in one CI run). The test
    is about the page's recording path, not about the engines' accuracy (that is
    tests/integration/speech), so it takes a clip the app's own recogniser hears right
    when given directly: up to five syntheses."""
    from support_system.speech import synthesize, transcribe
    from support_system.speech.base import read_wav, to_wav

    silence = np.zeros(8000, dtype=np.float32)
    for _ in range(5):
        speech = read_wav(synthesize(f"{SPOKEN}.", "en").wav)  # 16 kHz mono float32
        wav = to_wav(np.concatenate([silence, speech, silence, silence]), 16_000)
        if SPOKEN.lower() in transcribe(wav, "en").text.lower():
            path.write_bytes(wav)
            return path
    pytest.fail(f"five syntheses of {SPOKEN!r} were all misheard by the recogniser")


def _saved_answer(app, session_id: int) -> object:
    from support_system.jobs import wizard

    with app_state(app):
        return wizard.resume(session_id).answers.get("name")


def test_a_question_is_answered_by_voice_and_the_answer_is_saved(tmp_path: Path) -> None:
    wav = _microphone_wav(tmp_path / "microphone.wav")
    app = start_app(tmp_path / "state", lang="en")
    try:
        session_id = seed_project(app, "shop-page", "en", make=False, answered=0)
        flags = (
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}%noloop",
        )
        with chromium(launch_args=flags, permissions=["microphone"]) as context:
            context.add_init_script(MOUSE_GUARD)
            page = context.new_page()
            page.goto(f"{app.url}/questions?s={session_id}")
            wait_idle(page)
            page.get_by_text("Question 1 of 8").wait_for()
            wait_focus(page, lambda e: e.get("tag") == "input")

            # The microphone is reachable with Tab from the field (after the form's buttons).
            tab_to(page, lambda e: e.get("label") == "Record", what="the Record button")
            page.keyboard.press("Enter")
            page.get_by_role("button", name="Stop recording").wait_for()
            page.wait_for_timeout(3500)  # the WAV lasts ~2.5 s
            page.get_by_role("button", name="Stop recording").focus()
            page.keyboard.press("Enter")
            heard = page.get_by_text(re.compile("^I heard: "))
            heard.wait_for(timeout=60_000)
            wait_idle(page)
            transcript = heard.inner_text()
            assert "sunflower" in transcript.lower(), transcript
            # Focus waits on the confirmation button: nothing is used unconfirmed.
            assert _saved_answer(app, session_id) is None
            use = wait_focus(page, button("Use this answer"))
            assert use.get("text") == "Use this answer", use
            page.keyboard.press("Enter")
            wait_idle(page)
            field = wait_focus(page, lambda e: e.get("tag") == "input" and e.get("value"))
            assert "sunflower" in str(field.get("value")).lower(), field
            screenshot(page, "voice-answer-confirmed")
            page.keyboard.press("Enter")
            wait_idle(page)
            page.get_by_text("Question 2 of 8").wait_for()
            assert mouse_events(page) == 0
        saved = _saved_answer(app, session_id)
        assert isinstance(saved, str) and "sunflower bakery" in saved.lower(), saved
    finally:
        app.stop()
