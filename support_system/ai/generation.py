"""`generate()`: the one way the rest of the code talks to a model.

Every call streams from the provider internally (so timeouts and cancellation work
between tokens, and stream=False is just the joined stream), walks a fallback chain
from the registry, can be served from the response cache, can be held to a pydantic
schema, and leaves exactly one UsageRecord per model attempt (hits and failures too).

Why not `.with_retry()` / `.with_fallbacks()`: LangChain's wrappers do not retry a
stream and do not tell which model answered; here each attempt must be recorded and
the UI must show the model actually used, so the loop is written out (it is short).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, overload

from langchain_core.messages import BaseMessage
from pydantic import BaseModel, ValidationError

from support_system.ai import cache as response_cache
from support_system.ai import prompts, providers
from support_system.ai.discovery import registry_with
from support_system.ai.registry import KEYED_PROVIDERS, ModelSpec
from support_system.ai.results import Attempt, GenerationResult, GenerationStream
from support_system.ai.schema_sketch import sketch
from support_system.core.errors import InvalidOutput, ModelError, ModelUnavailable, Timeout
from support_system.core.logging import get_logger
from support_system.core.settings import get_settings

log = get_logger(__name__)

MessagesLike = str | Sequence[dict[str, str] | BaseMessage | tuple[str, str]]
_ROLES = {
    "human": "user",
    "ai": "assistant",
    "system": "system",
    "user": "user",
    "assistant": "assistant",
}


def normalize_messages(messages: MessagesLike) -> list[dict[str, str]]:
    """Accept a string, (role, text) tuples, dicts or LangChain messages; return dicts."""
    if isinstance(messages, str):
        return [{"role": "user", "content": messages}]
    result: list[dict[str, str]] = []
    for item in messages:
        if isinstance(item, BaseMessage):
            result.append({"role": _ROLES.get(item.type, "user"), "content": str(item.content)})
        elif isinstance(item, tuple):
            result.append({"role": _ROLES.get(item[0], item[0]), "content": item[1]})
        else:
            result.append({"role": item["role"], "content": item["content"]})
    return result


@dataclass
class _Call:
    """Everything fixed for one generate() call."""

    messages: list[dict[str, str]]
    schema: type[BaseModel] | None
    request: providers.ProviderRequest
    use_cache: bool
    purpose: str
    user_id: int | None
    streaming: bool


@dataclass
class _Stats:
    tokens_out: int = 0
    tokens_in: int | None = None
    usage_out: int | None = None
    first_token_ms: int | None = None
    finish_reason: str | None = None


@overload
def generate(
    messages: MessagesLike,
    model: str | None = None,
    *,
    stream: Literal[False] = False,
    schema: type[BaseModel] | None = None,
    timeout: float | None = None,
    max_tokens: int = 512,
    temperature: float = 0.2,
    cache: bool | None = None,
    fallback: bool = True,
    purpose: str = "chat",
    user_id: int | None = None,
    api_key: str | None = None,
    schema_hint: bool = True,
) -> GenerationResult: ...


@overload
def generate(
    messages: MessagesLike,
    model: str | None = None,
    *,
    stream: Literal[True],
    schema: type[BaseModel] | None = None,
    timeout: float | None = None,
    max_tokens: int = 512,
    temperature: float = 0.2,
    cache: bool | None = None,
    fallback: bool = True,
    purpose: str = "chat",
    user_id: int | None = None,
    api_key: str | None = None,
    schema_hint: bool = True,
) -> GenerationStream: ...


def generate(
    messages: MessagesLike,
    model: str | None = None,
    *,
    stream: bool = False,
    schema: type[BaseModel] | None = None,
    timeout: float | None = None,
    max_tokens: int = 512,
    temperature: float = 0.2,
    cache: bool | None = None,
    fallback: bool = True,
    purpose: str = "chat",
    user_id: int | None = None,
    api_key: str | None = None,
    schema_hint: bool = True,
) -> GenerationResult | GenerationStream:
    """Ask a model. Returns the finished result, or a GenerationStream when `stream=True`.

    Raises ModelUnavailable, Timeout, RateLimited or InvalidOutput (all carry ja/en
    messages) once every model in the fallback chain has failed. With `schema`, a system
    message describing the JSON goes first unless `schema_hint=False`: a caller whose
    prompt already describes the shape keeps its prompt's beginning, which the local
    model can then reuse from its previous call (the grammar still holds the reply to
    the schema). A failure after text
    was already streamed is raised at once (the text is on `error.partial_text`).
    """
    settings = get_settings().llm
    first = model or settings.default_model
    chain = registry_with(first).fallback_chain(first, settings.fallback_models)
    if not fallback:
        chain = chain[:1]
    base_messages = normalize_messages(messages)
    json_schema = schema.model_json_schema() if schema else None
    if json_schema is not None and schema_hint:
        instruction = prompts.render("models/json_instruction", schema=sketch(json_schema))
        base_messages = [{"role": "system", "content": instruction}, *base_messages]
    first_token_timeout = min(
        timeout or settings.timeout_seconds, settings.first_token_timeout_seconds
    )
    call = _Call(
        messages=base_messages,
        schema=schema,
        request=providers.ProviderRequest(
            max_tokens=max_tokens,
            temperature=temperature,
            timeout=timeout or settings.timeout_seconds,
            first_token_timeout=first_token_timeout,
            json_schema=json_schema,
            api_key=api_key,
        ),
        use_cache=settings.cache_enabled if cache is None else cache,
        purpose=purpose,
        user_id=user_id,
        streaming=stream,
    )
    holder: dict[str, Any] = {}
    chunks = _run_chain(chain, call, holder)
    if stream:
        return GenerationStream(chunks, holder)
    for _ in chunks:
        pass
    return holder["result"]


def _run_chain(
    chain: list[ModelSpec], call: _Call, holder: dict[str, Any]
) -> Generator[str, None, None]:
    started = time.monotonic()
    attempts: list[Attempt] = []
    key = response_cache.cache_key(chain[0].name, call.messages, _cache_params(call))
    if call.use_cache and (cached := response_cache.lookup(key)) is not None:
        holder["model"] = chain[0].name
        result = _finish(chain[0], call, cached, _Stats(), started, attempts, cache_hit=True)
        _record_usage(chain[0], call, _Stats(), started, text=cached, cache_hit=True)
        holder["result"] = result
        yield cached
        return
    last_error: ModelError | None = None
    for spec in chain:
        for retry in range(get_settings().llm.retries + 1):
            holder["model"] = spec.name
            attempt_started = time.monotonic()
            stats = _Stats()
            text_parts: list[str] = []
            try:
                for piece in _stream_once(spec, call, stats, attempt_started):
                    text_parts.append(piece)
                    if call.streaming:
                        yield piece
                text = "".join(text_parts)
                result = _finish(spec, call, text, stats, started, attempts, cache_hit=False)
            except ModelError as error:
                error.partial_text = "".join(text_parts)
                attempts.append(_failed(spec, error, attempt_started))
                _record_usage(
                    spec, call, stats, attempt_started, text="".join(text_parts), error=error
                )
                log.warning(
                    "model_attempt_failed",
                    model=spec.name,
                    error=type(error).__name__,
                    detail=error.detail,
                )
                last_error = error
                if call.streaming and text_parts:
                    error.attempts = attempts
                    raise error  # the user already saw part of this answer
                if not _worth_retrying(error) or retry >= get_settings().llm.retries:
                    break  # move on to the next model in the chain
                continue
            _record_usage(spec, call, stats, attempt_started, text=text)
            if not call.streaming:
                yield text
            if call.use_cache:
                response_cache.update(
                    response_cache.cache_key(spec.name, call.messages, _cache_params(call)), text
                )
            holder["result"] = result
            return
    assert last_error is not None
    last_error.attempts = attempts
    raise last_error


def _worth_retrying(error: ModelError) -> bool:
    """Only a dropped or refused connection is worth a second try on the same model.

    A timeout or rate limit would just wait again, a missing file or an unknown model
    stays missing, and a wrong-shaped answer is better handed to the next model.
    """
    return isinstance(error, ModelUnavailable) and error.transient


def _cache_params(call: _Call) -> dict[str, Any]:
    return {
        "max_tokens": call.request.max_tokens,
        "temperature": call.request.temperature,
        "schema": call.request.json_schema,
    }


def _stream_once(spec: ModelSpec, call: _Call, stats: _Stats, started: float) -> Iterator[str]:
    """Stream one model in a worker thread so the caller can time out between tokens."""
    request = call.request
    try:
        if request.api_key is None and spec.provider in KEYED_PROVIDERS:
            request = replace(request, api_key=providers.key_or_none(spec, call.user_id))
        chat = providers.chat_model(spec, request)
    except Exception as exc:  # a missing file, an unreadable key, a bad setting …
        raise providers.classify_error(exc, spec) from exc
    kwargs = providers.stream_kwargs(spec, request)
    if spec.provider == "embedded":
        yield from _stream_inline(spec, chat, call, kwargs, stats, started)
        return
    channel: queue.Queue[tuple[str, Any]] = queue.Queue()
    cancel = threading.Event()

    def worker() -> None:
        try:
            with providers.model_lock(spec):
                for chunk in chat.stream(call.messages, **kwargs):
                    if cancel.is_set():
                        break
                    channel.put(("chunk", chunk))
            channel.put(("done", None))
        except BaseException as exc:  # handed to the caller's thread, never lost
            channel.put(("error", exc))

    threading.Thread(target=worker, name=f"generate-{spec.name}", daemon=True).start()
    deadline = started + call.request.timeout
    try:
        while True:
            limit = (
                deadline
                if stats.first_token_ms is not None
                else min(deadline, started + call.request.first_token_timeout)
            )
            try:
                kind, payload = channel.get(timeout=max(0.0, limit - time.monotonic()))
            except queue.Empty:
                waited = "first token" if stats.first_token_ms is None else "answer"
                raise Timeout(
                    detail=f"no {waited} after {limit - started:.0f} s", model=spec.name
                ) from None
            if kind == "done":
                return
            if kind == "error":
                raise providers.classify_error(payload, spec) from payload
            piece = _absorb(payload, stats, started)
            if piece:
                yield piece
    finally:
        cancel.set()


def _stream_inline(
    spec: ModelSpec, chat: Any, call: _Call, kwargs: dict[str, Any], stats: _Stats, started: float
) -> Iterator[str]:
    """The embedded model's worker process is read in the caller's own thread.

    Why not the worker thread used for servers: on 2 cores llama.cpp keeps both busy,
    and one more thread waking up for every token (the queue hand-off) cost ~35% of
    decode speed (bench/llm_overhead.py: 17 vs 27 tok/s). The worker process enforces
    the deadlines itself while waiting (a hung model is ended, see model_process.py);
    closing the stream stops decoding at the next token and releases the model.
    """
    deadline = started + call.request.timeout
    first_deadline = min(deadline, started + call.request.first_token_timeout)
    with providers.model_lock(spec):
        stream = chat.stream(call.messages, **kwargs)
        try:
            while True:
                try:
                    chunk = next(stream)
                except StopIteration:
                    return
                except Exception as exc:
                    raise providers.classify_error(exc, spec) from exc
                piece = _absorb(chunk, stats, started)
                limit = deadline if stats.first_token_ms is not None else first_deadline
                if time.monotonic() > limit:
                    waited = "first token" if stats.first_token_ms is None else "answer"
                    raise Timeout(
                        detail=f"no {waited} after {limit - started:.0f} s", model=spec.name
                    )
                if piece:
                    yield piece
        finally:
            stream.close()


def _absorb(chunk: Any, stats: _Stats, started: float) -> str:
    """Update stats from one LangChain chunk and return its text."""
    usage = getattr(chunk, "usage_metadata", None)
    if usage:
        stats.tokens_in = usage.get("input_tokens") or stats.tokens_in
        stats.usage_out = usage.get("output_tokens") or stats.usage_out
    info = getattr(chunk, "response_metadata", None) or {}
    stats.finish_reason = (
        info.get("finish_reason")
        or info.get("done_reason")
        or info.get("stop_reason")
        or stats.finish_reason
    )
    text = (
        chunk.content
        if isinstance(chunk.content, str)
        else "".join(part.get("text", "") for part in chunk.content if isinstance(part, dict))
    )
    if text:
        stats.tokens_out += 1
        if stats.first_token_ms is None:
            stats.first_token_ms = int((time.monotonic() - started) * 1000)
    return text


def _finish(
    spec: ModelSpec,
    call: _Call,
    text: str,
    stats: _Stats,
    started: float,
    attempts: list[Attempt],
    *,
    cache_hit: bool,
) -> GenerationResult:
    parsed = _parse(spec, call, text, stats) if call.schema else None
    latency_ms = int((time.monotonic() - started) * 1000)
    tokens_in, tokens_out = _token_counts(call, stats)
    attempts.append(Attempt(model=spec.name, ok=True, latency_ms=latency_ms))
    return GenerationResult(
        text=text,
        model=spec.name,
        parsed=parsed,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        first_token_ms=stats.first_token_ms,
        latency_ms=latency_ms,
        cache_hit=cache_hit,
        finish_reason=stats.finish_reason,
        attempts=attempts,
    )


def _parse(spec: ModelSpec, call: _Call, text: str, stats: _Stats) -> BaseModel:
    assert call.schema is not None
    if stats.finish_reason == "length":
        raise InvalidOutput(
            detail=f"answer cut off at max_tokens={call.request.max_tokens}", model=spec.name
        )
    try:
        return call.schema.model_validate_json(_strip_fences(text))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise InvalidOutput(detail=f"{where}: {first['msg']}", model=spec.name) from exc


def _strip_fences(text: str) -> str:
    """Models without a grammar sometimes wrap JSON in ``` fences."""
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.split("\n", 1)[-1].rsplit("```", 1)[0]
    return stripped


