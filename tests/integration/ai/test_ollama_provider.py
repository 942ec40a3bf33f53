"""The Ollama provider end to end: generate() → ChatOllama → HTTP → an Ollama-speaking server.

No Ollama server can be installed here, so the server is `tests.fakes.ollama_server`: it
speaks Ollama's documented /api/chat (streaming NDJSON) and /api/tags formats and
generates every answer with a real GGUF model (smollm2-135m) through llama-cpp-python.
The provider code under test is the real one (langchain-ollama + the official client).

Every failure case also checks the UsageRecords it must leave: one per model attempt.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import httpx
import pytest
from pydantic import BaseModel

from support_system.ai import generate, get_registry, model_status
from support_system.core.errors import ModelError, ModelUnavailable
from support_system.core.settings import PROJECT_ROOT, get_settings
from tests.conftest import usage_records
from tests.fakes.ollama_server import DROP_MIDSTREAM, FakeOllama, running_fake_ollama

pytestmark = pytest.mark.model

SMOL = "smollm2-135m"
OLLAMA_NAME = "qwen2.5-coder:1.5b"  # the name the fake server answers to
DROP_AFTER = 3  # content chunks the drop-midstream model sends before vanishing


class Verdict(BaseModel):
    answer: Literal["yes", "no"]
    sure: bool


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def fake_ollama(smol_gguf: Path) -> Iterator[FakeOllama]:
    faults = {DROP_MIDSTREAM: DROP_AFTER}
    with running_fake_ollama(smol_gguf, [OLLAMA_NAME], faults=faults) as server:
        yield server


@pytest.fixture
def dead_port() -> Iterator[int]:
    """A port that refuses connections: bound (so nobody else takes it) but not listening."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


@pytest.fixture
def ollama(db, extra_models, fake_ollama: FakeOllama, dead_port: int, monkeypatch) -> FakeOllama:
    """Registry entries for the fake server (host from settings) and for a dead host."""
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__OLLAMA_HOST", fake_ollama.url)
    dead = f"http://127.0.0.1:{dead_port}"
    extra_models(
        [
            {"name": "ollama-fake", "provider": "ollama", "model_id": OLLAMA_NAME},
            {"name": "ollama-not-pulled", "provider": "ollama", "model_id": "llama3.2:1b"},
            {"name": "ollama-drop", "provider": "ollama", "model_id": DROP_MIDSTREAM},
            {
                "name": "ollama-dead",
                "provider": "ollama",
                "model_id": OLLAMA_NAME,
                "base_url": dead,
            },
            {
                "name": "ollama-dead-fb",
                "provider": "ollama",
                "model_id": OLLAMA_NAME,
                "base_url": dead,
                "fallbacks": [SMOL],
            },
        ]
    )
    assert get_settings().llm.ollama_host == fake_ollama.url
    fake_ollama.requests.clear()
    fake_ollama.last_done = None
    return fake_ollama


def _records() -> list[tuple[str, str, str, str | None]]:
    return [(r.model, r.provider, r.status, r.error_type) for r in usage_records()]


# ---------------------------------------------------------------- happy paths


