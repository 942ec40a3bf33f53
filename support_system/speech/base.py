"""What speech engines return (`Transcript`, `Speech`) and the audio helpers they share.

An engine is a small class registered by name in `speech.engines` and built with the
`SpeechSettings`. It has a `name`, the `languages` it handles (empty: any), `check(lang)`
and its work: `transcribe(audio, lang, grammar=None)` for recognition, or
`voices(lang)` and `synthesize(text, lang, voice=None)` for speech. Engines load their
model lazily on first use and keep it (loading is the slow part: see bench/speech.py),
and raise `EngineUnavailable` from `check()` when their package or model is missing, so
settings and the UI can say what to install instead of failing at the first word.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass

import numpy as np

from support_system.speech.errors import InvalidAudio

#: What every STT engine is given: 16 kHz mono float32 in [-1, 1] (Whisper's and Vosk's rate,
#: and what Streamlit's st.audio_input records).
SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class Transcript:
    """What was heard. `confidence` is in [0, 1] when the engine reports one."""

    text: str
    confidence: float | None
    language: str
    engine: str


@dataclass(frozen=True)
class Speech:
    """Synthesized speech as a complete WAV file (bytes), ready for st.audio or a file."""

    wav: bytes
    sample_rate: int
    engine: str
    voice: str | None = None

    @property
    def seconds(self) -> float:
        return wav_duration(self.wav)


def read_wav(data: bytes) -> np.ndarray:
    """Decode WAV bytes to 16 kHz mono float32, resampling and mixing down as needed."""
    if not data:
        raise InvalidAudio("empty recording")
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise InvalidAudio(str(exc)) from exc
    dtypes = {1: np.uint8, 2: np.int16, 4: np.int32}
    if width not in dtypes or rate <= 0:
        raise InvalidAudio(f"unsupported WAV: {width * 8}-bit, {rate} Hz")
    samples = np.frombuffer(frames[: len(frames) - len(frames) % (width * channels)], dtypes[width])
    audio = samples.astype(np.float32)
    if width == 1:
        audio = (audio - 128.0) / 128.0
    else:
        audio /= float(2 ** (8 * width - 1))
    if channels > 1:
        audio = audio.reshape(-1, channels).mean(axis=1)
    if rate != SAMPLE_RATE and audio.size:
        audio = resample(audio, rate, SAMPLE_RATE)
    return audio


def resample(audio: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Linear-interpolation resampling: good enough for speech recognition input."""
    if rate == target or audio.size == 0:
        return audio.astype(np.float32)
    count = int(round(audio.size * target / rate))
    positions = np.linspace(0, audio.size - 1, count)
    return np.interp(positions, np.arange(audio.size), audio).astype(np.float32)


def to_wav(audio: np.ndarray, rate: int) -> bytes:
    """Encode float32 [-1, 1] (or int16) mono samples as a 16-bit PCM WAV file."""
    if audio.dtype != np.int16:
        audio = (np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(audio.tobytes())
    return buffer.getvalue()


def wav_duration(data: bytes) -> float:
    """Length of a WAV file in seconds (0 when unreadable)."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            return wav.getnframes() / float(wav.getframerate())
    except (wave.Error, EOFError):
        return 0.0
