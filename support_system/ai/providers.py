"""Turn a registry entry into a LangChain chat model, and provider errors into typed ones.

One function per provider keeps the differences (URLs, keys, how JSON output is
requested) in one readable place. Embedded models run in a supervised worker process
(`model_process.py`), so a native crash in llama.cpp costs one reply, not the app.
Server models may have several hosts; `hosts.py` picks one per call.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk

from support_system.ai.hosts import HostedChat, server_urls
from support_system.ai.model_files import model_path
from support_system.ai.model_process import ModelProcess, WorkerKey, worker_for
from support_system.ai.registry import CLOUD_PROVIDERS, ModelSpec, Provider
from support_system.core.errors import (
    InvalidOutput,
    ModelError,
    ModelUnavailable,
    RateLimited,
    SupportSystemError,
    Timeout,
)
from support_system.core.logging import get_logger
from support_system.core.settings import get_settings

log = get_logger(__name__)

# ---------------------------------------------------------------- embedded (llama.cpp)


def _threads() -> int:
    return get_settings().llm.n_threads or max(1, os.cpu_count() or 1)


def embedded_worker(spec: ModelSpec) -> ModelProcess:
    """The supervised process that serves this embedded model (started on first use).

    Loading costs ~0.5-2 s and ~0.6-1.8 GB, so every chat shares the one worker.
    """
    path = model_path(spec)
    n_ctx = min(get_settings().llm.n_ctx, spec.context_length)
    return worker_for(WorkerKey(path=path, n_ctx=n_ctx, n_threads=_threads()), spec.name)


def model_lock(spec: ModelSpec) -> threading.Lock:
    """A llama.cpp context is not thread-safe: one generation per embedded model at a time.

    Remote providers handle concurrency themselves and get a fresh (unshared) lock.
    """
    if spec.provider != "embedded":
        return threading.Lock()
    return embedded_worker(spec).lock


class EmbeddedChat:
    """The chat model of an embedded model, answered by its worker process.

    Inside the worker, LangChain's ChatLlamaCpp formats the messages and streams; here
    the same chunks come back as `AIMessageChunk`s, the last one carrying the token
    usage, so `generate()` reads them exactly like any other provider's stream.
    """

    def __init__(self, spec: ModelSpec, request: ProviderRequest) -> None:
        self.spec = spec
        self.worker = embedded_worker(spec)
        self.request = request

    def stream(self, messages: list[dict[str, str]], **kwargs: Any) -> Iterator[AIMessageChunk]:
        """Chunks as they are decoded; closing the iterator cancels at the next token.

        The caller holds `model_lock(spec)`. Deadlines are enforced while waiting, so a
        hung worker is ended instead of blocking this thread forever.
        """
        started = time.monotonic()
        request = self.request
        payload = {
            "messages": messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "kwargs": kwargs,
        }
        for message in self.worker.chat(
            payload,
            first_token_deadline=started + request.first_token_timeout,
            deadline=started + request.timeout,
        ):
            if message[0] == "chunk":
                _, text, finish = message
                yield AIMessageChunk(
                    content=text, response_metadata={"finish_reason": finish} if finish else {}
                )
            else:
                usage = message[1]
                yield AIMessageChunk(
                    content="",
                    usage_metadata={
                        "input_tokens": usage["tokens_in"],
                        "output_tokens": usage["tokens_out"],
                        "total_tokens": usage["tokens_in"] + usage["tokens_out"],
                    },
                )


def _embedded(spec: ModelSpec, request: ProviderRequest) -> EmbeddedChat:
    return EmbeddedChat(spec, request)


def reset_embedded(spec: ModelSpec) -> None:
    """Clear the worker's KV cache (benchmarks time prompts from scratch)."""
    embedded_worker(spec).reset()


# ---------------------------------------------------------------- remote providers


@dataclass
class ProviderRequest:
    """Per-call options every provider understands."""

    max_tokens: int
    temperature: float
    timeout: float
    first_token_timeout: float  # at most `timeout`
    json_schema: dict[str, Any] | None = None
    api_key: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _ollama(spec: ModelSpec, request: ProviderRequest, base_url: str) -> BaseChatModel:
    from langchain_ollama import ChatOllama

    return ChatOllama(
        model=spec.model_id or "",
        base_url=base_url,
        num_predict=request.max_tokens,
        temperature=request.temperature,
        format=request.json_schema,
        client_kwargs={"timeout": request.timeout},
    )


def _openai_like(spec: ModelSpec, request: ProviderRequest, base_url: str | None) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=spec.model_id or "",
        base_url=base_url,
        api_key=request.api_key or "not-needed",
        max_completion_tokens=request.max_tokens,
        temperature=request.temperature,
        timeout=request.timeout,
        max_retries=0,  # retries and fallbacks are generate()'s job, with usage records
        stream_usage=True,
        # ChatOpenAI sends `max_completion_tokens`, which llama.cpp's servers ignore.
        extra_body={"max_tokens": request.max_tokens}
        if spec.provider == "openai_compatible"
        else None,
    )