def _token_counts(call: _Call, stats: _Stats) -> tuple[int, int]:
    prompt_text = "\n".join(m["content"] for m in call.messages)
    # Usage as the provider reported it; a cache hit or a failed attempt has none, so it
    # is estimated: about four characters a token in, the streamed chunks out.
    tokens_in = stats.tokens_in or max(1, len(prompt_text) // 4)
    tokens_out = stats.usage_out or stats.tokens_out
    return tokens_in, tokens_out


def _failed(spec: ModelSpec, error: ModelError, started: float) -> Attempt:
    return Attempt(
        model=spec.name,
        ok=False,
        latency_ms=int((time.monotonic() - started) * 1000),
        error_type=type(error).__name__,
        detail=error.detail,
    )


def _record_usage(
    spec: ModelSpec,
    call: _Call,
    stats: _Stats,
    started: float,
    *,
    text: str,
    error: ModelError | None = None,
    cache_hit: bool = False,
) -> None:
    """Write one UsageRecord; a database problem is logged, never raised into a reply."""
    tokens_in, tokens_out = _token_counts(call, stats)
    try:
        from support_system.data.db import session_scope
        from support_system.data.repositories import record_usage

        with session_scope() as session:
            record_usage(
                session,
                user_id=call.user_id,
                model=spec.name,
                provider=spec.provider,
                purpose=call.purpose,
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                latency_ms=int((time.monotonic() - started) * 1000),
                first_token_ms=stats.first_token_ms,
                cost=spec.cost(tokens_in, tokens_out),
                cache_hit=cache_hit,
                status="error" if error else "ok",
                error_type=type(error).__name__ if error else None,
            )
    except Exception as exc:  # noqa: BLE001 - usage accounting must not break a reply
        log.error("usage_record_failed", model=spec.name, error=str(exc))
