"""espeak-ng: tiny, instant, many languages; robotic, but always there as a fallback.

Why the `espeak-ng` program and not pyttsx3: pyttsx3 2.99 drives libespeak-ng inside our
process, and libespeak-ng keeps one global synthesizer with one global callback. Measured
here: two threads calling `save_to_file` + `runAndWait` at the same time either hang for
good or fail with `EE_INTERNAL_ERROR`, and the driver prints "Audio saved to …" on stdout
for every file. Streamlit runs every session in its own thread, so pyttsx3 would need a
process-wide lock and a hang could still not be timed out. One `espeak-ng --stdout`
process per phrase costs ~15 ms, shares nothing, is killed on a timeout, and its WAV
header states the real sample rate (22,050 Hz). pyttsx3 is therefore not used.

Japanese: espeak-ng reads kanji as "Chinese letter" and the particle は as "ha", so the
text is first turned into pronounced katakana (`speech.kana.to_kana`, OpenJTalk).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from typing import ClassVar

import numpy as np

from support_system.core.settings import SpeechSettings
from support_system.speech.base import Speech, to_wav
from support_system.speech.errors import EngineUnavailable, LanguageNotSupported, SpeechError
from support_system.speech.kana import require, to_kana

PROGRAM = "espeak-ng"
#: espeak-ng's own default speed (words per minute); settings.rate scales it.
BASE_WPM = 175
_INSTALL = "./scripts/start"


class EspeakTTS:
    """Text-to-speech with the Debian `espeak-ng` program (one process per phrase)."""

    name: ClassVar[str] = "espeak"
    languages: ClassVar[frozenset[str]] = frozenset({"en", "ja", "ko"})
    #: espeak-ng voice per language when settings name none (US English to match Piper).
    default_voices: ClassVar[dict[str, str]] = {"en": "en-us", "ja": "ja", "ko": "ko"}

    def __init__(self, settings: SpeechSettings) -> None:
        self.settings = settings

    def check(self, lang: str) -> None:
        """Raise when `lang` is not handled or the program (or, for ja, OpenJTalk) is missing."""
        if lang not in self.languages:
            raise LanguageNotSupported(
                f"espeak handles {sorted(self.languages)}", lang=lang, kind="tts"
            )
        self._program()
        if lang == "ja":
            require(self.name)

    def voices(self, lang: str) -> list[str]:
        """espeak-ng voices for `lang`, default first (MBROLA voices are left out: their
        data is a separate, non-free download)."""
        self.check(lang)
        listing = self._run(["--voices=" + lang], b"", timeout=10).decode("utf-8", "replace")
        names = [self.default_voices[lang]]
        for line in listing.splitlines()[1:]:
            columns = line.split()
            if len(columns) >= 5 and not columns[4].startswith("mb/") and columns[1] not in names:
                names.append(columns[1])
        return names

    def synthesize(self, text: str, lang: str, voice: str | None = None) -> Speech:
        """Speak `text` as a 22,050 Hz WAV; `voice` is an espeak-ng voice such as "en-gb"."""
        self.check(lang)
        voice = voice or self.default_voices[lang]
        if lang == "ja":
            text = to_kana(text)
        if not text.strip():
            raise SpeechError("nothing left to read aloud")
        wpm = round(BASE_WPM * self.settings.rate)
        # -b 1: the text is UTF-8; --stdin keeps text that starts with "-" from being an option.
        args = ["-v", voice, "-s", str(wpm), "-b", "1", "--stdin", "--stdout"]
        data = self._run(args, text.encode("utf-8"), timeout=30 + len(text) / 20, voice=voice)
        samples, rate = _pcm(data)
        if samples.size == 0:
            raise SpeechError(f"espeak-ng produced no audio for {len(text)} characters")
        return Speech(wav=to_wav(samples, rate), sample_rate=rate, engine=self.name, voice=voice)

    def _program(self) -> str:
        path = shutil.which(PROGRAM)
        if path is None:
            raise EngineUnavailable(
                "the program espeak-ng is not installed (Debian package espeak-ng)",
                engine=self.name,
                install=_INSTALL,
            )
        return path

    def _run(self, args: list[str], stdin: bytes, *, timeout: float, voice: str = "") -> bytes:
        try:
            done = subprocess.run(
                [self._program(), *args], input=stdin, capture_output=True, timeout=timeout
            )
        except subprocess.TimeoutExpired as exc:
            raise SpeechError(f"espeak-ng took longer than {timeout:.0f} s") from exc
        if done.returncode != 0:
            problem = done.stderr.decode("utf-8", "replace").strip()
            if "voice does not exist" in problem:
                raise EngineUnavailable(
                    f"espeak-ng has no voice {voice!r}", engine=self.name, install=_INSTALL
                )
            raise SpeechError(f"espeak-ng failed ({done.returncode}): {problem}")
        return done.stdout


def _pcm(data: bytes) -> tuple[np.ndarray, int]:
    """Samples and rate of espeak-ng's streamed WAV, whose header carries a placeholder
    length (it is written before the audio), so frames are read up to the end."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            rate, width = wav.getframerate(), wav.getsampwidth()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise SpeechError(f"espeak-ng wrote no readable WAV: {exc}") from exc
    if width != 2:
        raise SpeechError(f"espeak-ng wrote {width * 8}-bit audio, expected 16-bit")
    return np.frombuffer(frames[: len(frames) // 2 * 2], np.int16), rate
