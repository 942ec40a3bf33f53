"""Several servers for one model: pick the least busy one, step around one that is down.

Why: a model server answers one request at a time (`python -m llama_cpp.server` holds a
lock around its model, and by default even cuts a running stream short when the next
request arrives; Ollama queues per model), so a second host only helps if calls are
spread over the hosts by how busy they are. A registry entry lists its hosts
(`ModelSpec.hosts`, or one `base_url`, or the provider's URL from settings) and every
call of an `ollama` / `openai_compatible` model goes through `HostedChat` here:

- **Pick**: the host with the fewest requests in flight *from this process* (the
  "queue length"); ties go round robin, so sequential calls alternate too. A request
  counts as in flight from its start until its stream ends, fails or is closed (a
  stream `generate()` cancels is dropped, which closes the generator at once).
- **Down**: a host that refused the connection is skipped for `DOWN_SECONDS`, then
  tried again. When every host is down they are all tried anyway: a refused connection
  costs a millisecond, and a server that was restarted is found at once.
- **Failover**: a refused connection happens before any text, so nothing was generated
  and the next host is tried within the same attempt; the model only fails (the typed,
  translated `ModelUnavailable`) when every host refused. A failure after the connection
  was made (timeout, dropped stream, HTTP error) is not retried here: the server may
  have done the work, and `generate()` decides about retries and fallbacks.

Limitation: the counts live in this process. Several processes (Streamlit, API, Celery
workers) each balance their own calls and do not see each other's load; with many
processes the spread is only as even as their calls are.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from support_system.ai.registry import LOCAL_SERVER_PROVIDERS, ModelSpec
from support_system.core.errors import ModelUnavailable
from support_system.core.logging import get_logger
from support_system.core.settings import get_settings

if TYPE_CHECKING:  # only annotations: status pages import `server_urls` without LangChain
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessageChunk

log = get_logger(__name__)

#: Seconds a host that refused a connection is skipped before it is tried again.
DOWN_SECONDS = 30.0


@dataclass
class HostStats:
    """What this process knows about one host (a copy is handed out, for tests and pages)."""

    in_flight: int = 0  # requests running now
    started: int = 0  # requests sent since the process started
    refused: int = 0  # connections it refused
    down_until: float = 0.0  # clock time before which it is skipped


class HostBalancer:
    """Thread-safe bookkeeping of the hosts: one lock, a few counters per URL."""

    def __init__(
        self, down_seconds: float = DOWN_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.down_seconds = down_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._hosts: dict[str, HostStats] = {}
        self._last: dict[tuple[str, ...], int] = {}  # the index picked last, per host list

    def acquire(self, urls: Sequence[str], exclude: Collection[str] = ()) -> str:
        """Pick a host of `urls` (not in `exclude`) and count a request in flight on it.

        Every `acquire` must be matched by one `release`.
        """
        with self._lock:
            now = self._clock()
            candidates = [(i, url) for i, url in enumerate(urls) if url not in exclude]
            if not candidates:
                raise ValueError("no host left to try")
            up = [(i, url) for i, url in candidates if self._host(url).down_until <= now]
            key = tuple(urls)
            last = self._last.get(key, -1)
            index, url = min(
                up or candidates,  # all down: try them anyway (see the module docstring)
                key=lambda c: (self._host(c[1]).in_flight, (c[0] - last - 1) % len(urls)),
            )
            self._last[key] = index
            host = self._host(url)
            host.in_flight += 1
            host.started += 1
            return url

    def release(self, url: str) -> None:
        """The request on `url` ended (answered, failed or was cancelled)."""
        with self._lock:
            host = self._host(url)
            host.in_flight = max(0, host.in_flight - 1)

    def mark_down(self, url: str) -> None:
        """`url` refused a connection: skip it for `down_seconds`."""
        with self._lock:
            host = self._host(url)
            host.refused += 1
            host.down_until = self._clock() + self.down_seconds

    def mark_up(self, url: str) -> None:
        """`url` answered: it is usable again, even before its cooldown ends."""
        with self._lock:
            self._host(url).down_until = 0.0

    def stats(self, url: str) -> HostStats:
        with self._lock:
            return replace(self._host(url))

    def reset(self) -> None:
        """Forget every host (tests start from a clean slate)."""
        with self._lock:
            self._hosts.clear()
            self._last.clear()

    def _host(self, url: str) -> HostStats:
        return self._hosts.setdefault(url, HostStats())


#: The process-wide balancer every model call uses.
BALANCER = HostBalancer()


def server_urls(spec: ModelSpec) -> list[str]:
    """Where `spec` is served: its `hosts`, else its `base_url`, else the provider's setting."""
    if spec.hosts:
        return list(spec.hosts)
    if spec.base_url:
        return [spec.base_url]
    if spec.provider not in LOCAL_SERVER_PROVIDERS:
        return []
    llm = get_settings().llm
    return [llm.ollama_host if spec.provider == "ollama" else llm.openai_compatible_base_url]


def refused(exc: BaseException) -> bool:
    """Did the connection fail before the server got the request (so retrying is safe)?

    The HTTP clients wrap the socket error (openai → APIConnectionError → its own copy of
    httpx's ConnectError → ConnectionRefusedError; ollama → httpx.ConnectError or a
    ConnectionError raised `from None`), so the whole cause/context chain is searched.
    `ConnectError` (refused, unknown name, unreachable) is not `ConnectTimeout`.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError) or type(current).__name__ == "ConnectError":
            return True
        current = current.__cause__ or current.__context__
    return False


class HostedChat:
    """A server model's chat: `.stream()` like LangChain's, on the host the balancer picks.

    `build(url)` makes the LangChain chat model (ChatOllama, ChatOpenAI) for one host.
    """

    def __init__(
        self,
        spec: ModelSpec,
        urls: Sequence[str],
        build: Callable[[str], BaseChatModel],
        balancer: HostBalancer = BALANCER,
    ) -> None:
        if not urls:
            raise ValueError(f"{spec.name}: no host to call")
        self.spec = spec
        self.urls = list(urls)
        self.build = build
        self.balancer = balancer

    def stream(self, messages: Any, **kwargs: Any) -> Iterator[BaseMessageChunk]:
        """Chunks from one host; the next host only when a connection is refused."""
        tried: list[str] = []
        while True:
            url = self.balancer.acquire(self.urls, exclude=tried)
            tried.append(url)
            answered = False
            try:
                for chunk in self.build(url).stream(messages, **kwargs):
                    if not answered:
                        answered = True
                        self.balancer.mark_up(url)
                    yield chunk
                return
            except Exception as exc:
                if answered or not refused(exc):
                    raise
                self.balancer.mark_down(url)
                log.warning("model_host_refused", model=self.spec.name, host=url)
                if len(tried) == len(self.urls):
                    error = ModelUnavailable(
                        detail=f"connection refused by {', '.join(tried)} "
                        f"({type(exc).__name__}: {exc})",
                        model=self.spec.name,
                    )
                    error.transient = True  # a server may be back in a moment
                    raise error from exc
            finally:
                self.balancer.release(url)
