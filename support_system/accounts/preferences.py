"""Per-user UI preferences: language, theme, font size, model, Ollama address and how
much model routing favours speed over quality ("faster ↔ better").

They live in one JSON column (`users.preferences`), so adding a preference needs no
migration. What is stored is only what the person chose (unset fields fall back to the
defaults below, or to settings where the default is None), and it is read defensively:
a value written by an older or newer version, or edited by hand, is dropped field by
field with a warning — a bad stored value must never keep a page from opening.

    prefs = load_preferences(user.id)
    prefs = update_preferences(user.id, theme="dark")   # PreferenceInvalid if not allowed
    apply_to_settings(prefs); model = effective_model(prefs); alpha = effective_alpha(prefs)
"""

from __future__ import annotations

import math
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from support_system.accounts.errors import PreferenceInvalid
from support_system.core.languages import Language
from support_system.core.logging import get_logger
from support_system.core.settings import get_settings, load_settings
from support_system.data.db import session_scope
from support_system.data.repositories import store_preferences, stored_preferences

log = get_logger(__name__)

Theme = Literal["light", "dark", "high-contrast"]
FontScale = Literal[100, 125, 150, 175]


class Preferences(BaseModel):
    """One person's UI preferences. None means "use the app's setting" (settings.yaml/env).

    Extra keys are ignored so that a preference removed in a later version, still in
    someone's stored JSON, never breaks loading. Assignment is validated too, so a page
    cannot put a value into the object that `save_preferences` would store unchecked.
    """

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    language: Language | None = None
    theme: Theme = "light"
    font_scale: FontScale = 100  # percent of the normal text size
    model: str | None = None  # a model registry id; the LLM layer raises UnknownModel if gone
    ollama_host: str | None = None
    voice_mode: bool = False  # read each question aloud and act on spoken commands
    # Model routing's α for this person: 0 = the fastest good-enough model, 1 = the best
    # regardless of time; None = the installation's `routing.alpha`.
    routing_alpha: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)

    @field_validator("model", mode="before")
    @classmethod
    def _blank_model_is_default(cls, value: Any) -> Any:
        """A cleared text box means "the default model", not a model called ""."""
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("routing_alpha", mode="before")
    @classmethod
    def _alpha_is_a_number(cls, value: Any) -> Any:
        """True/False would pass as 1.0/0.0: a stored boolean is a mistake, not a choice.
        Two decimals are kept, so a slider's 0.7000000000000001 is stored as 0.7."""
        if isinstance(value, bool):
            raise ValueError("must be a number from 0 to 1")
        if isinstance(value, int | float) and math.isfinite(value):
            return round(float(value), 2)
        return value

    @field_validator("ollama_host", mode="before")
    @classmethod
    def _http_url(cls, value: Any) -> Any:
        """Same rule as `settings.llm.ollama_host`: an http(s) URL without trailing slash,
        so the provider can append paths; a cleared text box means "the configured one"."""
        if not isinstance(value, str):
            return value  # None passes, other types fail the `str | None` check
        value = value.strip()
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


FIELDS: tuple[str, ...] = tuple(Preferences.model_fields)


def _first_error(exc: ValidationError) -> tuple[str, str]:
    """(field, reason) of the first problem, without the rejected value: it may be long,
    or contain a password in a URL, and it does not belong in a log or a message."""
    error: ErrorDetails = exc.errors(include_url=False, include_input=False)[0]
    field = ".".join(str(part) for part in error["loc"]) or "?"
    return field, error["msg"]


def _from_stored(user_id: int, stored: Any) -> Preferences:
    """Validate stored JSON one field at a time, keeping every value that is still valid."""
    if not isinstance(stored, dict):
        log.warning(
            "preferences_dropped", user_id=user_id, reason=f"not an object: {type(stored).__name__}"
        )
        return Preferences()
    kept: dict[str, Any] = {}
    for name in FIELDS:
        if name not in stored:
            continue
        try:
            Preferences.model_validate({name: stored[name]})
        except ValidationError as exc:
            log.warning(
                "preference_dropped", user_id=user_id, field=name, reason=_first_error(exc)[1]
            )
            continue
        kept[name] = stored[name]
    return Preferences.model_validate(kept)


