"""Japanese → pronounced katakana for espeak-ng (real OpenJTalk, no network needed)."""

from __future__ import annotations

import pytest

from support_system.speech.kana import is_kanji, to_kana


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        # 今日 is read きょう here (not こんにちは), and the particle は is said "wa"
        ("今日は天気が良いです", "キョーワ テンキガ ヨイデス"),
        ("私は東京へ行きます。", "ワタシワ トーキョーエ イキマス。"),
        ("次の質問に進みます。", "ツギノ シツモンニ ススミマス。"),
        # digits and Latin letters are read out too
        ("3月14日", "サンガツ ジュー ヨッカ"),
        ("CSVファイルを2つ作ってください。", "シーエスブイ ファイルヲ フタツ ツクッテクダサイ。"),
    ],
)
def test_kanji_sentences_become_kana_as_pronounced(text: str, spoken: str) -> None:
    kana = to_kana(text)
    assert not any(map(is_kanji, kana)), kana
    assert kana == spoken


def test_a_kanji_missing_from_the_dictionary_becomes_a_pause_not_an_error() -> None:
    kana = to_kana("龘が来た")  # not in OpenJTalk's dictionary; Sudachi's is not installed
    assert not any(map(is_kanji, kana))
    assert kana == "ガ キタ"


def test_sentence_punctuation_is_kept_and_other_symbols_become_pauses() -> None:
    assert to_kana("次は？ はい！") == "ツギワ? ハイ!"
    assert to_kana("「引用」です") == "インヨー、 デス"


def test_empty_text_gives_empty_kana() -> None:
    assert to_kana("") == "" and to_kana("   ") == ""
