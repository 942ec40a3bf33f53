"""How much does JSON-schema-constrained decoding cost, stock vs FastGrammarLlama?

Prints median decode tokens/s over a few runs for: stock Llama unconstrained, stock Llama
with `response_format` (grammar evaluated over the whole vocabulary every token),
FastGrammarLlama with `response_format` (sample, then check only the chosen token), and
FastGrammarLlama unconstrained (must match stock). Ratios are constrained/unconstrained;
the target for FastGrammarLlama is >= 0.9. Also prints how often the fast path had to fall
back to masking the whole vocabulary. Figures only; nothing here asserts on time.

Same prompt, greedy decoding, n_threads=2 for every path. Runs are interleaved so that
background load on the machine hits all paths alike.

Usage: .venv/bin/python bench/constrained_decoding.py [--runs 3] [--max-tokens 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Iterator

from llama_cpp import Llama
from pydantic import BaseModel, Field

from support_system.ai import get_registry
from support_system.ai.fast_grammar import FastGrammarLlama
from support_system.ai.model_files import model_path

MODEL = "qwen2.5-coder-0.5b"


class Product(BaseModel):
    name: str
    description: str
    price_yen: int


class Catalogue(BaseModel):
    shop: str
    products: list[Product] = Field(min_length=10, max_length=10)


SCHEMA = Catalogue.model_json_schema()
# The schema is in the prompt for every path, so the unconstrained model writes the same
# kind of long JSON answer (and does not stop after a few lines).
MESSAGES = [
    {
        "role": "system",
        "content": "Reply with one JSON object only, matching this JSON schema:\n"
        + json.dumps(SCHEMA),
    },
    {
        "role": "user",
        "content": "Describe a bakery with exactly 10 products, "
        "each with a two-sentence description.",
    },
]


def _stream(llm: Llama, max_tokens: int, constrained: bool) -> Iterator[str]:
    extra = {"response_format": {"type": "json_object", "schema": SCHEMA}} if constrained else {}
    for chunk in llm.create_chat_completion(
        messages=MESSAGES, stream=True, temperature=0.0, max_tokens=max_tokens, **extra
    ):
        yield chunk["choices"][0]["delta"].get("content") or ""


def _decode_rate(chunks: Iterator[str]) -> tuple[float, int]:
    """(decode tokens/s after the first token, tokens); one stream chunk per token."""
    first = last = None
    count = 0
    for piece in chunks:
        if not piece:
            continue
        last = time.perf_counter()
        first = first or last
        count += 1
    assert first is not None and last is not None
    return ((count - 1) / (last - first) if last > first else 0.0), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=200)
    args = parser.parse_args()

    path = str(model_path(get_registry().get(MODEL)))
    stock = Llama(model_path=path, n_ctx=2048, n_threads=2, verbose=False)
    fast = FastGrammarLlama(model_path=path, n_ctx=2048, n_threads=2, verbose=False)
    paths = {
        "stock unconstrained": (stock, False),
        "stock constrained": (stock, True),
        "fast constrained": (fast, True),
        "fast unconstrained": (fast, False),
    }
    for llm, constrained in paths.values():  # warm-up: page in weights, spin up threads
        list(_stream(llm, 8, constrained))

    rows: dict[str, list[tuple[float, int]]] = {name: [] for name in paths}
    sampled = resampled = 0
    for _ in range(args.runs):
        for name, (llm, constrained) in paths.items():
            rows[name].append(_decode_rate(_stream(llm, args.max_tokens, constrained)))
            if llm is fast and constrained:
                sampled += fast.last_sampler.n_sampled
                resampled += fast.last_sampler.n_resampled

    rate = {name: statistics.median(r[0] for r in v) for name, v in rows.items()}
    print(f"model: {MODEL}, n_threads=2, max_tokens={args.max_tokens}, runs={args.runs}")
    print(f"{'path':<22}{'median tok/s':>14}{'tokens':>8}   per run tok/s")
    for name, v in rows.items():
        runs = " ".join(f"{r[0]:.1f}" for r in v)
        print(f"{name:<22}{rate[name]:>14.1f}{int(statistics.median(r[1] for r in v)):>8}   {runs}")
    base = rate["stock unconstrained"]
    print(f"stock constrained / unconstrained: {rate['stock constrained'] / base:.3f}")
    fast_ratio = rate["fast constrained"] / base
    print(f"fast  constrained / unconstrained: {fast_ratio:.3f}  (target >= 0.9)")
    print(f"fast  unconstrained / stock unconstrained: {rate['fast unconstrained'] / base:.3f}")
    print(
        f"fast path fell back to the full vocabulary for {resampled}/{sampled} tokens "
        f"({100 * resampled / max(sampled, 1):.1f}%)"
    )


if __name__ == "__main__":
    main()
