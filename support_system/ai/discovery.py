"""The models pulled into the configured Ollama server, found without editing models.yaml.

Why: a person who has Ollama has already chosen models (`ollama pull …`); asking them to
copy each name into `config/models.yaml` as well is a step most people never get past.
So the server is asked what it has, in Ollama's documented wire format (docs/api.md in
ollama/ollama):

- `GET /api/tags` → `{"models": [{"name", "model", "details": {"family", …}}, …]}`:
  every pulled model;
- `POST /api/show` with `{"model": name}` → `details.family` and
  `model_info["<arch>.context_length"]`, where `<arch>` is
  `model_info["general.architecture"]` (the length the model was trained for), and, in
  newer servers, `capabilities` (["completion", …] or ["embedding"]).

Each model becomes a registry entry (`ModelSpec`, provider "ollama", `model_id` = the
Ollama name, `name` = `registry_name()`); an entry of models.yaml for the same model
(same provider and `model_id`, `x` and `x:latest` being one model) wins and is not
repeated. Its skills are a guess from its family and name (`guess_skills`, the table
`SKILL_HINTS`) until its own results are recorded.

Discovery is cheap and never breaks a page: each request waits at most
`TIMEOUT_SECONDS`, all /api/show calls together at most `BUDGET_SECONDS` (the models
after that are listed without their facts), answers are kept `CACHE_SECONDS` per host
(an unreachable host: `MISS_SECONDS`, so a server started later is seen soon), and a host
that does not answer, or answers nonsense, gives no models (logged, never raised).

`get_registry()` stays the file alone (no network on the hot path of every model call);
what may use a discovered model asks `available_registry()`, lists ask
`discovered_models()`.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from support_system.ai.registry import ModelSpec, Registry, get_registry
from support_system.core.logging import get_logger
from support_system.core.settings import get_settings

log = get_logger(__name__)

#: Seconds one request to the Ollama server may take (connecting included).
TIMEOUT_SECONDS = 1.5
#: Seconds all /api/show requests of one discovery may take together.
BUDGET_SECONDS = 3.0
#: Seconds a host's answer is reused before it is asked again.
CACHE_SECONDS = 60.0
#: Seconds "this host did not answer" is remembered (shorter: Ollama may be starting).
MISS_SECONDS = 10.0
#: Registry names of discovered models start with this, e.g. `ollama-qwen2.5-coder-1.5b`.
NAME_PREFIX = "ollama-"

#: The skill guess: a word found in the model's family or Ollama name → the skills it
#: suggests. A text model gets "chat" and the skills of every row it matches; an
#: embedding-only model gets just "embedding". This is a guess from the model's lineage,
#: not a measurement: the model's own results replace it once they are recorded.
SKILL_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # Trained on code: coder, codellama, codegemma, starcoder, codestral, deepseek-coder.
    ("code", ("code", "json")),
    # Qwen 2 / 2.5 / 3: Japanese is among its main languages; it keeps to JSON formats.
    ("qwen", ("japanese", "json")),
    # Gemma 2 / 3: multilingual, Japanese included.
    ("gemma", ("japanese",)),
    # Models made for Japanese.
    ("elyza", ("japanese",)),
    ("swallow", ("japanese",)),
    ("llm-jp", ("japanese",)),
    ("sarashina", ("japanese",)),
    ("japanese", ("japanese",)),
)
#: Words that mark an embedding model when the server does not report `capabilities`.
EMBEDDING_HINTS: tuple[str, ...] = ("embed", "bert")


@dataclass(frozen=True)
class OllamaModel:
    """One model pulled into an Ollama server, as /api/tags and /api/show describe it."""

    name: str  # the Ollama name, e.g. "qwen2.5-coder:1.5b"
    family: str = ""  # details.family, e.g. "qwen2"
    parameter_size: str = ""  # details.parameter_size, e.g. "1.5B"
    quantization_level: str = ""  # details.quantization_level, e.g. "Q4_K_M"
    context_length: int | None = None  # model_info["<arch>.context_length"]; None: unknown
    capabilities: tuple[str, ...] = ()  # /api/show `capabilities` (newer servers)


@dataclass(frozen=True)
class DiscoveredModel:
    """A model found on the Ollama server and the registry entry made for it."""

    model: OllamaModel
    spec: ModelSpec
    host: str


# ------------------------------------------------------------------ names and skills


def registry_name(ollama_name: str) -> str:
    """The registry name for an Ollama model: `ollama-` and the name in the registry's
    alphabet (`^[a-z0-9][a-z0-9._-]*$`), Ollama's default tag `:latest` left out.

    "qwen2.5-coder:1.5b" → "ollama-qwen2.5-coder-1.5b"; "llama3:latest" → "ollama-llama3";
    "hf.co/user/Model-GGUF:Q4_K_M" → "ollama-hf.co-user-model-gguf-q4_k_m".
    """
    base = _same_model_key(ollama_name)
    slug = re.sub(r"[^a-z0-9._-]+", "-", base)
    slug = re.sub(r"-{2,}", "-", slug).strip("-._")
    return f"{NAME_PREFIX}{slug or 'model'}"


def guess_skills(family: str, name: str, capabilities: Sequence[str] = ()) -> list[str]:
    """The skills a model probably has, from its family and name (see `SKILL_HINTS`).

    An embedding-only model (its `capabilities` lack "completion", or, without
    capabilities, "embed"/"bert" is in its name or family) gets ["embedding"]: it
    cannot write text, so it is never a candidate for chat.
    """
    words = f"{family} {name}".lower()
    if _embedding_only(words, capabilities):
        return ["embedding"]
    skills = ["chat"]
    for word, hinted in SKILL_HINTS:
        if word in words:
            skills += [skill for skill in hinted if skill not in skills]
    return skills


def _embedding_only(words: str, capabilities: Sequence[str]) -> bool:
    if capabilities:
        return "completion" not in capabilities and "embedding" in capabilities
    return any(hint in words for hint in EMBEDDING_HINTS)


def _same_model_key(ollama_name: str) -> str:
    """Ollama names ignore case and `x` is `x:latest`: one key per model."""
    return ollama_name.strip().lower().removesuffix(":latest")


# ------------------------------------------------------------------ asking the server


_cache: dict[str, tuple[float, list[OllamaModel]]] = {}
_cache_lock = threading.Lock()


def ollama_models(host: str | None = None) -> list[OllamaModel]:
    """Every model pulled into the Ollama server at `host` (default `llm.ollama_host`),
    in the server's order; [] when it does not answer. Cached per host (see the module
    docstring); never raises."""
    url = (host or get_settings().llm.ollama_host).rstrip("/")
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(url)
    if cached is not None and cached[0] > now:
        return list(cached[1])
    models = _ask(url)
    keep = CACHE_SECONDS if models is not None else MISS_SECONDS
    found = models or []
    with _cache_lock:
        _cache[url] = (time.monotonic() + keep, found)
    return list(found)


def clear_cache() -> None:
    """Forget every host's answer (the next call asks again)."""
    with _cache_lock:
        _cache.clear()


