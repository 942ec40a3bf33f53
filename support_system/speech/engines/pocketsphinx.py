"""PocketSphinx 5: small, fast English recognition, exact on the voice-mode commands.

The wheel bundles a US English acoustic model, CMUdict and a language model
(`pocketsphinx.get_model_path()`), so nothing is downloaded. Free dictation with that
language model is weak; with a command grammar the decoder can only output one of the
phrases, which is what voice mode needs.

pocketsphinx 5 API (read from the installed package): `Decoder(samprate=…,
loglevel=…)` loads the default model with its n-gram LM as the default search;
`add_jsgf_string(name, jsgf)` creates a JSGF grammar search and `activate_search(name)`
switches to it (`activate_search()` goes back to the LM); an utterance is
`start_utt()`, `process_raw(int16 bytes)`, `end_utt()`, then `hyp().hypstr`.

Audio preparation, measured on espeak-ng commands (6 commands × 4 voices × 3 speeds,
several noise seeds): fed as is, only 41 of 72 were right — digital silence (exact
zeros) derails PocketSphinx's live cepstral normalisation. Padding 0.3 s of silence at
both ends and adding faint noise (σ = 3e-4, about -70 dBFS, far below any microphone's
own) made it 144 of 144. Real recordings already carry such noise; the padding helps a
clip cut right at the word.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from support_system.core.settings import SpeechSettings
from support_system.speech.base import SAMPLE_RATE, Transcript
from support_system.speech.errors import EngineUnavailable, LanguageNotSupported

if TYPE_CHECKING:
    from pocketsphinx import Decoder

_INSTALL = "./scripts/start"
PAD_SECONDS = 0.3
NOISE_LEVEL = 3e-4
#: Files of the bundled model that the decoder reads (relative to get_model_path()).
MODEL_FILES = ("en-us/en-us/mdef", "en-us/cmudict-en-us.dict", "en-us/en-us.lm.bin")
_WORD = re.compile(r"^[a-z'][a-z'.-]*$")


class PocketSphinxSTT:
    """English speech-to-text with PocketSphinx's bundled model; the decoder is created
    on first use and kept, with one grammar search per distinct phrase list."""

    name: ClassVar[str] = "pocketsphinx"
    languages: ClassVar[frozenset[str]] = frozenset({"en"})

    def __init__(self, settings: SpeechSettings) -> None:
        self.settings = settings
        self._decoder: Decoder | None = None
        self._searches: dict[tuple[str, ...], str | None] = {}

    def check(self, lang: str) -> None:
        """Raise when `lang` is not English or pocketsphinx or its bundled model is missing
        (cheap: looks for files, creates no decoder)."""
        if lang not in self.languages:
            raise LanguageNotSupported(
                f"pocketsphinx handles {sorted(self.languages)}", lang=lang, kind="stt"
            )
        spec = importlib.util.find_spec("pocketsphinx")
        if spec is None or not spec.submodule_search_locations:
            raise EngineUnavailable(
                "the Python package pocketsphinx is missing", engine=self.name, install=_INSTALL
            )
        model = Path(next(iter(spec.submodule_search_locations))) / "model"
        missing = [name for name in MODEL_FILES if not (model / name).is_file()]
        if missing:
            raise EngineUnavailable(
                f"pocketsphinx's bundled English model lacks {', '.join(missing)}; reinstall it",
                engine=self.name,
                install=_INSTALL,
            )

    def transcribe(
        self, audio: np.ndarray, lang: str, *, grammar: list[str] | None = None
    ) -> Transcript:
        """Recognise English audio: free dictation, or exactly one of `grammar`'s phrases
        (phrases with a word missing from CMUdict are left out).

        A grammar forces every utterance onto some phrase, even speech that is none of
        them; callers that must not act on a mistake should confirm. `confidence` is None:
        without a lattice PocketSphinx's posterior is a constant, not a measure.
        """
        self.check(lang)
        decoder = self._load()
        decoder.activate_search(self._search(decoder, grammar) if grammar else None)
        decoder.start_utt()
        decoder.process_raw(_prepare(audio), full_utt=False)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        return Transcript(
            text=hypothesis.hypstr.strip() if hypothesis else "",
            confidence=None,
            language=lang,
            engine=self.name,
        )

    def _load(self) -> Decoder:
        if self._decoder is None:
            from pocketsphinx import Decoder

            try:
                self._decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
            except (RuntimeError, ValueError) as exc:
                raise EngineUnavailable(
                    f"pocketsphinx could not load its model: {exc}",
                    engine=self.name,
                    install=_INSTALL,
                ) from exc
        return self._decoder

    def _search(self, decoder: Decoder, grammar: list[str]) -> str | None:
        """The name of the JSGF search for `grammar`, created once; None when no phrase is
        speakable with the dictionary (then the LM decodes freely)."""
        key = tuple(grammar)
        if key not in self._searches:
            jsgf = command_jsgf(grammar, known=lambda w: decoder.lookup_word(w) is not None)
            name = None
            if jsgf:
                name = "grammar_" + hashlib.sha1(jsgf.encode("utf-8")).hexdigest()[:12]
                decoder.add_jsgf_string(name, jsgf)
            self._searches[key] = name
        return self._searches[key]


def command_jsgf(grammar: list[str], known: Callable[[str], bool] | None = None) -> str:
    """A JSGF grammar whose only sentences are the phrases (lower case), or "" when none is
    usable. `known(word) -> bool` filters out phrases with words the dictionary lacks."""
    usable: list[str] = []
    for phrase in grammar:
        words = phrase.lower().split()
        if not words or not all(_WORD.match(w) for w in words):
            continue
        if known is not None and not all(known(w) for w in words):
            continue
        if " ".join(words) not in usable:
            usable.append(" ".join(words))
    if not usable:
        return ""
    return "#JSGF V1.0;\ngrammar commands;\npublic <command> = " + " | ".join(usable) + ";\n"


def _prepare(audio: np.ndarray) -> bytes:
    """16-bit PCM with silence padding and faint deterministic noise (see module doc)."""
    pad = np.zeros(int(PAD_SECONDS * SAMPLE_RATE), np.float32)
    padded = np.concatenate([pad, audio.astype(np.float32), pad])
    noise = np.random.default_rng(0).normal(0.0, NOISE_LEVEL, padded.size)
    samples = np.clip(padded + noise, -1.0, 1.0) * 32767.0
    return samples.astype("<i2").tobytes()
