"""Cue words: the cheap, exact half of request understanding (`cues.yaml`).

e5 similarity ranks paraphrases well but puts most requests of one kind close
together ("a page for my bakery" and "a page for my cat" are near neighbours); the
words that decide between two page jobs ("メニュー", "招待状", "重複") are few and
known. Each route gets the number of its strong and weak words found in the request,
and the request's kind (page or program) is read the same way, so a page request that
names no page job can be recognised as a made-to-measure page.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CUES_FILE = Path(__file__).with_name("cues.yaml")
KINDS = ("page", "program")


@dataclass(frozen=True)
class CueCount:
    """How many of a route's (or a kind's) strong and weak words the request contains."""

    strong: int = 0
    weak: int = 0


@dataclass(frozen=True)
class Cues:
    """Everything the word lists say about one request."""

    routes: dict[str, CueCount]
    kinds: dict[str, CueCount]

    def route(self, route: str) -> CueCount:
        """The count for `route` (zero when the lists have no words for it)."""
        return self.routes.get(route, CueCount())


def normalise(text: str) -> str:
    """NFKC, lower case: full-width letters and digits match their ASCII words."""
    return unicodedata.normalize("NFKC", text).lower()


# A word boundary between ASCII letters and anything else: "csvファイル" has the word
# "csv" (Python's own \b counts kana as letters, so it would not).
_EDGE = r"(?:(?<![a-z0-9])(?=[a-z0-9])|(?<=[a-z0-9])(?![a-z0-9]))"


def _pattern(entry: str) -> re.Pattern[str]:
    if entry.startswith("re:"):
        return re.compile(entry[3:].replace(r"\b", _EDGE))
    word = normalise(entry)
    if word.isascii():  # whole words, inflected: "announce" → "announcing", "sum" ≠ "summer"
        return re.compile(rf"(?<![a-z0-9-]){_inflected(word)}(?![a-z0-9-])")
    return re.compile(re.escape(word))


def _inflected(word: str) -> str:
    """`word` (its last word, for a phrase) with the English endings people type: a
    plural, -ed, -ing, -er ("party" → "parties", "rename" → "renaming", "list" →
    "listed"). Short words only take a plural: "app" must not match "apply"."""
    head, _, last = word.rpartition(" ")
    prefix = re.escape(f"{head} ") if head else ""
    if len(last) < 4 or not last.isalpha():
        return f"{prefix}{re.escape(last)}(?:s|es)?"
    if last.endswith("e"):
        return f"{prefix}{re.escape(last[:-1])}(?:e|es|ed|ing|er|ers)"
    if last.endswith("y"):
        return f"{prefix}{re.escape(last[:-1])}(?:y|ies|ied|ying)"
    return f"{prefix}{re.escape(last)}(?:s|es|ed|ing|er|ers)?"


@cache
def _lists(path: Path = CUES_FILE) -> dict[str, dict[str, dict[str, tuple[re.Pattern[str], ...]]]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        section: {
            name: {
                strength: tuple(_pattern(str(entry)) for entry in words.get(strength) or [])
                for strength in ("strong", "weak")
            }
            for name, words in raw[section].items()
        }
        for section in ("kinds", "routes")
    }


def _count(patterns: dict[str, tuple[re.Pattern[str], ...]], text: str) -> CueCount:
    return CueCount(
        strong=sum(1 for p in patterns["strong"] if p.search(text)),
        weak=sum(1 for p in patterns["weak"] if p.search(text)),
    )


def all_cue_patterns() -> list[re.Pattern[str]]:
    """Every strong word of every route and kind: the words that say what kind of thing
    is wanted (`answers.specific_part` removes them to see what else a request says)."""
    lists = _lists()
    return [
        pattern
        for section in ("kinds", "routes")
        for patterns in lists[section].values()
        for pattern in patterns["strong"]
    ]


def read_cues(text: str) -> Cues:
    """The route and kind words `text` contains."""
    normal = normalise(text)
    lists = _lists()
    return Cues(
        routes={route: _count(p, normal) for route, p in lists["routes"].items()},
        kinds={kind: _count(p, normal) for kind, p in lists["kinds"].items()},
    )