_FAILURES = (httpx.HTTPError, httpx.InvalidURL, ValueError, TypeError, AttributeError, KeyError)


def _ask(url: str) -> list[OllamaModel] | None:
    """The server's models, or None when it did not answer /api/tags sensibly."""
    try:
        with httpx.Client(base_url=url, timeout=TIMEOUT_SECONDS) as client:
            response = client.get("/api/tags")
            response.raise_for_status()
            listed = [m for m in response.json().get("models") or [] if isinstance(m, dict)]
            deadline = time.monotonic() + BUDGET_SECONDS
            models = [_describe(client, entry, deadline) for entry in listed]
    except _FAILURES as exc:
        log.info("ollama_discovery_failed", host=url, error=f"{type(exc).__name__}: {exc}")
        return None
    found = [m for m in models if m is not None]
    log.debug("ollama_discovery", host=url, models=[m.name for m in found])
    return found


def _describe(client: httpx.Client, entry: dict[str, Any], deadline: float) -> OllamaModel | None:
    """One /api/tags entry, with /api/show's facts when the server gives them in time."""
    name = entry.get("name") or entry.get("model")
    if not isinstance(name, str) or not name:
        return None
    details = entry.get("details") if isinstance(entry.get("details"), dict) else {}
    shown: dict[str, Any] = {}
    if time.monotonic() < deadline:
        try:
            response = client.post("/api/show", json={"model": name})
            response.raise_for_status()
            body = response.json()
            shown = body if isinstance(body, dict) else {}
        except _FAILURES as exc:  # listed without its facts; the others still count
            log.info("ollama_show_failed", model=name, error=f"{type(exc).__name__}: {exc}")
    if isinstance(shown.get("details"), dict):
        details = shown["details"]
    info = shown.get("model_info") if isinstance(shown.get("model_info"), dict) else {}
    family = _text(details.get("family"))
    architecture = _text(info.get("general.architecture")) or family
    capabilities = shown.get("capabilities")
    return OllamaModel(
        name=name,
        family=family or architecture,
        parameter_size=_text(details.get("parameter_size")),
        quantization_level=_text(details.get("quantization_level")),
        context_length=_context_length(info.get(f"{architecture}.context_length")),
        capabilities=tuple(c for c in capabilities if isinstance(c, str))
        if isinstance(capabilities, list)
        else (),
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _context_length(value: Any) -> int | None:
    """A usable context length (the registry wants at least 256 tokens), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if value >= 256 else None


# ------------------------------------------------------------------ registry entries


def discovered_models(
    registry: Registry | None = None, host: str | None = None
) -> list[DiscoveredModel]:
    """The models on the Ollama server that `registry` (default: models.yaml) does not
    list yet, each with its registry entry. A model models.yaml already names (provider
    "ollama", same `model_id`) is left out: the hand-written entry wins. With an explicit
    `host` the entries carry it as `base_url`; otherwise they follow `llm.ollama_host`
    like the hand-written ones."""
    registry = registry if registry is not None else get_registry()
    url = (host or get_settings().llm.ollama_host).rstrip("/")
    ollama_specs = [spec for spec in registry.models if spec.provider == "ollama"]
    listed = {_same_model_key(spec.model_id or "") for spec in ollama_specs}
    taken = set(registry.names())
    found: list[DiscoveredModel] = []
    for model in ollama_models(url):
        key = _same_model_key(model.name)
        if key in listed:
            continue
        listed.add(key)
        name = _free_name(registry_name(model.name), taken)
        taken.add(name)
        spec = ModelSpec(
            name=name,
            provider="ollama",
            display_name=model.name,
            model_id=model.name,
            base_url=url if host else None,
            skills=guess_skills(model.family, model.name, model.capabilities),
            **({"context_length": model.context_length} if model.context_length else {}),
        )
        found.append(DiscoveredModel(model=model, spec=spec, host=url))
    return found


def available_registry(host: str | None = None) -> Registry:
    """models.yaml plus the models found on the Ollama server (see `discovered_models`)."""
    registry = get_registry()
    extra = [item.spec for item in discovered_models(registry, host)]
    if not extra:
        return registry
    return Registry(models=[*registry.models, *extra])


def registry_with(name: str) -> Registry:
    """The registry that knows the model `name`: models.yaml alone when it lists it (no
    network on the path of every call), else with the models found on the Ollama server,
    so a found model can be chosen and called like any other."""
    registry = get_registry()
    return registry if name in registry.names() else available_registry()


def _free_name(name: str, taken: set[str]) -> str:
    """`name`, or `name-2`, `name-3`… when a registry entry already uses it."""
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}-{number}", number + 1
    return candidate


__all__ = [
    "DiscoveredModel",
    "OllamaModel",
    "available_registry",
    "clear_cache",
    "discovered_models",
    "guess_skills",
    "ollama_models",
    "registry_name",
    "registry_with",
]
