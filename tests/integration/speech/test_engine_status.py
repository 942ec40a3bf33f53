"""The voice status the settings page shows: one line per configured direction and
language, with the reason in both languages when an engine cannot be used (real engines,
checked without loading their models)."""

from __future__ import annotations

from support_system.core.settings import SpeechSettings
from support_system.speech import engine_status
from support_system.speech.errors import EngineUnavailable


def test_every_configured_engine_is_reported_and_works_here() -> None:
    settings = SpeechSettings()
    report = engine_status(settings)
    expected = {("stt", lang, name) for lang, name in settings.stt.items()}
    expected |= {("tts", lang, name) for lang, name in settings.tts.items()}
    assert {(s.kind, s.lang, s.engine) for s in report} == expected
    # ./scripts/start installs every default engine; a missing one is a broken install.
    assert [s for s in report if not s.available] == []


def test_an_unknown_engine_is_reported_with_a_translated_reason() -> None:
    settings = SpeechSettings(stt={"en": "no-such-engine"}, tts={"ja": "espeak"})
    stt, tts = sorted(engine_status(settings), key=lambda s: s.kind)
    assert (stt.kind, stt.available) == ("stt", False)
    assert isinstance(stt.problem, EngineUnavailable)
    assert stt.problem.message("ja") != stt.problem.message("en")
    assert "no-such-engine" in stt.problem.message("en")
    assert (tts.kind, tts.engine, tts.available, tts.problem) == ("tts", "espeak", True, None)
