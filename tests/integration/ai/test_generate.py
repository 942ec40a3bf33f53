"""generate() on the real embedded models: streaming, schema, cache, timeouts, fallbacks.

Every case also checks the UsageRecord it must leave behind, because the dashboard and
quotas rely on one record per model attempt, failures and cache hits included.
"""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, Field, field_validator

from support_system.ai import GenerationResult, generate, get_registry, providers
from support_system.core.errors import InvalidOutput, ModelError, ModelUnavailable, Timeout
from tests.conftest import usage_records

pytestmark = pytest.mark.model
QWEN, SMOL = "qwen2.5-coder-0.5b", "smollm2-135m"


class Greeting(BaseModel):
    greeting: str = Field(min_length=1)
    language: Literal["ja", "en"]


class Impossible(BaseModel):
    """Valid JSON schema, but no answer passes the validator: the model cannot satisfy it."""

    word: str

    @field_validator("word")
    @classmethod
    def _never(cls, value: str) -> str:
        raise ValueError("no word is acceptable here")


def test_stream_yields_tokens_then_a_result(db) -> None:
    stream = generate("Name three colours.", QWEN, stream=True, max_tokens=24, cache=False)
    pieces = list(stream)
    result = stream.result
    assert len(pieces) > 3
    assert isinstance(result, GenerationResult)
    assert result.text == "".join(pieces) and result.text.strip()
    assert result.model == QWEN and not result.cache_hit
    assert result.tokens_out > 3 and result.tokens_in > 3
    assert result.first_token_ms is not None and result.latency_ms >= result.first_token_ms
    [record] = usage_records()
    assert (record.model, record.status, record.cache_hit) == (QWEN, "ok", False)
    assert record.tokens_out == result.tokens_out and record.tokens_in == result.tokens_in
    assert record.cost == 0.0 and record.latency_ms > 0


def test_schema_output_is_parsed(db) -> None:
    result = generate(
        "Greet the user in English.",
        QWEN,
        schema=Greeting,
        max_tokens=60,
        temperature=0,
        cache=False,
    )
    assert isinstance(result.parsed, Greeting)
    assert result.parsed.language in ("ja", "en")


@pytest.mark.parametrize(
    ("schema", "max_tokens", "why"),
    [(Impossible, 40, "word"), (Greeting, 3, "max_tokens=3")],
    ids=["validator-never-passes", "cut-off-json"],
)
def test_unsatisfiable_output_is_invalid_output(db, schema, max_tokens, why) -> None:
    with pytest.raises(InvalidOutput) as caught:
        generate("Answer.", QWEN, schema=schema, max_tokens=max_tokens, cache=False, fallback=False)
    error = caught.value
    assert why in error.detail
    assert "形式" in error.message("ja") and "form" in error.message("en")
    [record] = usage_records()
    assert (record.status, record.error_type) == ("error", "InvalidOutput")


def test_invalid_output_walks_the_fallback_chain(db) -> None:
    with pytest.raises(InvalidOutput) as caught:
        generate("Answer.", QWEN, schema=Impossible, max_tokens=40, cache=False)
    tried = [a.model for a in caught.value.attempts]
    assert tried == [QWEN, SMOL]
    assert [(r.model, r.status) for r in usage_records()] == [(QWEN, "error"), (SMOL, "error")]


def test_second_identical_call_is_a_cache_hit(db) -> None:
    first = generate("Say OK.", QWEN, max_tokens=8, temperature=0)
    second = generate("Say OK.", QWEN, max_tokens=8, temperature=0)
    uncached = generate("Say OK.", QWEN, max_tokens=8, temperature=0, cache=False)
    assert not first.cache_hit and second.cache_hit and not uncached.cache_hit
    assert second.text == first.text
    assert [r.cache_hit for r in usage_records()] == [False, True, False]


def test_timeout_is_typed_recorded_and_leaves_the_model_usable(db) -> None:
    generate("Hi", QWEN, max_tokens=2, cache=False)  # load the model first
    with pytest.raises(Timeout) as caught:
        generate(
            "Write a long story about the sea.",
            QWEN,
            stream=False,
            max_tokens=400,
            timeout=0.3,
            cache=False,
            fallback=False,
        )
    assert "時間" in caught.value.message("ja") and "too long" in caught.value.message("en")
    assert usage_records()[-1].error_type == "Timeout"
    again = generate("Say yes.", QWEN, max_tokens=4, cache=False, fallback=False)
    assert again.text.strip()


def test_closing_a_stream_cancels_the_generation(db) -> None:
    stream = generate("Count from 1 to 100.", QWEN, stream=True, max_tokens=300, cache=False)
    for _ in range(3):
        next(stream)
    stream.close()
    # The cancelled run released the model at once instead of finishing its 300 tokens.
    lock = providers.model_lock(get_registry().get(QWEN))
    assert lock.acquire(blocking=False)
    lock.release()
    result = generate("Say yes.", QWEN, max_tokens=4, cache=False, fallback=False)
    assert result.text.strip()
    record = usage_records()[0]
    assert record.tokens_out < 100  # stopped near the 3 chunks read, not at 300


def test_fallback_chain_answers_from_the_next_model(db, extra_models, tmp_path) -> None:
    extra_models(
        [
            {
                "name": "broken-local",
                "provider": "embedded",
                "path": str(tmp_path / "gone.gguf"),
                "fallbacks": [SMOL],
            }
        ]
    )
    result = generate("Say hello.", "broken-local", max_tokens=12, cache=False)
    assert result.model == SMOL and result.text.strip()
    assert [(a.model, a.ok) for a in result.attempts] == [("broken-local", False), (SMOL, True)]
    assert result.attempts[0].error_type == "ModelFileError"
    assert [(r.model, r.status) for r in usage_records()] == [
        ("broken-local", "error"),
        (SMOL, "ok"),
    ]


def test_no_fallback_raises_the_typed_error(db, extra_models, tmp_path) -> None:
    extra_models(
        [{"name": "broken-local", "provider": "embedded", "path": str(tmp_path / "gone.gguf")}]
    )
    with pytest.raises(ModelUnavailable) as caught:
        generate("Say hello.", "broken-local", max_tokens=12, cache=False, fallback=False)
    assert isinstance(caught.value, ModelError)
    assert "gone.gguf" in caught.value.message("en")
