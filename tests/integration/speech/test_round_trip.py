"""Acceptance round trips through the default engines, as the app uses them.

Text → `synthesize` (the configured voice per language) → WAV → `transcribe` (the
configured recogniser) → text, all through the service, offline, with the models the
packages ship. English: piper (joe-us) → Whisper tiny.en over wizard-like phrases (job
names, shop names, numbers, colours); word error rate after the usual transcript
normalisation (case, punctuation, numbers as digits, British/American spelling — what
Whisper's own English normaliser does). Japanese: Kokoro → Whisper base. Korean: espeak-ng
→ Vosk (smoke). Commands: every command said by the voice of each language comes back
as exactly that command.
"""

from __future__ import annotations

import re

import pytest

from support_system.speech import synthesize, transcribe
from support_system.speech.commands import COMMANDS, match_command
from tests.helpers.audio import word_error_rate

ENGLISH = [
    "A page for my shop.",
    "Total up my sales per store.",
    "Sunflower Bakery.",
    "Lantern Books sells stories for every age.",
    "The main colour is dark green.",
    "Use a blue background.",
    "We are open from eight to six.",
    "The price is twelve pounds.",
    "Make a chart of the monthly totals.",
    "Rename the photos in this folder.",
    "Publish the page now.",
    "My phone number is in the contact section.",
]
JAPANESE = [
    "ページを公開してください。",
    "店ごとの売上を合計してください。",
    "色は濃い緑にしてください。",
    "毎月の合計をグラフにしてください。",
]
_NUMBERS = {"eight": "8", "six": "6", "twelve": "12"}
_SPELLING = {"colour": "color"}


def _normalise_en(text: str) -> str:
    text = re.sub(r"£\s*(\d+)", r"\1 pounds", text)
    words = re.sub(r"[^\w\s']", " ", text.lower()).split()
    return " ".join(_SPELLING.get(w, _NUMBERS.get(w, w)) for w in words)


def _characters(text: str) -> str:
    return re.sub(r"[\s。、！？.,!?]", "", text)


def _edits(reference: str, hypothesis: str) -> int:
    row = list(range(len(hypothesis) + 1))
    for i, r in enumerate(reference, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hypothesis, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1]


def test_english_round_trip_word_error_rate_is_at_most_15_percent(settings) -> None:
    edits = words = 0
    lines = []
    for phrase in ENGLISH:
        heard = transcribe(synthesize(phrase, "en").wav, "en").text
        e, n = word_error_rate(_normalise_en(phrase), _normalise_en(heard))
        edits, words = edits + e, words + n
        lines.append(f"{phrase!r} -> {heard!r} ({e}/{n})")
    wer = edits / words
    print(f"English round trip WER {wer:.3f} over {len(ENGLISH)} phrases", *lines, sep="\n")
    assert len(ENGLISH) >= 10
    assert wer <= 0.15, lines


def test_japanese_kanji_sentences_are_spoken_with_the_right_reading(settings) -> None:
    """Kokoro reads kanji via OpenJTalk; Whisper base hears the sentence back. A wrong
    reading (kanji read as Chinese letters, 表 as あら) would come back as other words."""
    edits = chars = 0
    lines = []
    for sentence in JAPANESE:
        heard = transcribe(synthesize(sentence, "ja").wav, "ja").text
        e = _edits(_characters(sentence), _characters(heard))
        edits, chars = edits + e, chars + len(_characters(sentence))
        lines.append(f"{sentence} -> {heard} ({e}/{len(_characters(sentence))})")
    print(f"Japanese round trip CER {edits / chars:.3f}", *lines, sep="\n")
    first = transcribe(synthesize(JAPANESE[0], "ja").wav, "ja").text
    assert _characters(first) == _characters(JAPANESE[0])
    assert edits / chars <= 0.2, lines


def test_korean_round_trip_through_vosk_gives_text(settings) -> None:
    heard = transcribe(synthesize("안녕하세요. 빵집 홈페이지를 만들고 싶어요.", "ko").wav, "ko")
    assert heard.engine == "vosk" and heard.text.strip()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_each_spoken_command_comes_back_as_that_command(settings, lang: str) -> None:
    """What voice mode does with a recording: free transcription, then `match_command`."""
    results = {}
    for command, by_lang in COMMANDS.items():
        phrase = by_lang[lang][0]  # the phrase the page suggests
        heard = transcribe(synthesize(phrase, lang).wav, lang).text
        results[command] = (phrase, heard, match_command(heard, lang))
    assert {c: r[2] for c, r in results.items()} == {c: c for c in COMMANDS}, results
