"""One model on several REAL servers: calls are spread, a dead host is stepped over.

Two `python -m llama_cpp.server` processes serve the small smollm2-135m GGUF file (one
thread each, small context) on free ports; a registry entry lists both as `hosts`.
Each server's access log shows what it answered, and `hosts.BALANCER` what this process
sent where: both must agree. Then the servers are SIGKILLed one after the other: the
survivor answers everything, and with both gone the caller gets the typed, translated
ModelUnavailable. The Ollama provider is checked the same way against the Ollama-speaking
test server (`tests.fakes.ollama_server`) next to a port that refuses connections.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from support_system.ai import generate
from support_system.ai.hosts import BALANCER
from support_system.ai.results import GenerationResult
from support_system.core.errors import ModelUnavailable
from tests.conftest import usage_records
from tests.fakes.ollama_server import FakeOllama, running_fake_ollama
from tests.helpers.llama_server import LlamaServer

pytestmark = pytest.mark.model

POOLED = "pooled-server"


@pytest.fixture
def servers(db, extra_models, smol_gguf: Path, tmp_path: Path) -> Iterator[list[LlamaServer]]:
    """Two fresh servers (each test may kill them) and a registry entry listing both."""
    pair = [LlamaServer(smol_gguf, tmp_path / f"server-{n}.log", n_ctx=512) for n in (1, 2)]
    try:
        for server in pair:
            server.wait_until_ready()
        extra_models(
            [
                {
                    "name": POOLED,
                    "provider": "openai_compatible",
                    "model_id": "local-model",
                    "hosts": [server.url for server in pair],
                }
            ]
        )
        BALANCER.reset()
        yield pair
    finally:
        for server in pair:
            server.stop()
        BALANCER.reset()


def _ask(prompt: str = "Say hello.") -> GenerationResult:
    return generate(
        prompt, POOLED, max_tokens=8, temperature=0, timeout=30, cache=False, fallback=False
    )


def test_concurrent_calls_are_spread_over_both_servers(servers: list[LlamaServer]) -> None:
    prompts = ["Say hello.", "Name a colour.", "Count to three.", "Name a fruit."]
    with ThreadPoolExecutor(max_workers=len(prompts)) as pool:
        results = list(pool.map(_ask, prompts))

    assert all(r.model == POOLED and r.text.strip() for r in results)
    sent = [BALANCER.stats(server.url) for server in servers]
    assert sum(s.started for s in sent) == len(prompts)
    assert all(s.started >= 1 and s.in_flight == 0 and s.refused == 0 for s in sent)
    # Each server's own log agrees with what this process sent it.
    assert [server.answered() for server in servers] == [s.started for s in sent]
    assert [(r.model, r.status) for r in usage_records()] == [(POOLED, "ok")] * len(prompts)

    # A request counts against its host for as long as it streams, and no longer.
    stream = generate(
        "Write a long story about a dragon.",
        POOLED,
        stream=True,
        max_tokens=200,
        temperature=0,
        cache=False,
        fallback=False,
    )
    next(stream)
    assert sorted(BALANCER.stats(server.url).in_flight for server in servers) == [0, 1]
    stream.close()  # the reader stops: the model is cancelled at its next token
    deadline = time.monotonic() + 10
    while any(BALANCER.stats(server.url).in_flight for server in servers):
        assert time.monotonic() < deadline, "the closed stream still counts as in flight"
        time.sleep(0.05)


def test_a_killed_server_is_stepped_over_then_both_down_is_typed(
    servers: list[LlamaServer],
) -> None:
    first, second = servers
    first.kill()
    results = [_ask() for _ in range(3)]
    assert all(r.text.strip() for r in results)
    assert all([(a.model, a.ok) for a in r.attempts] == [(POOLED, True)] for r in results)
    dead, alive = BALANCER.stats(first.url), BALANCER.stats(second.url)
    assert (dead.started, dead.refused) == (1, 1)  # tried once, then skipped while down
    assert (alive.started, alive.refused) == (3, 0)
    assert second.answered() == 3
    assert [r.status for r in usage_records()] == ["ok"] * 3  # a host switch is no failure

    second.kill()
    started = time.monotonic()
    with pytest.raises(ModelUnavailable) as caught:
        _ask()
    assert time.monotonic() - started < 10  # refused at once, no wait for a timeout
    error = caught.value
    assert first.url in error.detail and second.url in error.detail
    ja, en = error.message("ja"), error.message("en")
    assert ja.strip() and en.strip() and ja != en and POOLED in ja and POOLED in en
    assert error.attempts and not any(a.ok for a in error.attempts)
    errors = [(r.status, r.error_type) for r in usage_records()[3:]]
    assert errors == [("error", "ModelUnavailable")] * len(error.attempts)


@pytest.fixture
def fake_ollama(smol_gguf: Path) -> Iterator[FakeOllama]:
    with running_fake_ollama(smol_gguf, ["smol:latest"], n_ctx=512, n_threads=1) as server:
        yield server


def test_ollama_hosts_step_over_one_that_refuses(db, extra_models, fake_ollama: FakeOllama) -> None:
    with socket.socket() as holder:  # bound, not listening: connections are refused
        holder.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{holder.getsockname()[1]}"
        extra_models(
            [
                {
                    "name": "pooled-ollama",
                    "provider": "ollama",
                    "model_id": "smol:latest",
                    "hosts": [dead, fake_ollama.url],
                }
            ]
        )
        BALANCER.reset()
        try:
            result = generate(
                "Say hello.", "pooled-ollama", max_tokens=8, cache=False, fallback=False
            )
            assert result.text.strip() and len(fake_ollama.requests) == 1
            assert BALANCER.stats(dead).refused == 1
            assert BALANCER.stats(fake_ollama.url).started == 1
        finally:
            BALANCER.reset()
