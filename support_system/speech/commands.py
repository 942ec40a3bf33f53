"""The spoken commands of voice mode and how a transcript is matched to one.

Commands are few and fixed, so recognition is a choice among known phrases, not free
dictation: engines that accept a grammar (pocketsphinx, vosk) decode only these
phrases; others transcribe freely and `match_command` picks the phrase whose words
match, or nothing. A wrong command is worse than none, so anything unclear is `None`.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

#: command id → spoken phrases per language (the first is the one shown in the UI).
COMMANDS: dict[str, dict[str, list[str]]] = {
    "next": {"en": ["next"], "ja": ["次へ進む", "次に進む", "次の質問", "次へ", "次", "つぎ"]},
    "back": {"en": ["go back", "back", "previous"], "ja": ["戻る", "もどる", "前へ"]},
    "repeat": {"en": ["repeat"], "ja": ["もう一度", "もういちど", "繰り返し"]},
    # Piper's speech varies run to run (its duration predictor samples noise), and Whisper
    # tiny.en hears about one short "no" in 40 as "Nope." (measured): the casual forms count.
    "yes": {"en": ["yes", "yeah", "yep"], "ja": ["はい"]},
    "no": {"en": ["no", "nope"], "ja": ["いいえ"]},
    "decide": {"en": ["decide for me"], "ja": ["おまかせ", "おまかせします", "お任せ", "任せる"]},
}


def phrases(lang: str) -> list[str]:
    """Every phrase that means a command in `lang` (the grammar given to engines)."""
    return [p for by_lang in COMMANDS.values() for p in by_lang.get(lang, [])]


def normalise(text: str) -> str:
    """Lower case, NFKC, punctuation and spaces folded: 'Next.' and ' next ' are equal."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


#: How alike (difflib ratio) a Japanese utterance and a command must be. Whisper often
#: adds or drops a kana on a short word (もう一度は, いえ for いいえ); 0.75 accepts those
#: and rejects different words (measured on Kokoro speech through Whisper base).
JA_SIMILARITY = 0.75


def match_command(text: str, lang: str) -> str | None:
    """The command `text` says, or None when it says none (or more than one).

    English must match a phrase exactly (after normalising case and punctuation);
    Japanese, written without spaces and often heard a kana off, must be at least
    `JA_SIMILARITY` alike to one command's phrase and clearly closer to it than to any other.
    """
    heard = normalise(text)
    if not heard:
        return None
    if lang != "ja":
        found = {c for c, by in COMMANDS.items() for p in by.get(lang, []) if normalise(p) == heard}
        return found.pop() if len(found) == 1 else None
    heard = heard.replace(" ", "")
    best: dict[str, float] = {}
    for command, by_lang in COMMANDS.items():
        for phrase in by_lang.get(lang, []):
            ratio = SequenceMatcher(None, heard, normalise(phrase).replace(" ", "")).ratio()
            best[command] = max(best.get(command, 0.0), ratio)
    ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] < JA_SIMILARITY:
        return None
    if len(ranked) > 1 and ranked[1][1] >= JA_SIMILARITY:
        return None  # two commands fit: unclear
    return ranked[0][0]
