"""Picking a host for a server model: least busy first, ties in turn, down hosts skipped.

Pure bookkeeping, no model: the clock is a plain function the test moves forward. The
refused-connection cases use real clients (ChatOpenAI, ChatOllama) against a port that
is bound but not listening, so the exception chains are the ones production sees.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from support_system.ai.hosts import HostBalancer, HostedChat, refused, server_urls
from support_system.ai.providers import ProviderRequest, chat_model
from support_system.ai.registry import ModelSpec
from support_system.core.errors import ModelUnavailable

A, B, C = "http://a:1", "http://b:1", "http://c:1"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def balancer(clock: Clock) -> HostBalancer:
    return HostBalancer(down_seconds=30, clock=clock)


def test_ties_take_turns(balancer: HostBalancer) -> None:
    picked = []
    for _ in range(6):
        url = balancer.acquire([A, B, C])
        balancer.release(url)
        picked.append(url)
    assert picked == [A, B, C, A, B, C]
    assert [balancer.stats(u).started for u in (A, B, C)] == [2, 2, 2]
    assert [balancer.stats(u).in_flight for u in (A, B, C)] == [0, 0, 0]


def test_the_host_with_fewest_in_flight_wins(balancer: HostBalancer) -> None:
    first, second, third = (balancer.acquire([A, B]) for _ in range(3))
    assert (first, second, third) == (A, B, A)  # 1-1 is a tie: A's turn again
    balancer.release(A)
    balancer.release(A)  # A idle, B still busy
    assert balancer.acquire([A, B]) == A  # 0 in flight against 1
    assert balancer.acquire([A, B]) == B  # 1-1: a tie, and A was picked last
    assert balancer.acquire([A, B]) == A  # 1 against 2
    assert (balancer.stats(A).in_flight, balancer.stats(B).in_flight) == (2, 2)


def test_a_refusing_host_is_skipped_until_its_cooldown_ends(
    balancer: HostBalancer, clock: Clock
) -> None:
    balancer.mark_down(A)
    for _ in range(3):
        url = balancer.acquire([A, B])
        balancer.release(url)
        assert url == B
    clock.now += 29.9
    assert balancer.acquire([A, B]) == B
    clock.now += 0.2
    assert balancer.acquire([A, B]) == A  # back after 30 s
    assert balancer.stats(A).refused == 1


def test_when_every_host_is_down_they_are_tried_anyway(balancer: HostBalancer) -> None:
    balancer.mark_down(A)
    balancer.mark_down(B)
    url = balancer.acquire([A, B])
    assert url in (A, B)
    balancer.mark_up(url)  # it answered after all
    assert balancer.stats(url).down_until == 0
    other = B if url == A else A
    assert balancer.acquire([A, B], exclude=[other]) == url


def test_exclude_and_release(balancer: HostBalancer) -> None:
    assert balancer.acquire([A, B], exclude=[A]) == B
    with pytest.raises(ValueError):
        balancer.acquire([A, B], exclude=[A, B])
    balancer.release(C)  # never acquired: stays at zero, no negative count
    assert balancer.stats(C).in_flight == 0


def test_counts_stay_exact_under_threads(balancer: HostBalancer) -> None:
    def work() -> None:
        for _ in range(500):
            balancer.release(balancer.acquire([A, B, C]))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = [balancer.stats(u) for u in (A, B, C)]
    assert sum(s.started for s in stats) == 4000
    assert all(s.in_flight == 0 for s in stats)
    assert all(s.started > 500 for s in stats)  # spread, not piled on one host


# ---------------------------------------------------------------- registry and URLs


def test_hosts_are_normalised_and_base_url_is_one_host(settings) -> None:
    spec = ModelSpec(name="m", provider="ollama", model_id="x", hosts=[A + "/", B])
    assert spec.hosts == [A, B] and server_urls(spec) == [A, B]
    one = ModelSpec(name="m", provider="openai_compatible", model_id="x", base_url=C)
    assert server_urls(one) == [C]
    default = ModelSpec(name="m", provider="ollama", model_id="x")
    assert server_urls(default) == [settings.llm.ollama_host]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"provider": "embedded", "path": "/m.gguf"}, "`hosts` is for ollama and"),
        ({"provider": "anthropic", "model_id": "x"}, "not anthropic"),
        ({"provider": "ollama", "model_id": "x", "base_url": C}, "not both"),
        ({"provider": "ollama", "model_id": "x", "hosts": ["a:1"]}, "http:// or https://: a:1"),
        ({"provider": "ollama", "model_id": "x", "hosts": [A, A + "/"]}, "listed twice"),
    ],
)
def test_wrong_hosts_are_refused(fields: dict, expected: str) -> None:
    with pytest.raises(ValueError, match="hosts|both") as caught:
        ModelSpec(name="m", **{"hosts": [A, B], **fields})
    assert expected in str(caught.value)


# ---------------------------------------------------------------- refused connections


@pytest.fixture
def dead_ports() -> Iterator[list[int]]:
    """Two ports that refuse connections: bound (nobody else takes them), not listening."""
    holders = [socket.socket(), socket.socket()]
    try:
        for holder in holders:
            holder.bind(("127.0.0.1", 0))
        yield [holder.getsockname()[1] for holder in holders]
    finally:
        for holder in holders:
            holder.close()


REQUEST = ProviderRequest(max_tokens=4, temperature=0, timeout=5, first_token_timeout=5)


@pytest.mark.parametrize(("provider", "path"), [("ollama", ""), ("openai_compatible", "/v1")])
def test_every_host_refusing_is_one_transient_model_unavailable(
    settings, dead_ports: list[int], provider: str, path: str
) -> None:
    urls = [f"http://127.0.0.1:{port}{path}" for port in dead_ports]
    spec = ModelSpec(name="pooled", provider=provider, model_id="x", hosts=urls)
    balancer = HostBalancer()
    chat = chat_model(spec, REQUEST)
    assert isinstance(chat, HostedChat) and chat.urls == urls
    chat.balancer = balancer
    with pytest.raises(ModelUnavailable) as caught:
        list(chat.stream([{"role": "user", "content": "hi"}]))
    error = caught.value
    assert error.transient and all(url in error.detail for url in urls)
    assert refused(error)  # the real client's exception is chained
    assert "pooled" in error.message("en") and "pooled" in error.message("ja")
    for url in urls:  # both were tried once, both are down now, nothing is left in flight
        assert (balancer.stats(url).started, balancer.stats(url).refused) == (1, 1)
        assert balancer.stats(url).in_flight == 0 and balancer.stats(url).down_until > 0


def test_other_errors_are_not_refusals() -> None:
    assert not refused(TimeoutError("read timed out"))
    assert not refused(ValueError("bad json"))
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        assert refused(outer)
