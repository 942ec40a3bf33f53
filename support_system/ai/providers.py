"""Turn a registry entry into a LangChain chat model, and provider errors into typed ones.

One function per provider keeps the differences (URLs, keys, how JSON output is
requested) in one readable place. Embedded models are loaded once per process and
shared: loading costs ~0.5-2 s and ~0.6-1.8 GB, so every chat must not load its own.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_community.chat_models import ChatLlamaCpp
from langchain_core.language_models import BaseChatModel
from pydantic import model_validator

from support_system.ai.model_files import model_path
from support_system.ai.registry import ModelSpec
from support_system.core.errors import (
    InvalidOutput,
    ModelError,
    ModelUnavailable,
    RateLimited,
    SupportSystemError,
    Timeout,
)
from support_system.core.settings import get_settings

# ---------------------------------------------------------------- embedded (llama.cpp)

_pool: dict[tuple[str, int, int], Any] = {}
_pool_lock = threading.Lock()
_model_locks: dict[str, threading.Lock] = {}


def _llama_class() -> type:
    """FastGrammarLlama when available: same output, much faster JSON-constrained decoding."""
    try:
        from support_system.ai.fast_grammar import FastGrammarLlama

        return FastGrammarLlama
    except ImportError:  # pragma: no cover - the module ships with the package
        from llama_cpp import Llama

        return Llama


def load_llama(path: Path, n_ctx: int, n_threads: int) -> Any:
    """The shared llama.cpp instance for this file and settings (loaded on first use)."""
    key = (str(path), n_ctx, n_threads)
    with _pool_lock:
        if key not in _pool:
            _pool[key] = _llama_class()(
                model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, verbose=False
            )
        return _pool[key]


_by_name: dict[str, Any] = {}  # registry name -> the llama.cpp instance it uses


@atexit.register
def _close_pool() -> None:
    """Free models before interpreter teardown (llama.cpp's __del__ fails noisily later)."""
    with _pool_lock:
        for llama in _pool.values():
            llama.close()
        _pool.clear()
        _by_name.clear()


def is_loaded(spec: ModelSpec) -> bool:
    """True once an embedded model sits in memory in this process."""
    return spec.name in _by_name


def model_lock(spec: ModelSpec) -> threading.Lock:
    """A llama.cpp context is not thread-safe: one generation per embedded model at a time.

    Remote providers handle concurrency themselves and get a fresh (unshared) lock.
    """
    if spec.provider != "embedded":
        return threading.Lock()
    with _pool_lock:
        return _model_locks.setdefault(spec.name, threading.Lock())


class _PooledChatLlamaCpp(ChatLlamaCpp):
    """ChatLlamaCpp that borrows a pooled llama.cpp instance instead of loading its own."""

    @model_validator(mode="after")
    def validate_environment(self) -> _PooledChatLlamaCpp:
        self.client = load_llama(Path(self.model_path), self.n_ctx, self.n_threads or 1)
        return self


def _threads() -> int:
    return get_settings().llm.n_threads or max(1, os.cpu_count() or 1)


def _embedded(spec: ModelSpec, request: ProviderRequest) -> BaseChatModel:
    path = model_path(spec)
    n_ctx = min(get_settings().llm.n_ctx, spec.context_length)
    try:
        chat = _PooledChatLlamaCpp(
            model_path=str(path), n_ctx=n_ctx, n_threads=_threads(), verbose=False,
            max_tokens=request.max_tokens, temperature=request.temperature,
        )
    except Exception as exc:  # llama.cpp reports load failures as ValueError
        raise ModelUnavailable(detail=f"could not load {path.name}: {exc}", model=spec.name) from exc
    _by_name[spec.name] = chat.client
    return chat


# ---------------------------------------------------------------- remote providers


@dataclass
class ProviderRequest:
    """Per-call options every provider understands."""

    max_tokens: int
    temperature: float
    timeout: float
    json_schema: dict[str, Any] | None = None
    api_key: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _ollama(spec: ModelSpec, request: ProviderRequest) -> BaseChatModel:
    from langchain_ollama import ChatOllama

    return ChatOllama(
        model=spec.model_id or "",
        base_url=spec.base_url or get_settings().llm.ollama_host,
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
        extra_body={"max_tokens": request.max_tokens} if spec.provider == "openai_compatible" else None,
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


def chat_model(spec: ModelSpec, request: ProviderRequest) -> BaseChatModel:
    """A LangChain chat model for `spec`, configured for this one call."""
    if spec.provider == "embedded":
        return _embedded(spec, request)
    if spec.provider == "ollama":
        return _ollama(spec, request)
    if spec.provider in ("openai", "anthropic") and not request.api_key:
        raise ModelUnavailable(detail=f"no API key stored for {spec.provider}", model=spec.name)
    if spec.provider == "openai_compatible":
        return _openai_like(spec, request, spec.base_url or get_settings().llm.openai_compatible_base_url)
    if spec.provider == "openai":
        return _openai_like(spec, request, spec.base_url)
    return _anthropic(spec, request)


def stream_kwargs(spec: ModelSpec, request: ProviderRequest) -> dict[str, Any]:
    """Per-call keyword arguments for `.stream()`: how each provider is asked for JSON."""
    schema = request.json_schema
    if schema is None or spec.provider in ("ollama", "anthropic"):
        return {}  # ollama takes `format` at construction; anthropic follows the prompt
    if spec.provider in ("embedded", "openai_compatible"):
        # llama-cpp-python (in-process and its server) and llama.cpp's llama-server turn
        # this into a grammar, so the output cannot leave the schema.
        return {"response_format": {"type": "json_object", "schema": schema}}
    return {
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": schema},
        }
    }


def count_tokens(spec: ModelSpec, text: str) -> int | None:
    """Exact token count for a loaded embedded model (its tokenizer is at hand), else None."""
    llama = _by_name.get(spec.name)
    if llama is None:
        return None
    return len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))


# ---------------------------------------------------------------- error mapping


def classify_error(exc: BaseException, spec: ModelSpec) -> ModelError:
    """Map any provider exception to one of the typed errors (keeps the cause chained)."""
    if isinstance(exc, ModelError):
        return exc
    if isinstance(exc, SupportSystemError):
        return ModelUnavailable(detail=exc.detail, model=spec.name)
    name = type(exc).__name__
    text = f"{name}: {exc}"
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
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
