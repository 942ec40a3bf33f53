"""Voice on the pages, headless (AppTest): read aloud, the microphone's confirmation
step, voice mode's spoken answers and commands, and a page that works without voice.

Recordings are made by the app's own voices (piper for English, Kokoro for Japanese)
and go through the real recognisers; AppTest hands them to st.audio_input as a browser
would. (The browser suite's tests/e2e/test_voice_answer.py records through Chromium's
fake microphone.)
"""

from __future__ import annotations

from functools import cache

import pytest
from streamlit.testing.v1 import AppTest

from support_system.accounts.preferences import update_preferences
from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.jobs import wizard
from support_system.speech import synthesize
from tests.helpers.apptest import (
    answer_field,
    click,
    labels,
    open_app,
    progress,
    rerun,
)
from tests.helpers.wizard import PROGRESS_1, shop_session


@cache
def _spoken(text: str, lang: str) -> bytes:
    return synthesize(text, lang).wav


def _record(app: AppTest, text: str, lang: str) -> AppTest:
    app.audio_input[0].set_value(("recording.wav", _spoken(text, lang), "audio/wav"))
    return rerun(app)


def _infos(app: AppTest) -> list[str]:
    return [i.value for i in app.info]


def test_read_aloud_plays_the_question_only_when_asked(user_id) -> None:
    session_id = shop_session(user_id, "en")
    app = open_app("en", "questions", session_id=session_id)
    assert not app.get("audio")  # nothing plays by itself outside voice mode
    click(app, t("ui.voice.read_question", "en"))
    [audio] = app.get("audio")
    assert audio.proto.url  # the WAV was served
    assert audio.proto.autoplay  # pressing the button is the request to hear it


def test_a_spoken_answer_is_shown_then_used_only_after_confirmation(user_id) -> None:
    session_id = shop_session(user_id, "en")
    app = open_app("en", "questions", session_id=session_id)
    _record(app, "Sunflower Bakery.", "en")
    heard = [text for text in _infos(app) if text.startswith("I heard:")]
    assert heard and "sunflower bakery" in heard[0].lower(), _infos(app)
    assert wizard.resume(session_id).answers == {}  # nothing used yet
    click(app, t("ui.voice.use", "en"))
    assert answer_field(app).value.lower() == "sunflower bakery"
    assert t("ui.voice.voice_note", "en") in _infos(app)
    assert wizard.resume(session_id).answers == {}  # in the field; Next saves it
    click(app, t("ui.questions.next", "en"))
    assert wizard.resume(session_id).answers["name"].lower() == "sunflower bakery"


def test_a_spoken_choice_that_matches_nothing_is_explained_not_guessed(user_id) -> None:
    session_id = shop_session(user_id, "en", answered=7)  # the layout question is next
    app = open_app("en", "questions", session_id=session_id)
    _record(app, "Purple elephants.", "en")
    click(app, t("ui.voice.use", "en"))
    [warning] = [w.value for w in app.warning]
    assert (
        "does not match one of the choices" in warning and "Cards (each item in a box)" in warning
    )
    _record(app, "Cards, please.", "en")
    click(app, t("ui.voice.use", "en"))
    assert app.radio[0].value == "card"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_voice_mode_reads_the_question_and_obeys_spoken_commands(user_id, lang: str) -> None:
    update_preferences(user_id, voice_mode=True)
    session_id = shop_session(user_id, lang)
    app = open_app(lang, "questions", session_id=session_id)
    assert app.get("audio") and app.get("audio")[0].proto.autoplay  # the question, read by itself
    name = {"ja": "ひまわりベーカリーです。", "en": "Sunflower Bakery."}[lang]
    _record(app, name, lang)  # voice mode: straight into the field, no confirmation button
    assert answer_field(app).value
    assert wizard.resume(session_id).answers == {}
    _record(app, {"ja": "次へ進む", "en": "next"}[lang], lang)
    assert progress(app) == t("ui.questions.progress", lang, step=2, total=8)
    assert wizard.resume(session_id).answers.get("name")
    _record(app, {"ja": "戻る", "en": "go back"}[lang], lang)
    assert progress(app) == PROGRESS_1[lang]


def test_without_a_working_engine_the_page_says_so_and_typing_still_works(
    user_id, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPORT_SYSTEM_SPEECH__TTS", '{"en": "piper"}')
    monkeypatch.setenv("SUPPORT_SYSTEM_SPEECH__VOICES", '{"en": "/nowhere/voice.onnx"}')
    monkeypatch.setenv("SUPPORT_SYSTEM_SPEECH__TTS_FALLBACK", "{}")
    get_settings.cache_clear()
    session_id = shop_session(user_id, "en")
    app = open_app("en", "questions", session_id=session_id)
    click(app, t("ui.voice.read_question", "en"))
    [warning] = [w.value for w in app.warning]
    assert warning.startswith("Voice is not available:") and "/nowhere/voice.onnx" in warning
    answer_field(app).input("Sunflower Bakery")
    click(app, t("ui.questions.next", "en"))
    assert wizard.resume(session_id).answers == {"name": "Sunflower Bakery"}


def test_voice_can_be_turned_off(user_id, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORT_SYSTEM_SPEECH__ENABLED", "false")
    get_settings.cache_clear()
    app = open_app("en", "questions", session_id=shop_session(user_id, "en"))
    assert t("ui.voice.read_question", "en") not in labels(app) and not app.audio_input


def test_an_error_and_a_result_can_be_read_aloud(user_id) -> None:
    from support_system.generators.pipeline import Budget
    from support_system.generators.runs import start_generation
    from support_system.jobs.catalogue import get_job

    session_id = shop_session(user_id, "en")
    app = open_app("en", "questions", session_id=session_id)
    answer_field(app).input("   ")
    click(app, t("ui.questions.next", "en"))
    click(app, t("ui.voice.read_error", "en"))
    assert [a for a in app.get("audio") if a.proto.autoplay]

    for question_id, value in get_job("shop-page").samples["en"].items():
        wizard.answer(session_id, question_id, value, "en")
    run = start_generation(session_id, lang="en", budget=Budget(attempts=0))  # template, no model
    assert run.wait(180) and run.error is None
    preview = open_app("en", "preview", session_id=session_id)
    assert not preview.get("audio")
    click(preview, t("ui.voice.read_result", "en"))
    assert [a for a in preview.get("audio") if a.proto.autoplay]
