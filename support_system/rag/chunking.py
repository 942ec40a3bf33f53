"""Japanese-aware chunking as a LlamaIndex text splitter.

LlamaIndex's `SentenceSplitter` measures chunks in tiktoken tokens (whose encoding file
is downloaded on first use, which fails offline) and finds sentences with NLTK's Punkt
model, which does not know that 「。」「！」「？」 end Japanese sentences. This splitter
counts characters instead (multilingual-e5 spends roughly one token per Japanese
character, so characters are a safe budget for its 512-token window) and cuts only at
sentence ends, then at clause marks (、，,;), then at spaces, and only as a last resort
inside a run of text — never inside a character: a combining mark or variation
selector always stays with the character before it.
"""

from __future__ import annotations

import re
import unicodedata

from llama_index.core.node_parser import TextSplitter
from pydantic import Field

# A sentence ends after 。！？!? (plus closing quotes/brackets), after ．or . followed by
# whitespace, or at a line break; blank lines are paragraph breaks.
_SENTENCE_END = re.compile(
    r"(?<=[。！？!?])[」』）)\]】\"'”’]*"
    r"|(?<=[．.])[\"'”’)]*(?=\s)"
    r"|\n"
)
_SOFT_BREAKS = ("、", "，", ",", "；", ";", "：", ":", " ", "\u3000")


def split_sentences(text: str) -> list[str]:
    """Split `text` into sentences, keeping each sentence's end mark and dropping blanks."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        piece = text[start:end].strip()
        if piece:
            sentences.append(piece)
        start = end
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _safe_cut(text: str, limit: int) -> int:
    """The largest cut position ≤ limit that does not separate a mark from its base."""
    cut = min(limit, len(text))
    while 0 < cut < len(text) and _is_attached(text[cut]):
        cut -= 1
    return cut if cut > 0 else min(limit, len(text))


def _is_attached(char: str) -> bool:
    """True for characters that belong to the previous one (dakuten, accents, VS, ZWJ)."""
    code = ord(char)
    return (
        unicodedata.combining(char) != 0
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0xE0100 <= code <= 0xE01EF
        or code in (0x200D, 0x3099, 0x309A)  # zero-width joiner, combining (han)dakuten
        or 0xD800 <= code <= 0xDFFF
    )


def _split_long(sentence: str, size: int) -> list[str]:
    """Cut a sentence longer than `size` at the last soft break, else at a safe character."""
    parts: list[str] = []
    rest = sentence
    while len(rest) > size:
        window = rest[:size]
        cut = max(window.rfind(mark) for mark in _SOFT_BREAKS) + 1
        if cut <= size // 3:  # no useful break: cut the run itself
            cut = _safe_cut(rest, size)
        parts.append(rest[:cut].strip())
        rest = rest[cut:]
    if rest.strip():
        parts.append(rest.strip())
    return [p for p in parts if p]


_END_MARKS = "。！？!?．.」』）)]】\"'”’"


def _joiner(left: str, right: str) -> str:
    """How two pieces join: a line break after a line that had no end mark (a heading, a
    list item), a space after a Latin-script sentence, nothing after a Japanese one."""
    if not left or not right:
        return ""
    if left[-1] not in _END_MARKS:
        return "\n"
    return " " if left[-1].isascii() else ""


def pack(sentences: list[str], size: int, overlap: int) -> list[str]:
    """Greedily pack whole sentences into chunks of at most `size` characters.

    The next chunk starts with as many trailing sentences of the previous one as fit in
    `overlap` characters, so an answer spanning a chunk border is still found whole.
    """
    pieces = [p for s in sentences for p in (_split_long(s, size) if len(s) > size else [s])]
    chunks: list[str] = []
    current: list[str] = []
    length = 0
    for piece in pieces:
        extra = len(piece) + (1 if current else 0)
        if current and length + extra > size:
            chunks.append(_join(current))
            carried: list[str] = []
            carried_len = 0
            for previous in reversed(current):
                if (
                    carried_len + len(previous) > overlap
                    or carried_len + len(previous) + len(piece) >= size
                ):
                    break
                carried.insert(0, previous)
                carried_len += len(previous) + 1
            current, length = carried, carried_len
            extra = len(piece) + (1 if current else 0)
        current.append(piece)
        length += extra
    if current:
        chunks.append(_join(current))
    return chunks


def _join(parts: list[str]) -> str:
    text = parts[0]
    for part in parts[1:]:
        text += _joiner(text, part) + part
    return text


class JapaneseSentenceSplitter(TextSplitter):
    """Chunks of whole sentences (。！？ . ! ?), measured in characters, with overlap."""

    chunk_size: int = Field(400, gt=0, description="Most characters in one chunk.")
    chunk_overlap: int = Field(60, ge=0, description="Characters of trailing sentences repeated.")

    @classmethod
    def class_name(cls) -> str:
        return "JapaneseSentenceSplitter"

    def split_text(self, text: str) -> list[str]:
        return pack(
            split_sentences(text), self.chunk_size, min(self.chunk_overlap, self.chunk_size // 2)
        )