def test_streaming_reply_counts_tokens_from_ollama(ollama: FakeOllama) -> None:
    stream = generate(
        "Name three colours.",
        "ollama-fake",
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
    assert result.model == "ollama-fake" and not result.cache_hit
    assert [(a.model, a.ok) for a in result.attempts] == [("ollama-fake", True)]

    sent = ollama.requests[-1]  # what went over the wire
    assert sent["model"] == OLLAMA_NAME and sent["stream"] is True
    assert sent["options"]["num_predict"] == 32 and sent["options"]["temperature"] == 0
    assert "format" not in sent
    done = ollama.last_done
    assert done is not None and done["done"] is True
    assert result.tokens_in == done["prompt_eval_count"] > 5
    assert result.tokens_out == done["eval_count"] == len(pieces) <= 32
    assert result.finish_reason == done["done_reason"]
    assert result.first_token_ms is not None and result.latency_ms >= result.first_token_ms

    [record] = usage_records()
    assert (record.model, record.provider, record.status, record.cache_hit) == (
        "ollama-fake",
        "ollama",
        "ok",
        False,
    )
    assert (record.tokens_in, record.tokens_out) == (result.tokens_in, result.tokens_out)
    assert record.first_token_ms is not None and record.error_type is None


def test_schema_output_is_sent_as_format_and_parsed(ollama: FakeOllama) -> None:
    result = generate(
        "Is the sky blue? Answer yes or no.",
        "ollama-fake",
        schema=Verdict,
        max_tokens=48,
        temperature=0,
        cache=False,
        fallback=False,
    )
    assert isinstance(result.parsed, Verdict)
    assert json.loads(result.text) == result.parsed.model_dump()
    assert ollama.requests[-1]["format"] == Verdict.model_json_schema()
    assert _records() == [("ollama-fake", "ollama", "ok", None)]


def test_model_status_reachable_and_not_pulled(ollama: FakeOllama) -> None:
    registry = get_registry()
    up = model_status(registry.get("ollama-fake"))
    assert (up.state, up.ok, up.fix("en")) == ("reachable", True, "")
    assert up.message("en") and up.message("ja") and up.message("en") != up.message("ja")

    missing = model_status(registry.get("ollama-not-pulled"))
    assert missing.state == "error" and not missing.ok
    assert "ollama pull llama3.2:1b" in missing.detail
    assert missing.fix("en") and missing.fix("ja") and missing.fix("en") != missing.fix("ja")


def test_model_status_fix_for_a_missing_model_says_pull(ollama: FakeOllama) -> None:
    missing = model_status(get_registry().get("ollama-not-pulled"))
    assert "ollama pull llama3.2:1b" in missing.fix("en")


def test_model_status_of_a_dead_host(ollama: FakeOllama, dead_port: int) -> None:
    down = model_status(get_registry().get("ollama-dead"))
    assert down.state == "error" and "ConnectError" in down.detail
    assert str(dead_port) in down.fix("en") and str(dead_port) in down.fix("ja")


# ---------------------------------------------------------------- failures


def test_unknown_model_on_the_server_is_model_unavailable(ollama: FakeOllama) -> None:
    with pytest.raises(ModelUnavailable) as caught:
        generate("Hello", "ollama-not-pulled", max_tokens=8, cache=False, fallback=False)
    assert "not found" in caught.value.detail
    assert {r[2:] for r in _records()} == {("error", "ModelUnavailable")}


def test_dead_host_is_model_unavailable_and_recorded(ollama: FakeOllama) -> None:
    started = time.monotonic()
    with pytest.raises(ModelUnavailable) as caught:
        generate("Hello", "ollama-dead", max_tokens=8, cache=False, fallback=False)
    assert time.monotonic() - started < 10  # refused at once, not a hang until the timeout
    error = caught.value
    ja, en = error.message("ja"), error.message("en")
    assert ja.strip() and en.strip() and ja != en
    assert "ollama-dead" in en and "ollama-dead" in ja
    records = _records()
    assert records == [("ollama-dead", "ollama", "error", "ModelUnavailable")] * len(error.attempts)
    assert len(records) >= 1


def test_dead_host_falls_back_to_the_embedded_model(ollama: FakeOllama) -> None:
    result = generate("Say hello.", "ollama-dead-fb", max_tokens=12, cache=False)
    assert result.model == SMOL and result.text.strip()
    first, last = result.attempts[0], result.attempts[-1]
    assert (first.model, first.ok) == ("ollama-dead-fb", False)
    assert first.error_type == "ModelUnavailable"
    assert (last.model, last.ok) == (SMOL, True)
    assert [(r.model, r.status) for r in usage_records()] == [
        (a.model, "ok" if a.ok else "error") for a in result.attempts
    ]
    assert {r.provider for r in usage_records()} == {"ollama", "embedded"}


def test_connection_dropped_midstream_is_typed_with_partial_text(ollama: FakeOllama) -> None:
    dropped_before = ollama.dropped
    stream = generate(
        "Count from 1 to 50.", "ollama-drop", stream=True, max_tokens=64, cache=False
    )  # fallbacks allowed: none may take over once text was shown
    pieces: list[str] = []
    with pytest.raises(ModelUnavailable) as caught:
        for piece in stream:
            pieces.append(piece)
    error = caught.value
    assert isinstance(error, ModelError)
    assert 1 <= len(pieces) <= DROP_AFTER
    assert error.partial_text == "".join(pieces) and error.partial_text.strip()
    assert error.message("ja") != error.message("en")
    assert [(a.model, a.ok) for a in error.attempts] == [("ollama-drop", False)]
    assert ollama.dropped == dropped_before + 1
    assert _records() == [("ollama-drop", "ollama", "error", "ModelUnavailable")]

    again = generate("Say yes.", "ollama-fake", max_tokens=8, cache=False, fallback=False)
    assert again.text.strip() and again.model == "ollama-fake"


def test_connection_dropped_before_anything_was_shown_falls_back(ollama: FakeOllama) -> None:
    result = generate("Count from 1 to 50.", "ollama-drop", max_tokens=24, cache=False)
    assert result.model == SMOL and result.text.strip()
    assert [a.ok for a in result.attempts][-1] is True
    assert all(a.model == "ollama-drop" and not a.ok for a in result.attempts[:-1])
    assert [r.status for r in usage_records()] == ["error"] * (len(result.attempts) - 1) + ["ok"]


# ---------------------------------------------------------------- the fake itself, as a process


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_fake_server_cli_speaks_the_ollama_wire_format(smol_gguf: Path, tmp_path: Path) -> None:
    """`python -m tests.fakes.ollama_server` against the official `ollama` client and raw HTTP."""
    import ollama as ollama_client

    port, log = _free_port(), tmp_path / "fake-ollama.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.fakes.ollama_server",
                "--port",
                str(port),
                "--model-name",
                OLLAMA_NAME,
                "--gguf",
                str(smol_gguf),
            ],
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"fake server exited with {proc.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{url}/api/tags", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"fake server not up after 30 s:\n{log.read_text()}")
            time.sleep(0.1)

        client = ollama_client.Client(host=url)
        listed = {m.model: m for m in client.list().models}
        assert set(listed) == {OLLAMA_NAME, DROP_MIDSTREAM}
        assert listed[OLLAMA_NAME].size == smol_gguf.stat().st_size
        assert listed[OLLAMA_NAME].details.format == "gguf"

        request = {
            "model": OLLAMA_NAME,
            "messages": [{"role": "user", "content": "Hi"}],
            "options": {"num_predict": 8, "temperature": 0},
        }
        with httpx.stream("POST", f"{url}/api/chat", json=request, timeout=30) as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == "application/x-ndjson"
            lines = [json.loads(line) for line in response.iter_lines() if line]
        *chunks, final = lines
        assert chunks and all(
            c["done"] is False
            and c["message"]["role"] == "assistant"
            and {"model", "created_at"} <= set(c)
            for c in chunks
        )
        assert final["done"] is True and final["done_reason"] in ("stop", "length")
        assert final["eval_count"] == len(chunks) <= 8 and final["prompt_eval_count"] > 0
        assert final["total_duration"] >= final["eval_duration"] > 0

        whole = client.chat(
            model=OLLAMA_NAME,
            messages=request["messages"],
            stream=False,
            options={"num_predict": 8},
            format="json",
        )
        assert whole.done and whole.message.content.lstrip().startswith("{")  # JSON grammar

        missing = httpx.post(f"{url}/api/chat", json={**request, "model": "nope"}, timeout=10)
        assert missing.status_code == 404
        assert missing.json() == {"error": 'model "nope" not found, try pulling it first'}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
