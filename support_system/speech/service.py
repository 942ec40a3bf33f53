"""Entry points the UI, CLI and bench call: pick the engine for a language, keep it loaded.

Engine instances are cached per (kind, name, settings) for the life of the process: a
Whisper model takes ~0.5 s to load and the first synthesis of a voice longer, while a
phrase then takes a fraction of a second. Calls are serialised per engine because the
underlying libraries are not documented as thread-safe (Streamlit runs each session in
its own thread).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from support_system.core.settings import SpeechSettings, get_settings
from support_system.speech.base import Speech, Transcript, read_wav
from support_system.speech.commands import match_command, phrases
from support_system.speech.engines import engine_class
from support_system.speech.errors import (
    EngineUnavailable,
    LanguageNotSupported,
    NothingHeard,
    SpeechError,
)

_engines: dict[tuple[str, str, str], tuple[Any, threading.Lock]] = {}
_engines_lock = threading.Lock()


def _settings(settings: SpeechSettings | None) -> SpeechSettings:
    return settings or get_settings().speech


def _engine(kind: str, name: str, settings: SpeechSettings) -> tuple[Any, threading.Lock]:
    key = (kind, name, settings.model_dump_json())
    with _engines_lock:
        if key not in _engines:
            instance = engine_class(kind, name)(settings)
            _engines[key] = (instance, threading.Lock())
        return _engines[key]


def _engine_name(table: dict[str, str], kind: str, lang: str, settings: SpeechSettings) -> str:
    if not settings.enabled:
        raise EngineUnavailable("voice is turned off in settings", engine=kind, install="")
    if lang not in table:
        raise LanguageNotSupported(f"no {kind} engine for {lang!r}", lang=lang, kind=kind)
    return table[lang]


def transcribe(
    wav: bytes,
    lang: str,
    *,
    grammar: list[str] | None = None,
    engine: str | None = None,
    settings: SpeechSettings | None = None,
) -> Transcript:
    """Recognise a WAV recording in `lang`; NothingHeard when no words came out."""
    settings = _settings(settings)
    name = engine or _engine_name(settings.stt, "stt", lang, settings)
    audio = read_wav(wav)
    if audio.size < 1600:  # under 0.1 s: nothing a person said
        raise NothingHeard("recording shorter than 0.1 s")
    instance, lock = _engine("stt", name, settings)
    with lock:
        result: Transcript = instance.transcribe(audio, lang, grammar=grammar)
    if not result.text.strip():
        raise NothingHeard(f"{name} returned no words")
    return result


def listen_for_command(
    wav: bytes, lang: str, *, settings: SpeechSettings | None = None
) -> tuple[str | None, Transcript]:
    """Which voice-mode command a recording says (None when unclear) and what was heard."""
    settings = _settings(settings)
    name = settings.command_stt.get(lang) or _engine_name(settings.stt, "stt", lang, settings)
    heard = transcribe(wav, lang, grammar=phrases(lang), engine=name, settings=settings)
    return match_command(heard.text, lang), heard


def synthesize(
    text: str,
    lang: str,
    voice: str | None = None,
    *,
    engine: str | None = None,
    settings: SpeechSettings | None = None,
) -> Speech:
    """Speak `text` in `lang` as a WAV; the voice defaults to settings, then the engine's."""
    settings = _settings(settings)
    if not text.strip():
        raise SpeechError("nothing to read aloud")
    name = engine or _engine_name(settings.tts, "tts", lang, settings)
    voice = voice or settings.voices.get(lang)
    try:
        instance, lock = _engine("tts", name, settings)
        instance.check(lang)
    except EngineUnavailable:
        fallback = settings.tts_fallback.get(lang)
        if engine is not None or not fallback or fallback == name:
            raise
        # The natural voice is missing: the robotic one still reads the page aloud (its
        # own default voice: a voice name set for the other engine means nothing to it).
        name, voice = fallback, None
        instance, lock = _engine("tts", name, settings)
    with lock:
        return instance.synthesize(text, lang, voice)


@dataclass(frozen=True)
class EngineStatus:
    """Whether voice works in one direction for one language, for Settings and `doctor`."""

    kind: str  # "stt" | "tts"
    lang: str
    engine: str
    available: bool
    problem: SpeechError | None = None


def engine_status(settings: SpeechSettings | None = None) -> list[EngineStatus]:
    """Check every configured engine cheaply (no model loading)."""
    settings = _settings(settings)
    report: list[EngineStatus] = []
    for kind, table in (("stt", settings.stt), ("tts", settings.tts)):
        for lang, name in sorted(table.items()):
            try:
                instance, _ = _engine(kind, name, settings)
                instance.check(lang)
            except SpeechError as exc:
                report.append(EngineStatus(kind, lang, name, False, exc))
            else:
                report.append(EngineStatus(kind, lang, name, True))
    return report
