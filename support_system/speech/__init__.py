"""Offline voice: speech-to-text and text-to-speech behind one small interface.

    from support_system.speech import transcribe, synthesize
    heard = transcribe(wav_bytes, "en")          # Transcript(text, confidence, …)
    audio = synthesize("Next question.", "ja")    # Speech(wav=…, sample_rate=…)

Engines are chosen per language in `settings.speech`; all default models ship in PyPI
packages (DESIGN.md §4). Errors are `SpeechError`s with a translated message: callers
show it and carry on without voice.
"""

from support_system.speech.base import Speech, Transcript
from support_system.speech.errors import (
    EngineUnavailable,
    InvalidAudio,
    LanguageNotSupported,
    NothingHeard,
    SpeechError,
)
from support_system.speech.service import (
    EngineStatus,
    engine_status,
    listen_for_command,
    synthesize,
    transcribe,
)

__all__ = [
    "EngineStatus",
    "EngineUnavailable",
    "InvalidAudio",
    "LanguageNotSupported",
    "NothingHeard",
    "Speech",
    "SpeechError",
    "Transcript",
    "engine_status",
    "listen_for_command",
    "synthesize",
    "transcribe",
]
