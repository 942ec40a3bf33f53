"""Typed errors that carry a user-facing message in every UI language.

Code raises these with technical `detail` (for logs) and named `params`; the UI and
CLI show `error.message(lang)`, which comes from the i18n catalogue, so a person
never sees a stack trace or an untranslated message.
"""

from __future__ import annotations

from typing import Any


class SupportSystemError(Exception):
    """Base class: every error the app expects and can explain to a user."""

    message_key = "errors.generic"

    def __init__(self, detail: str = "", **params: Any) -> None:
        self.detail = detail
        self.params = params
        super().__init__(f"{type(self).__name__}: {detail}" if detail else type(self).__name__)

    def message(self, lang: str | None = None) -> str:
        """The translated explanation for a person, in `lang` (default: settings)."""
        from support_system.core.i18n import t

        return t(self.message_key, lang, detail=self.detail, **self.params)


class NotFound(SupportSystemError, LookupError):
    """Something the request names does not exist (deleted, or a stale page).

    Also a LookupError, so code that looks things up may catch it as one.
    """

    message_key = "errors.not_found"


class ConfigError(SupportSystemError):
    """Settings, registry or catalogue files are invalid."""

    message_key = "errors.config"


class ModelError(SupportSystemError):
    """Base for failures of a model call; `model` names the registry entry."""

    message_key = "errors.model_generic"

    def __init__(self, detail: str = "", *, model: str = "", **params: Any) -> None:
        super().__init__(detail, model=model, **params)
        self.model = model
        # Set by generate(): the text already streamed when a stream failed part-way, and
        # every model attempt (ai.results.Attempt) once the fallback chain gave up.
        self.partial_text = ""
        self.attempts: list[Any] = []


class UnknownModel(ModelError):
    message_key = "errors.unknown_model"


class ModelUnavailable(ModelError):
    """The model cannot be reached or loaded (server down, file missing, crash)."""

    message_key = "errors.model_unavailable"
    transient = False  # True when a second try may succeed (a dropped connection)


class ModelFileError(ModelUnavailable):
    """A packaged model file is missing or does not match its checksum."""

    message_key = "errors.model_file"


class ModelCrashed(ModelUnavailable):
    """The embedded model's process died (native crash, out-of-memory kill); `how` says how.

    Transient: the next request starts a new process, so one retry is worth it.
    """

    message_key = "errors.model_crashed"
    transient = True

    def __init__(self, detail: str = "", *, model: str = "", how: str = "?", **params: Any) -> None:
        super().__init__(detail, model=model, how=how, **params)
        self.how = how  # "SIGILL", "SIGKILL", "exit code 1" …


class Timeout(ModelError):  # noqa: A001 - the issue names the type "Timeout"
    message_key = "errors.timeout"


class RateLimited(ModelError):
    message_key = "errors.rate_limited"


class InvalidOutput(ModelError):
    """The model answered, but not in the required shape (schema, JSON)."""

    message_key = "errors.invalid_output"


class UnknownJob(SupportSystemError):
    message_key = "errors.unknown_job"


class SecretError(SupportSystemError):
    """A stored secret cannot be decrypted (wrong or missing key)."""

    message_key = "errors.secret"


class ReasonError(SupportSystemError):
    """An error whose message is a general sentence plus one specific reason.

    `reason` is the i18n key of the specific sentence ("errors.answer.below_min"), so
    the person learns exactly what to change, in their language. Params that differ by
    language (a question's label, a list of choices) may be given as {"ja": …, "en": …}
    and are picked per language when the message is made.
    """

    defaults: dict[str, Any] = {}

    def __init__(self, detail: str = "", *, reason: str = "", **params: Any) -> None:
        super().__init__(detail, **params)
        self.reason = reason
        self.lang: str | None = None  # the language of the request, used when none is given

    def _params(self, lang: str | None) -> dict[str, Any]:
        from support_system.core.i18n import default_language
        from support_system.core.languages import LANGUAGES

        lang = lang or self.lang
        chosen = lang if lang in LANGUAGES else default_language()
        params = {**self.defaults, **self.params}
        for name, value in params.items():
            if isinstance(value, dict) and set(value) >= set(LANGUAGES):
                params[name] = value[chosen]
        return params

    def reason_text(self, lang: str | None = None) -> str:
        """Just the specific reason (what to change), without the general sentence."""
        from support_system.core.i18n import t

        lang = lang or self.lang
        return t(self.reason, lang, **self._params(lang)) if self.reason else self.detail

    def message(self, lang: str | None = None) -> str:
        from support_system.core.i18n import t

        lang = lang or self.lang
        params = {**self._params(lang), "detail": self.detail, "reason": self.reason_text(lang)}
        return t(self.message_key, lang, **params)


class AnswerInvalid(ReasonError):
    """An answer to a wizard question cannot be used; `reason` says what to change."""

    message_key = "errors.invalid_answer"


class InvalidUpload(ReasonError):
    """A file the person gave (CSV, image) cannot be read; `file` names it."""

    message_key = "errors.invalid_upload"
    defaults = {"file": ""}


class AnswersFileError(SupportSystemError):
    """A headless answers file (CLI `generate --answers`) is missing or not a mapping."""

    message_key = "errors.answers_file"
