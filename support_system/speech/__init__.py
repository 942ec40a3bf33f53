"""Offline voice: speech-to-text and text-to-speech behind one small interface.

    from support_system.speech import transcribe, synthesize
    heard = transcribe(wav_bytes, "en")          # Transcript(text, confidence, …)
    audio = synthesize("Next question.", "ja")    # Speech(wav=…, sample_rate=…)

Engines are chosen per language in `settings.speech`; all default models ship in PyPI
packages (DESIGN.md §4). Errors are `SpeechError`s with a translated message: callers
show it and carry on without voice.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Loaded on first use (PEP 562): the engines' common code needs numpy, and a page that
# only shows a "read aloud" button should not wait for it.
_HOMES = {
    "Speech": "support_system.speech.base",
    "Transcript": "support_system.speech.base",
    "EngineUnavailable": "support_system.speech.errors",
    "InvalidAudio": "support_system.speech.errors",
    "LanguageNotSupported": "support_system.speech.errors",
    "NothingHeard": "support_system.speech.errors",
    "SpeechError": "support_system.speech.errors",
    "EngineStatus": "support_system.speech.service",
    "engine_status": "support_system.speech.service",
    "listen_for_command": "support_system.speech.service",
    "synthesize": "support_system.speech.service",
    "transcribe": "support_system.speech.service",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


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
