"""Typed speech errors; their messages (ja/en) live in `locales/speech.<lang>.yaml`.

Voice is an extra: every caller catches `SpeechError`, shows its message and keeps the
typed path working, so a missing engine never blocks the wizard.
"""

from __future__ import annotations

from typing import Any

from support_system.core.errors import SupportSystemError


class SpeechError(SupportSystemError):
    """Base of speech errors."""

    message_key = "speech.errors.generic"


class EngineUnavailable(SpeechError):
    """An engine or its model is not installed; `engine` names it, `install` says how to add it."""

    message_key = "speech.errors.engine_unavailable"

    def __init__(
        self, detail: str = "", *, engine: str = "", install: str = "", **params: Any
    ) -> None:
        super().__init__(detail, engine=engine, install=install, **params)
        self.engine = engine


class ModelNotConfigured(EngineUnavailable):
    """The engine is installed but needs a model directory set in settings (`setting`)."""

    message_key = "speech.errors.model_not_configured"

    def __init__(
        self, detail: str = "", *, engine: str = "", setting: str = "", **params: Any
    ) -> None:
        super().__init__(detail, engine=engine, install="", setting=setting, **params)


class LanguageNotSupported(SpeechError):
    """No configured engine handles this language (for this direction)."""

    message_key = "speech.errors.language_not_supported"

    def __init__(self, detail: str = "", *, lang: str = "", kind: str = "", **params: Any) -> None:
        # `lang` is the message's own language argument in `t()`: stored as `language`.
        super().__init__(detail, language=lang, kind=kind, **params)
        self.lang = lang


class InvalidAudio(SpeechError):
    """The recording cannot be read as WAV audio (empty, truncated, another format)."""

    message_key = "speech.errors.invalid_audio"


class NothingHeard(SpeechError):
    """The recording was read, but no words were recognised (silence, noise)."""

    message_key = "speech.errors.nothing_heard"


class ModelFileMismatch(SpeechError):
    """A packaged speech model does not match its recorded checksum."""

    message_key = "speech.errors.model_mismatch"
