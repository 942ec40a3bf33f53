"""FastGrammarLlama against stock llama_cpp.Llama on the real Qwen2.5-Coder-0.5B.

The fast path must never produce output the grammar rejects, must pick the same tokens as
stock when decoding greedily, and must leave unconstrained decoding untouched. Each model
is loaded once per module; generations are memoised so the greedy outputs checked for
validity are the same ones compared with stock.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Literal

import pytest
from llama_cpp import Llama, LlamaGrammar
from llama_cpp._internals import LlamaSampler
from pydantic import BaseModel, Field

from support_system.ai import get_registry
from support_system.ai.fast_grammar import FastGrammarLlama, SampleThenCheckSampler
from support_system.ai.model_files import model_path

pytestmark = pytest.mark.model
QWEN = "qwen2.5-coder-0.5b"
SEED = 1234

# Schemas. Strings and lists are bounded so every answer completes well within
# MAX_TOKENS even when sampling at 0.7 (a cut-off answer could not be validated).
MAX_TOKENS = 120


class Address(BaseModel):
    city: str = Field(max_length=16)
    postcode: str = Field(max_length=8)


class Person(BaseModel):
    name: str = Field(max_length=20)
    age: int
    address: Address


class Todo(BaseModel):
    title: str = Field(max_length=16)
    done: bool
    hours: int


class Todos(BaseModel):
    items: list[Todo] = Field(min_length=2, max_length=3)


class Ticket(BaseModel):
    category: Literal["bug", "feature", "question"]
    priority: Literal["low", "medium", "high"]
    summary: str = Field(max_length=40)


class Item(BaseModel):
    name: str = Field(max_length=8)
    price_yen: int


class Bakery(BaseModel):
    name: str = Field(max_length=8)
    items: list[Item] = Field(min_length=1, max_length=3)


CASES: dict[str, tuple[type[BaseModel], str]] = {
    "nested": (Person, "Invent a person living in Osaka. Reply in JSON."),
    "records": (Todos, "List my chores for today as JSON: laundry, shopping, cooking."),
    "enum": (Ticket, "Classify this message as JSON: 'The save button crashes the app.'"),
    "japanese": (
        Bakery,
        "東京の小さなパン屋を紹介してください。店名と商品（名前と値段）をJSONで答えてください。",
    ),
}


@pytest.fixture(scope="module")
def _loaded() -> Iterator[dict[type, Llama]]:
    """Models by class, loaded on first use and shared by every test in this module."""
    models: dict[type, Llama] = {}
    yield models
    for llm in models.values():
        llm.close()


def _model(cls: type[Llama], loaded: dict[type, Llama]) -> Llama:
    if cls not in loaded:
        path = model_path(get_registry().get(QWEN))
        loaded[cls] = cls(model_path=str(path), n_ctx=1024, n_threads=2, verbose=False)
    return loaded[cls]


@pytest.fixture
def fast(settings, _loaded) -> FastGrammarLlama:
    return _model(FastGrammarLlama, _loaded)


@pytest.fixture
def stock(settings, _loaded) -> Llama:
    return _model(Llama, _loaded)


def _chat(llm: Llama, prompt: str, temperature: float, **kwargs: Any) -> tuple[str, str]:
    """(text, finish_reason) of a streamed chat completion."""
    text, finish = "", None
    for chunk in llm.create_chat_completion(
        messages=[{"role": "user", "content": prompt}],
        temperature=temperature,
        seed=SEED,
        stream=True,
        **{"max_tokens": MAX_TOKENS, **kwargs},
    ):
        choice = chunk["choices"][0]
        text += choice["delta"].get("content") or ""
        finish = choice["finish_reason"] or finish
    return text, finish


_outputs: dict[tuple[type, str, float], tuple[str, str]] = {}


def _schema_run(llm: Llama, case: str, temperature: float) -> tuple[str, str]:
    key = (type(llm), case, temperature)
    if key not in _outputs:
        schema, prompt = CASES[case]
        response_format = {"type": "json_object", "schema": schema.model_json_schema()}
        _outputs[key] = _chat(llm, prompt, temperature, response_format=response_format)
    return _outputs[key]


@pytest.mark.parametrize("temperature", [0.0, 0.7])
@pytest.mark.parametrize("case", list(CASES))
def test_schema_output_validates(fast, case, temperature) -> None:
    text, finish = _schema_run(fast, case, temperature)
    assert finish == "stop", f"answer cut off: {text!r}"
    parsed = CASES[case][0].model_validate_json(text)
    if case == "japanese" and temperature == 0:
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", parsed.name + parsed.items[0].name)
    # The constrained path really used the sample-then-check sampler.
    sampler = fast.last_sampler
    assert isinstance(sampler, SampleThenCheckSampler) and sampler.n_sampled > 0


@pytest.mark.parametrize("case", list(CASES))
def test_greedy_output_equals_stock(fast, stock, case) -> None:
    assert _schema_run(fast, case, 0.0) == _schema_run(stock, case, 0.0)


def test_rejected_tokens_fall_back_to_the_full_vocabulary(fast, stock) -> None:
    # The model wants to answer in words; the grammar allows only an ID, so the first
    # tokens must be rejected and resampled from the masked vocabulary.
    grammar = LlamaGrammar.from_string('root ::= "ID-" [0-9] [0-9] [0-9]', verbose=False)
    prompt = "Say hello to the user."
    greedy = _chat(fast, prompt, 0.0, grammar=grammar, max_tokens=16)
    assert fast.last_sampler.n_resampled >= 1
    assert re.fullmatch(r"ID-\d{3}", greedy[0]) and greedy[1] == "stop"
    assert greedy == _chat(stock, prompt, 0.0, grammar=grammar, max_tokens=16)
    sampled, finish = _chat(fast, prompt, 0.7, grammar=grammar, max_tokens=16)
    assert re.fullmatch(r"ID-\d{3}", sampled) and finish == "stop"


@pytest.mark.parametrize(
    "kwargs",
    [{"max_tokens": 8}, {"stop": ['",']}],
    ids=["max_tokens", "stop"],
)
def test_stop_and_max_tokens_behave_like_stock(fast, stock, kwargs) -> None:
    schema, prompt = CASES["nested"]
    response_format = {"type": "json_object", "schema": schema.model_json_schema()}
    got = _chat(fast, prompt, 0.0, response_format=response_format, **kwargs)
    assert got == _chat(stock, prompt, 0.0, response_format=response_format, **kwargs)
    assert got[1] == ("length" if "max_tokens" in kwargs else "stop")


@pytest.mark.parametrize(
    ("prompt", "kwargs"),
    [
        ("Name three colours.", {"max_tokens": 40}),
        ("日本の有名な山を一つ教えてください。", {"max_tokens": 40, "stop": ["。"]}),
    ],
    ids=["english", "japanese-stop"],
)
def test_unconstrained_output_is_identical_to_stock(fast, stock, prompt, kwargs) -> None:
    got = _chat(fast, prompt, 0.0, **kwargs)
    assert got == _chat(stock, prompt, 0.0, **kwargs)
    assert got[0].strip()
    # No grammar: the stock sampler chain is used unchanged.
    assert isinstance(fast._sampler, LlamaSampler)
