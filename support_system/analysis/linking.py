"""What the question's words point at in the tables: the columns it names, and the values.

Text-to-SQL calls this schema and value linking. A small model asked about 「東京」 or
"Business" has to guess which column holds that word, and guesses wrong (`segment` or
`city`?); looking the word up in the real cells is exact and cheap, so the prompt
states it ("「Business」 is a value of column 'segment'"). Only words found verbatim are
linked: a guess here would mislead the model more than silence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from support_system.analysis.intent import normalized

_MAX_DISTINCT = 500  # a column with more distinct values is free text or ids, not labels
_MAX_LINKS = 6


@dataclass(frozen=True)
class Link:
    """One word of the question found in the tables: a column name, or a value in a column."""

    column: str
    value: str | None = None

    def rule(self) -> str:
        if self.value is None:
            return f"The question names the column {self.column!r}."
        return f"{self.value!r} is a value of the column {self.column!r}."


def links(question: str, frames: Iterable[pd.DataFrame]) -> list[Link]:
    """The columns and cell values the question contains, longest words first."""
    text = normalized(question)
    found: list[Link] = []
    taken: list[str] = []  # matched words: "渋谷店" hides the "渋谷" inside it
    candidates: list[tuple[str, Link]] = []
    for frame in frames:
        for column in frame.columns:
            name = str(column)
            for spelling in dict.fromkeys([normalized(name), normalized(name.replace("_", " "))]):
                candidates.append((spelling, Link(name)))
            if _is_label_column(frame[column]):
                for value in frame[column].dropna().astype(str).unique()[:_MAX_DISTINCT]:
                    candidates.append((normalized(value), Link(name, value)))
    for word, link in sorted(candidates, key=lambda pair: -len(pair[0])):
        if len(word) < (3 if word.isascii() else 2) or link in found:
            continue
        if not _contains(text, word):
            continue
        if any(word in longer for longer in taken if longer != word):
            continue
        found.append(link)
        taken.append(word)
        if len(found) == _MAX_LINKS:
            break
    return found


def _contains(text: str, word: str) -> bool:
    """`word` in `text`; whole words only for Latin words ("Mug" is not in "Mugs")."""
    if word.isascii() and re.search(r"\w", word):
        return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text) is not None
    return word in text


def _is_label_column(column: pd.Series) -> bool:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return True
    return pd.api.types.is_string_dtype(column) and column.nunique() <= _MAX_DISTINCT
