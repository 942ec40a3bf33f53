"""The spoken commands of voice mode and how a transcript is matched to one.

Commands are few and fixed, so recognition is a choice among known phrases, not free
dictation: engines that accept a grammar (pocketsphinx, vosk) decode only these
phrases; others transcribe freely and `match_command` picks the phrase whose words
match, or nothing. A wrong command is worse than none, so anything unclear is `None`.
"""

from __future__ import annotations

import re
import unicodedata

#: command id → spoken phrases per language (the first is the one shown in the UI).
COMMANDS: dict[str, dict[str, list[str]]] = {
    "next": {"en": ["next"], "ja": ["次へ", "次", "つぎ", "進む"]},
    "back": {"en": ["back"], "ja": ["戻る", "もどる", "前へ"]},
    "repeat": {"en": ["repeat"], "ja": ["もう一度", "もういちど", "繰り返し"]},
    "yes": {"en": ["yes"], "ja": ["はい"]},
    "no": {"en": ["no"], "ja": ["いいえ"]},
    "decide": {"en": ["decide for me"], "ja": ["おまかせ", "お任せ", "任せる"]},
}


def phrases(lang: str) -> list[str]:
    """Every phrase that means a command in `lang` (the grammar given to engines)."""
    return [p for by_lang in COMMANDS.values() for p in by_lang.get(lang, [])]


def normalise(text: str) -> str:
    """Lower case, NFKC, punctuation and spaces folded: 'Next.' and ' next ' are equal."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def match_command(text: str, lang: str) -> str | None:
    """The command `text` says, or None when it says none (or more than one)."""
    heard = normalise(text)
    if not heard:
        return None
    found: set[str] = set()
    for command, by_lang in COMMANDS.items():
        for phrase in by_lang.get(lang, []):
            said = normalise(phrase)
            if lang == "ja":
                if heard.replace(" ", "") == said or heard.replace(" ", "").rstrip("。") == said:
                    found.add(command)
            elif heard == said:
                found.add(command)
    return found.pop() if len(found) == 1 else None