def _anthropic(spec: ModelSpec, request: ProviderRequest) -> BaseChatModel:
    from langchain_anthropic import ChatAnthropic

    return ChatAnthropic(
        model_name=spec.model_id or "",
        api_key=request.api_key or "",
        max_tokens_to_sample=request.max_tokens,
        temperature=request.temperature,
        default_request_timeout=request.timeout,
        max_retries=0,
        base_url=spec.base_url,
    )


def chat_model(
    spec: ModelSpec, request: ProviderRequest
) -> BaseChatModel | EmbeddedChat | HostedChat:
    """A LangChain chat model for `spec`, configured for this one call.

    Servers (ollama, openai_compatible) get a `HostedChat`: each stream goes to the least
    busy of the entry's hosts and steps over one that refuses the connection.
    """
    if spec.provider == "embedded":
        return _embedded(spec, request)
    if spec.provider == "ollama":
        return HostedChat(spec, server_urls(spec), lambda url: _ollama(spec, request, url))
    if spec.provider in CLOUD_PROVIDERS and not request.api_key:
        raise ModelUnavailable(detail=f"no API key stored for {spec.provider}", model=spec.name)
    if spec.provider == "openai_compatible":
        return HostedChat(spec, server_urls(spec), lambda url: _openai_like(spec, request, url))
    if spec.provider == "openai":
        return _openai_like(spec, request, spec.base_url)
    return _anthropic(spec, request)


JsonRequest = Literal["grammar", "json_schema", "format", "prompt"]

#: How each provider is asked for JSON that follows a schema.
JSON_REQUEST: dict[Provider, JsonRequest] = {
    # llama-cpp-python (in-process and its server) and llama.cpp's llama-server turn the
    # schema into a grammar, so the output cannot leave it.
    "embedded": "grammar",
    "openai_compatible": "grammar",
    "openai": "json_schema",  # structured outputs
    "ollama": "format",  # ChatOllama's `format`, set when the model is built (`_ollama`)
    "anthropic": "prompt",  # no JSON mode: it follows the instruction in the prompt
}


def stream_kwargs(spec: ModelSpec, request: ProviderRequest) -> dict[str, Any]:
    """Per-call keyword arguments for `.stream()`: how each provider is asked for JSON."""
    schema = request.json_schema
    how = JSON_REQUEST[spec.provider]
    if schema is None or how in ("format", "prompt"):
        return {}
    if how == "grammar":
        return {"response_format": {"type": "json_object", "schema": schema}}
    return {
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": schema},
        }
    }


# ---------------------------------------------------------------- API keys


def stored_api_key(provider: str, user_id: int | None) -> str | None:
    """The user's key for `provider`, decrypted only here, in memory, for this call."""
    from support_system.data.db import session_scope
    from support_system.data.repositories import ensure_local_user, get_api_key

    with session_scope() as session:
        owner = user_id if user_id is not None else ensure_local_user(session).id
        return get_api_key(session, owner, provider)


def key_or_none(spec: ModelSpec, user_id: int | None) -> str | None:
    """A local OpenAI-compatible server usually needs no key: a key problem must not stop it."""
    try:
        return stored_api_key(spec.provider, user_id)
    except Exception as exc:
        if spec.provider != "openai_compatible":
            raise
        log.warning("api_key_lookup_failed", model=spec.name, error=type(exc).__name__)
        return None


# ---------------------------------------------------------------- error mapping


def classify_error(exc: BaseException, spec: ModelSpec) -> ModelError:
    """Map any provider exception to one of the typed errors (keeps the cause chained)."""
    if isinstance(exc, ModelError):
        return exc
    if isinstance(exc, SupportSystemError):
        return ModelUnavailable(detail=exc.detail, model=spec.name)
    name = type(exc).__name__
    text = f"{name}: {exc}"
    status = getattr(exc, "status_code", None) or getattr(
        getattr(exc, "response", None), "status_code", None
    )
    if status == 429 or "RateLimit" in name:
        return RateLimited(detail=text, model=spec.name)
    if "Timeout" in name or isinstance(exc, TimeoutError):
        return Timeout(detail=text, model=spec.name)
    if isinstance(exc, (json.JSONDecodeError,)):
        return InvalidOutput(detail=text, model=spec.name)
    # Connection refused/reset, server gone mid-stream, model not pulled, 5xx, bad key…
    error = ModelUnavailable(detail=text, model=spec.name)
    error.transient = isinstance(exc, ConnectionError) or any(
        word in name for word in ("Connect", "RemoteProtocol", "ReadError")
    )
    return error
