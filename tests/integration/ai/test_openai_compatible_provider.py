"""The openai_compatible provider against a REAL OpenAI-compatible server.

The server is llama-cpp-python's own (`python -m llama_cpp.server`, from the
`llama-cpp-python[server]` extra) serving the small smollm2-135m GGUF file, so the
requests go through langchain-openai, the openai client, HTTP/SSE and a real model.
The kill test SIGKILLs a second server while it streams: the caller must get a typed
error carrying the text already shown, and the process must stay usable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel

from support_system.ai import generate, get_registry, model_status
from support_system.core.errors import ModelError, ModelUnavailable
from tests.conftest import usage_records
from tests.helpers.llama_server import LlamaServer

pytestmark = pytest.mark.model

SMOL = "smollm2-135m"
LONG_PROMPT = "Write a long story about a dragon who learns to cook."  # smollm2 rambles on


class Verdict(BaseModel):
    answer: Literal["yes", "no"]
    sure: bool


# ---------------------------------------------------------------- server management


@pytest.fixture(scope="module")
def llama_server(
    smol_gguf: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LlamaServer]:
    server = LlamaServer(smol_gguf, tmp_path_factory.mktemp("llama-server") / "server.log")
    try:
        server.wait_until_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture
def local_server(db, extra_models, llama_server: LlamaServer) -> LlamaServer:
    extra_models(
        [
            {
                "name": "llama-server",
                "provider": "openai_compatible",
                "model_id": "local-model",
                "base_url": llama_server.url,
            }
        ]
    )
    return llama_server


# ---------------------------------------------------------------- tests


def test_streaming_reply(local_server: LlamaServer) -> None:
    stream = generate(
        "Name three colours.",
        "llama-server",
        stream=True,
        max_tokens=32,
        temperature=0,
        cache=False,
        fallback=False,
    )
    pieces = list(stream)
    result = stream.result
    assert len(pieces) >= 3
    assert result is not None and result.text == "".join(pieces) and result.text.strip()
    assert result.model == "llama-server" and not result.cache_hit
    assert result.tokens_in > 0 and result.tokens_out > 0
    assert result.first_token_ms is not None
    [record] = usage_records()
    assert (record.model, record.provider, record.status, record.error_type) == (
        "llama-server",
        "openai_compatible",
        "ok",
        None,
    )
    assert (record.tokens_in, record.tokens_out) == (result.tokens_in, result.tokens_out)


def test_schema_output_parses(local_server: LlamaServer) -> None:
    result = generate(
        "Is the sky blue? Answer yes or no.",
        "llama-server",
        schema=Verdict,
        max_tokens=48,
        temperature=0,
        cache=False,
        fallback=False,
    )
    assert isinstance(result.parsed, Verdict)
    assert json.loads(result.text) == result.parsed.model_dump()
    assert [(r.model, r.status) for r in usage_records()] == [("llama-server", "ok")]


def test_status_is_reachable(local_server: LlamaServer) -> None:
    status = model_status(get_registry().get("llama-server"))
    assert (status.state, status.ok, status.fix("en")) == ("reachable", True, "")
    assert status.message("en") != status.message("ja")


def test_max_tokens_is_honoured(local_server: LlamaServer) -> None:
    result = generate(
        LONG_PROMPT,
        "llama-server",
        max_tokens=16,
        temperature=0,
        timeout=6,
        cache=False,
        fallback=False,
    )
    assert result.finish_reason == "length"
    assert len(result.text.split()) <= 16


def test_server_killed_midstream_is_typed_and_the_process_survives(
    db,
    extra_models,
    smol_gguf: Path,
    tmp_path: Path,
) -> None:
    doomed = LlamaServer(smol_gguf, tmp_path / "doomed.log")
    try:
        doomed.wait_until_ready()
        extra_models(
            [
                {
                    "name": "doomed-server",
                    "provider": "openai_compatible",
                    "model_id": "local-model",
                    "base_url": doomed.url,
                }
            ]
        )
        stream = generate(
            LONG_PROMPT, "doomed-server", stream=True, max_tokens=200, temperature=0, cache=False
        )  # fallbacks allowed: none may take over
        pieces = [next(stream) for _ in range(3)]
        doomed.kill()
        with pytest.raises(ModelUnavailable) as caught:
            for piece in stream:
                pieces.append(piece)
    finally:
        doomed.stop()

    error = caught.value
    assert isinstance(error, ModelError)
    assert error.partial_text == "".join(pieces) and error.partial_text.strip()
    assert len(pieces) < 200
    ja, en = error.message("ja"), error.message("en")
    assert ja.strip() and en.strip() and ja != en and "doomed-server" in en
    assert [(a.model, a.ok) for a in error.attempts] == [("doomed-server", False)]
    assert [(r.model, r.provider, r.status, r.error_type) for r in usage_records()] == [
        ("doomed-server", "openai_compatible", "error", "ModelUnavailable")
    ]

    after = generate("Say yes.", SMOL, max_tokens=8, cache=False, fallback=False)
    assert after.model == SMOL and after.text.strip()
