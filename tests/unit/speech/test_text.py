"""Speech helpers that need no engine: WAV handling, sentences, commands, spoken answers."""

from __future__ import annotations

import numpy as np
import pytest

from support_system.jobs.catalogue import get_job
from support_system.speech import InvalidAudio, NothingHeard
from support_system.speech.answers import (
    clean_transcript,
    confirmed_answer,
    interpret,
    question_script,
    spoken_value,
)
from support_system.speech.base import SAMPLE_RATE, read_wav, to_wav, wav_duration
from support_system.speech.commands import COMMANDS, match_command, phrases
from support_system.speech.service import transcribe
from support_system.speech.text import SentenceBuffer, sentences


def _tone(seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def test_wav_round_trip_resamples_to_16_khz_mono() -> None:
    wav = to_wav(_tone(1.0, 22_050), 22_050)
    assert wav_duration(wav) == pytest.approx(1.0, abs=0.001)
    audio = read_wav(wav)
    assert audio.dtype == np.float32 and audio.size == pytest.approx(SAMPLE_RATE, abs=2)
    assert 0.45 < float(np.abs(audio).max()) <= 0.51


@pytest.mark.parametrize("data", [b"", b"RIFF1234WAVEjunk", b"not audio at all"])
def test_unreadable_recordings_are_invalid_audio_with_a_message(data: bytes) -> None:
    with pytest.raises(InvalidAudio) as caught:
        read_wav(data)
    assert caught.value.message("ja") != caught.value.message("en")


def test_a_recording_too_short_to_hold_words_is_nothing_heard_before_any_engine() -> None:
    with pytest.raises(NothingHeard):
        transcribe(to_wav(_tone(0.05, SAMPLE_RATE), SAMPLE_RATE), "en", engine="no-such-engine")


def test_sentences_split_on_japanese_and_latin_ends_but_not_inside_numbers() -> None:
    text = "こんにちは。今日は晴れです！Prices start at 3.50 today. Is that fine? 1. Open the page"
    assert sentences(text) == [
        "こんにちは。",
        "今日は晴れです！",
        "Prices start at 3.50 today.",
        "Is that fine?",
        "1. Open the page",
    ]


def test_sentence_buffer_releases_each_sentence_once_as_the_stream_grows() -> None:
    buffer, out = SentenceBuffer(), []
    for chunk in ["Hel", "lo the", "re. It costs 3", ".50 pou", "nds. Bye"]:
        out.append(buffer.feed(chunk))
    assert out == [[], [], ["Hello there."], [], ["It costs 3.50 pounds."]]
    assert buffer.flush() == ["Bye"]
    assert buffer.flush() == []


@pytest.mark.parametrize(
    ("text", "lang", "command"),
    [
        ("Next.", "en", "next"),
        (" back ", "en", "back"),
        ("Decide for me!", "en", "decide"),
        ("次へ。", "ja", "next"),
        ("もう一度", "ja", "repeat"),
        ("おまかせ", "ja", "decide"),
        ("next please go back", "en", None),
        ("The shop is next to the station", "en", None),
        ("", "en", None),
    ],
)
def test_match_command_is_exact_and_unclear_means_none(
    text: str, lang: str, command: str | None
) -> None:
    assert match_command(text, lang) == command


def test_every_command_has_phrases_in_both_languages() -> None:
    for by_lang in COMMANDS.values():
        assert by_lang["en"] and by_lang["ja"]
    assert "decide for me" in phrases("en") and "おまかせ" in phrases("ja")


def test_spoken_answers_take_the_shape_of_the_field() -> None:
    shop = get_job("shop-page")
    assert clean_transcript(" Sunflower Bakery. ") == "Sunflower Bakery"
    assert spoken_value(shop.question("name"), "Sunflower Bakery.", "en") == "Sunflower Bakery"
    layout = shop.question("layout")
    assert spoken_value(layout, "Cards, please.", "en") == "card"
    assert spoken_value(layout, "シンプルでお願いします。", "ja") == "minimal"
    assert spoken_value(layout, "something else", "en") is None  # ask again, never guess
    dry_run = get_job("file-renamer").question("dry_run")
    assert spoken_value(dry_run, "Yes.", "en") is True
    assert spoken_value(dry_run, "いいえ", "ja") is False
    assert spoken_value(dry_run, "maybe", "en") is None
    assert spoken_value(layout, "sales", "en", columns=["store", "sales"]) == "sales"


def test_question_script_reads_label_help_and_choices() -> None:
    layout = get_job("shop-page").question("layout")
    script = question_script(layout, "en")
    assert script.startswith("Choose a design for the page.")
    assert "Standard (headings and a table), Cards (each item in a box)" in script
    assert "カード（項目を枠で囲む）" in question_script(layout, "ja")


def test_a_recording_is_a_command_only_in_voice_mode_and_yes_answers_yes_no() -> None:
    shop = get_job("shop-page")
    name, layout = shop.question("name"), shop.question("layout")
    assert interpret(name, "次へ", "ja", voice_mode=True).command == "next"
    # Without voice mode the same words are dictation, never a command.
    dictated = interpret(name, "次へ", "ja", voice_mode=False)
    assert dictated.command is None and dictated.value == "次へ"
    dry_run = get_job("file-renamer").question("dry_run")
    said_yes = interpret(dry_run, "Yes.", "en", voice_mode=True)
    assert said_yes.command is None and said_yes.value is True
    unclear = interpret(layout, "something else", "en", voice_mode=True)
    assert unclear.not_understood
    assert unclear.options == [c.label.get("en") for c in layout.choices]
    column = interpret(name, "maybe", "en", voice_mode=False, columns=["store", "sales"])
    assert column.not_understood and column.options == ["store", "sales"]


def test_a_spoken_next_submits_what_a_keyboard_user_would() -> None:
    shop = get_job("shop-page")
    products = shop.question("products")
    rows = [{"name": "Bread", "price": 300, "description": None}]
    submitted = confirmed_answer(products, rows, "en")
    assert isinstance(submitted, str) and "Bread" in submitted and "300" in submitted
    layout = shop.question("layout")
    assert confirmed_answer(layout, "card", "en") == "card"  # a choice submits its value
    chart = get_job("data-chart")
    assert confirmed_answer(chart.question("x_column"), "Month", "en") == "Month"
