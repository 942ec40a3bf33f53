"""How much does the project's generate() cost on top of llama-cpp-python?

Prints, for the same model file, prompt and settings (greedy decoding, 2 threads):
decode tokens/s and time to first token through llama-cpp-python directly (in this
process) and through `generate()` (the embedded model's worker process), their ratio
(target >= 0.95), JSON-schema-constrained decode speed as a ratio to unconstrained
(target >= 0.9), and the constrained time to first token against the unconstrained one
(target: within 0.2 s), with the grammar's own share of it measured on one prompt.
Figures only; nothing here asserts on time.

Usage: .venv/bin/python bench/llm_overhead.py [--model NAME] [--runs 3] [--max-tokens 200]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterator

from pydantic import BaseModel

from support_system.ai import generate, get_registry
from support_system.ai.model_files import model_path
from support_system.ai.model_worker import load_llama
from support_system.ai.prompts import render
from support_system.ai.providers import reset_embedded
from support_system.ai.schema_sketch import sketch
from support_system.core.errors import InvalidOutput
from support_system.core.settings import get_settings
from support_system.data.migrate import upgrade

PROMPT = "Write a friendly paragraph that introduces a small bakery to new customers."


class Product(BaseModel):
    name: str
    description: str
    price_yen: int


class Catalogue(BaseModel):
    shop: str
    products: list[Product]


SCHEMA_PROMPT = "Describe a bakery with exactly 10 products, each with a two-sentence description."


def _timed(chunks: Iterator[str]) -> tuple[float, float, int]:
    """(seconds to first token, decode tokens/s, tokens) for a stream of text chunks."""
    start = time.perf_counter()
    first = last = None
    count = 0
    for piece in chunks:
        if not piece:
            continue
        now = time.perf_counter()
        first = first or now
        last = now
        count += 1
    assert first is not None and last is not None
    decode = (count - 1) / (last - first) if last > first else 0.0
    return first - start, decode, count


def _sampling_defaults() -> dict:
    """The sampling settings generate() sends through ChatLlamaCpp, so both paths match."""
    from langchain_community.chat_models import ChatLlamaCpp

    fields = ChatLlamaCpp.model_fields
    return {name: fields[name].default for name in ("top_p", "top_k", "repeat_penalty")}


def _direct(llama, messages: list[dict], **kwargs) -> Iterator[str]:
    stream = llama.create_chat_completion(
        messages=messages, stream=True, temperature=0.0, **_sampling_defaults(), **kwargs
    )
    for chunk in stream:
        yield chunk["choices"][0]["delta"].get("content") or ""


def _via_generate(messages: list[dict], model: str, max_tokens: int, schema=None) -> Iterator[str]:
    try:
        yield from generate(
            messages,
            model,
            stream=True,
            max_tokens=max_tokens,
            temperature=0.0,
            cache=False,
            fallback=False,
            schema=schema,
            purpose="bench",
        )
    except InvalidOutput:
        pass  # a JSON answer cut off at max_tokens: its tokens were still decoded and timed


def _median(rows: list[tuple[float, float, int]]) -> tuple[float, float, int]:
    return (
        statistics.median(r[0] for r in rows),
        statistics.median(r[1] for r in rows),
        int(statistics.median(r[2] for r in rows)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=get_settings().llm.default_model)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=200)
    args = parser.parse_args()

    settings = get_settings()
    upgrade()  # generate() records usage: the database must exist
    spec = get_registry().get(args.model)
    path = model_path(spec)
    n_ctx = min(settings.llm.n_ctx, spec.context_length)
    n_threads = settings.llm.n_threads or 2
    # The same file, context size and threads as generate()'s worker process, loaded
    # here in-process for the direct path.
    llama = load_llama(path, n_ctx, n_threads)
    messages = [{"role": "user", "content": PROMPT}]
    schema_json = Catalogue.model_json_schema()
    instruction = render("models/json_instruction", schema=sketch(schema_json))
    schema_messages = [
        {"role": "system", "content": instruction},
        {"role": "user", "content": SCHEMA_PROMPT},
    ]
    fmt = {"type": "json_object", "schema": schema_json}

    list(_via_generate(messages, args.model, 4))  # warm-up: load, caches, threads
    rows: dict[str, list[tuple[float, float, int]]] = {
        k: [] for k in ("direct", "generate", "direct-json", "generate-json", "direct-jsonprompt")
    }
    # llama.reset() before every run: otherwise a run reuses the previous run's prompt
    # from the KV cache (a flattering TTFT, and slightly different greedy output).
    for _ in range(args.runs):
        llama.reset()
        rows["direct"].append(_timed(_direct(llama, messages, max_tokens=args.max_tokens)))
        reset_embedded(spec)
        rows["generate"].append(_timed(_via_generate(messages, args.model, args.max_tokens)))
        llama.reset()
        rows["direct-json"].append(
            _timed(
                _direct(llama, schema_messages, max_tokens=args.max_tokens * 2, response_format=fmt)
            )
        )
        reset_embedded(spec)
        rows["generate-json"].append(
            _timed(_via_generate(schema_messages[1:], args.model, args.max_tokens * 2, Catalogue))
        )
        # The grammar's own cost: the JSON prompt with and without the constraint.
        llama.reset()
        rows["direct-jsonprompt"].append(_timed(_direct(llama, schema_messages, max_tokens=4)))

    med = {k: _median(v) for k, v in rows.items()}
    print(
        f"model: {spec.name} ({path.name}), n_threads={n_threads}, n_ctx={n_ctx}, "
        f"runs={args.runs}, "
        f"llama class: {type(llama).__name__}"
    )
    print(f"{'path':<16}{'TTFT s':>10}{'decode tok/s':>15}{'tokens':>9}")
    for name, (ttft, rate, tokens) in med.items():
        print(f"{name:<16}{ttft:>10.3f}{rate:>15.1f}{tokens:>9}")
    print(
        f"generate()/direct decode ratio: {med['generate'][1] / med['direct'][1]:.3f}"
        "  (target >= 0.95)"
    )
    print(f"generate()/direct TTFT: {med['generate'][0]:.3f} s vs {med['direct'][0]:.3f} s")
    print(
        f"constrained/unconstrained decode ratio via generate(): "
        f"{med['generate-json'][1] / med['generate'][1]:.3f}  (target >= 0.9)"
    )
    print(
        "constrained/unconstrained decode ratio direct: "
        f"{med['direct-json'][1] / med['direct'][1]:.3f}"
    )
    print(
        f"constrained TTFT via generate(): {med['generate-json'][0]:.3f} s vs unconstrained "
        f"{med['generate'][0]:.3f} s: +{med['generate-json'][0] - med['generate'][0]:.3f} s"
        "  (target <= 0.2)"
    )
    print(
        f"the grammar's own TTFT cost (same JSON prompt, direct): "
        f"{med['direct-json'][0] - med['direct-jsonprompt'][0]:+.3f} s"
    )


if __name__ == "__main__":
    main()