def load_preferences(user_id: int) -> Preferences:
    """The preferences of user `user_id`; defaults for anything not stored or not valid.

    Raises NotFound only when the user does not exist, never for bad
    stored data.
    """
    with session_scope() as session:
        stored = stored_preferences(session, user_id)
    return _from_stored(user_id, stored)


def save_preferences(user_id: int, prefs: Preferences) -> Preferences:
    """Store `prefs` for user `user_id` (committed) and return them.

    Only fields that were set are stored, so a default changed in a later version still
    reaches everyone who never chose that preference. Raises NotFound for an
    unknown user.
    """
    stored = prefs.model_dump(mode="json", exclude_unset=True)
    with session_scope() as session:
        store_preferences(session, user_id, stored)
    return prefs


def update_preferences(user_id: int, **changes: Any) -> Preferences:
    """Change some preferences of user `user_id`, keeping the others; returns the result.

    Raises PreferenceInvalid (nothing is saved) for an unknown preference name or a value
    that is not allowed; `field` names the preference.
    """
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise PreferenceInvalid(f"{unknown[0]}: unknown preference", field=unknown[0])
    current = load_preferences(user_id)
    try:
        updated = Preferences.model_validate({**current.model_dump(exclude_unset=True), **changes})
    except ValidationError as exc:
        field, reason = _first_error(exc)
        raise PreferenceInvalid(f"{field}: {reason}", field=field) from exc
    return save_preferences(user_id, updated)


THEMES: tuple[Theme, ...] = get_args(Theme)
FONT_SCALES: tuple[FontScale, ...] = get_args(FontScale)


def save_choices(
    user_id: int,
    current: Preferences,
    *,
    language: str,
    theme: str,
    font_scale: int,
    voice_mode: bool,
    model: str,
    ollama_host: str,
    routing_alpha: float | None = None,
) -> Preferences:
    """Store what the person chose on the settings form; returns the result.

    The form shows the model and Ollama address in effect (the configured defaults when
    the person never chose one). Those two are stored only once the person changes them
    or had chosen them before: saving a new text size must not pin today's defaults as
    their own choice, or a later change of the app's default would never reach them.
    A cleared address means "the configured one". The "faster ↔ better" slider follows
    the same rule against the installation's α (None: the form has no slider).
    PreferenceInvalid as `update_preferences`.
    """
    changes: dict[str, Any] = {
        "language": language,
        "theme": theme,
        "font_scale": font_scale,
        "voice_mode": voice_mode,
    }
    shown_model = current.model or get_settings().llm.default_model
    if current.model is not None or model != shown_model:
        changes["model"] = model
    shown_host = current.ollama_host or get_settings().llm.ollama_host
    if current.ollama_host is not None or ollama_host.strip() != shown_host:
        changes["ollama_host"] = ollama_host.strip() or None
    if routing_alpha is not None and (
        current.routing_alpha is not None
        or not math.isclose(routing_alpha, effective_alpha(current), abs_tol=0.005)
    ):
        changes["routing_alpha"] = routing_alpha
    return update_preferences(user_id, **changes)


def effective_model(prefs: Preferences) -> str:
    """The model to use for this person: their choice, else the configured default."""
    return prefs.model or get_settings().llm.default_model


def effective_alpha(prefs: Preferences) -> float:
    """How much routing favours quality over time for this person (0–1): their own
    "faster ↔ better" choice, else the installation's `routing.alpha`."""
    if prefs.routing_alpha is not None:
        return prefs.routing_alpha
    return get_settings().routing.alpha


def apply_to_settings(prefs: Preferences) -> None:
    """Make the process-wide settings follow `prefs` (today: the Ollama address).

    The providers read `get_settings().llm.ollama_host` at call time, so this is the one
    place a preference reaches them. That is right for what this app is — a single-user
    local app, one person per process; with authentication on and several people in one
    process, the last call wins for everyone. When `prefs.ollama_host` is None the
    configured address (settings.yaml / env) is put back, so clearing the preference
    takes effect without a restart.
    """
    llm = get_settings().llm
    if prefs.ollama_host is not None:
        llm.ollama_host = prefs.ollama_host
        return
    configured = load_settings().llm.ollama_host
    if llm.ollama_host != configured:
        llm.ollama_host = configured


__all__ = [
    "FIELDS",
    "PreferenceInvalid",
    "Preferences",
    "apply_to_settings",
    "effective_alpha",
    "effective_model",
    "load_preferences",
    "save_preferences",
    "update_preferences",
]
