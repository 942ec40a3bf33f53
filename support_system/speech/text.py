"""Text around speech: sentences for reading aloud as a reply streams.

A reply is spoken sentence by sentence while the model is still writing, so the person
hears the start after one sentence, not after the whole answer. `SentenceBuffer`
collects streamed chunks and hands out each sentence once it is complete (ended by
. ! ? or 。！？ followed by a space, a line break or the end).
"""

from __future__ import annotations

import re

_END = re.compile(r"(?<=[。！？])|(?<=[.!?])(?=\s)|\n+")
_MIN_CHARS = 2  # "1." in a numbered list is not a sentence worth a pause


def sentences(text: str) -> list[str]:
    """Split `text` into speakable sentences (Japanese and Latin punctuation)."""
    parts = [part.strip() for part in _END.split(text)]
    merged: list[str] = []
    for part in parts:
        if not part:
            continue
        if merged and len(part) < _MIN_CHARS:
            merged[-1] += part
        elif merged and re.fullmatch(r"\d+[.)]?", merged[-1]):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged


class SentenceBuffer:
    """Feed streamed text; get back the sentences completed so far, each exactly once."""

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, chunk: str) -> list[str]:
        self._pending += chunk
        found = sentences(self._pending)
        if not found:
            return []
        # The last piece may still be growing unless the text ends with a sentence end.
        complete = found if _ends_sentence(self._pending) else found[:-1]
        if complete:
            consumed = _offset_after(self._pending, complete)
            self._pending = self._pending[consumed:]
        return complete

    def flush(self) -> list[str]:
        """The rest, at the end of the stream."""
        rest, self._pending = sentences(self._pending), ""
        return rest


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip(" \t")
    return bool(stripped) and (
        stripped[-1] in "。！？\n" or (stripped[-1] in ".!?" and text != stripped)
    )


def _offset_after(text: str, complete: list[str]) -> int:
    """Index in `text` just after the last of the `complete` sentences."""
    position = 0
    for sentence in complete:
        words = sentence.split()
        for word in words:
            position = text.index(word, position) + len(word)
    return position
