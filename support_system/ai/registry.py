"""The model registry: which models exist, how to reach them and what they are good at.

Read from `config/models.yaml` (path in settings). Everything else asks the registry
by name, so adding a model is a YAML change, never a code change. Models pulled into the
configured Ollama server need not be written here: `ai/discovery.py` finds them and makes
their entries (`available_registry()` is this registry plus those; `get_registry()` stays
the file alone, so asking it never waits for the network).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from support_system.core.errors import ConfigError, UnknownModel
from support_system.core.settings import get_settings

# The providers, and the groups of them the rest of the code asks about. This is the
# only place that lists them; everything else uses these names.
Provider = Literal["embedded", "ollama", "openai_compatible", "openai", "anthropic"]
#: Every provider, in the order above.
PROVIDERS: tuple[Provider, ...] = get_args(Provider)
#: Paid hosted services: they need the person's API key (stored encrypted per user, set
#: on the settings page), charge per token, and auto mode never switches to one by itself.
CLOUD_PROVIDERS: tuple[Provider, ...] = ("openai", "anthropic")
#: Servers reached over HTTP at a base URL from settings (`llm.ollama_host`,
#: `llm.openai_compatible_base_url`), the entry's `base_url` or its several `hosts`
#: (calls spread over them, see `ai/hosts.py`); usable when they answer.
LOCAL_SERVER_PROVIDERS: tuple[Provider, ...] = ("ollama", "openai_compatible")
#: Providers a stored API key is sent to: the cloud ones need it; an OpenAI-compatible
#: server may want one, but works without (most local servers take any key).
KEYED_PROVIDERS: tuple[Provider, ...] = (*CLOUD_PROVIDERS, "openai_compatible")


class PackagedFile(BaseModel):
    """A GGUF file shipped inside PyPI packages, possibly split into chunks."""

    packages: list[str] = Field(min_length=1, description="Distributions, in chunk order.")
    pattern: str = Field(description="Glob for the file(s) inside each package, e.g. '*.bin'.")
    filename: str = Field(description="Name of the assembled file in the model cache.")
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    size: int | None = Field(None, gt=0)


class ModelSpec(BaseModel):
    """One registry entry."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    provider: Provider
    display_name: str = ""
    model_id: str | None = Field(None, description="Model name on the server (ollama, openai…).")
    base_url: str | None = Field(None, description="Overrides the provider's URL from settings.")
    hosts: list[str] = Field(
        default_factory=list,
        description="Several servers of the same model (ollama, openai_compatible); each "
        "call goes to the least busy one. Instead of `base_url`.",
    )
    packaged: PackagedFile | None = None
    path: Path | None = Field(None, description="A GGUF file on disk (embedded provider).")
    context_length: int = Field(4096, ge=256)
    skills: list[str] = Field(default_factory=list)
    cost_per_1k_input: float = Field(0.0, ge=0)
    cost_per_1k_output: float = Field(0.0, ge=0)
    tokens_per_second: float | None = Field(None, gt=0, description="Typical decode speed.")
    fallbacks: list[str] = Field(default_factory=list)
    routed: bool = Field(
        True,
        description="false = the router never picks it on its own (a smoke-test model); "
        "it can still be chosen by a person or serve as a fallback.",
    )

    @model_validator(mode="after")
    def _where_to_find_it(self) -> ModelSpec:
        if self.provider == "embedded" and not (self.packaged or self.path):
            raise ValueError("an embedded model needs `packaged` or `path`")
        if self.provider != "embedded" and not self.model_id:
            raise ValueError(f"a {self.provider} model needs `model_id`")
        return self

    @model_validator(mode="after")
    def _hosts(self) -> ModelSpec:
        """`hosts` are servers this app calls: not for in-process or cloud models."""
        if not self.hosts:
            return self
        if self.provider not in LOCAL_SERVER_PROVIDERS:
            raise ValueError(
                f"`hosts` is for {' and '.join(LOCAL_SERVER_PROVIDERS)} models, not {self.provider}"
            )
        if self.base_url:
            raise ValueError("give `base_url` (one server) or `hosts` (several), not both")
        bad = [url for url in self.hosts if not url.startswith(("http://", "https://"))]
        if bad:
            raise ValueError(f"hosts must start with http:// or https://: {', '.join(bad)}")
        self.hosts = [url.rstrip("/") for url in self.hosts]
        repeated = sorted({url for url in self.hosts if self.hosts.count(url) > 1})
        if repeated:
            raise ValueError(f"hosts listed twice: {', '.join(repeated)}")
        return self

    @property
    def label(self) -> str:
        return self.display_name or self.name

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return (tokens_in * self.cost_per_1k_input + tokens_out * self.cost_per_1k_output) / 1000


class Registry(BaseModel):
    models: list[ModelSpec]

    @model_validator(mode="after")
    def _consistent(self) -> Registry:
        names = [m.name for m in self.models]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate model names: {', '.join(duplicates)}")
        for spec in self.models:
            missing = [f for f in spec.fallbacks if f not in names]
            if missing:
                raise ValueError(f"{spec.name}: unknown fallbacks {', '.join(missing)}")
        return self

    def get(self, name: str) -> ModelSpec:
        for spec in self.models:
            if spec.name == name:
                return spec
        raise UnknownModel(detail=f"not in registry: {name}", model=name)

    def names(self) -> list[str]:
        return [spec.name for spec in self.models]

    def fallback_chain(self, first: str, extra: list[str] | None = None) -> list[ModelSpec]:
        """`first`, its own fallbacks, then `extra` (settings), without repeats."""
        chain: list[str] = [first, *self.get(first).fallbacks, *(extra or [])]
        seen: list[str] = []
        for name in chain:
            if name not in seen:
                seen.append(name)
        return [self.get(name) for name in seen]


def load_registry(path: Path) -> Registry:
    """Parse a registry file; problems name the file and the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(detail=str(exc), source=str(path)) from exc
    try:
        return Registry.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(detail=problems, source=str(path)) from exc


@lru_cache(maxsize=4)
def _cached(path: Path, mtime: float) -> Registry:
    return load_registry(path)


def get_registry() -> Registry:
    """The registry named in settings (re-read when the file changes). Only the file:
    the models found on the Ollama server are added by `discovery.available_registry()`."""
    path = get_settings().models_file
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise ConfigError(detail=f"{path}: {exc.strerror}", source=str(path)) from exc
    return _cached(path, mtime)
