"""What a model call gives back: the finished result, the live stream, one attempt.

Kept apart from `generate.py` so that code which only reads results (pages, the
pipeline, benchmarks) does not need the calling machinery.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Attempt:
    """One try of one model: what happened and how long it took."""

    model: str
    ok: bool
    latency_ms: int
    error_type: str | None = None
    detail: str = ""


@dataclass
class GenerationResult:
    text: str
    model: str
    parsed: Any = None
    tokens_in: int = 0
    tokens_out: int = 0
    first_token_ms: int | None = None
    latency_ms: int = 0
    cache_hit: bool = False
    finish_reason: str | None = None
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def decode_tokens_per_second(self) -> float:
        """Tokens/s after the first token (the figure benchmarks compare)."""
        decode_ms = self.latency_ms - (self.first_token_ms or 0)
        return (
            (self.tokens_out - 1) / (decode_ms / 1000)
            if decode_ms > 0 and self.tokens_out > 1
            else 0.0
        )


class GenerationStream:
    """Iterate for text chunks as they arrive; `.result` is set once the stream ends.

    Closing it early (or abandoning it) cancels the model between two tokens.
    """

    def __init__(self, chunks: Generator[str, None, None], holder: dict[str, Any]) -> None:
        self._chunks = chunks
        self._holder = holder

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        return next(self._chunks)

    def close(self) -> None:
        self._chunks.close()

    @property
    def result(self) -> GenerationResult | None:
        return self._holder.get("result")

    @property
    def model(self) -> str | None:
        """The model answering right now (changes if a fallback takes over)."""
        return self._holder.get("model")
