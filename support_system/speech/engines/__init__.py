"""Engine registry: names used in settings → the class that implements them.

Classes are imported lazily (by dotted path) so that a missing optional package only
affects its own engine, and importing `support_system.speech` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

from support_system.speech.errors import EngineUnavailable

STT_ENGINES: dict[str, str] = {
    "whisper": "support_system.speech.engines.whisper:WhisperSTT",
    "vosk": "support_system.speech.engines.vosk:VoskSTT",
    "pocketsphinx": "support_system.speech.engines.pocketsphinx:PocketSphinxSTT",
}

TTS_ENGINES: dict[str, str] = {
    "piper": "support_system.speech.engines.piper:PiperTTS",
    "espeak": "support_system.speech.engines.espeak:EspeakTTS",
    "kokoro": "support_system.speech.engines.kokoro:KokoroTTS",
}


def engine_class(kind: str, name: str) -> Any:
    """The class registered as `name` for `kind` ("stt" or "tts")."""
    table = STT_ENGINES if kind == "stt" else TTS_ENGINES
    if name not in table:
        raise EngineUnavailable(f"unknown {kind} engine {name!r}", engine=name, install="")
    module_name, _, attribute = table[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise EngineUnavailable(str(exc), engine=name, install="./scripts/start") from exc
    return getattr(module, attribute)
