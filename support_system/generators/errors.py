"""Errors of generation, checks and the sandbox (each with a ja/en message)."""

from __future__ import annotations

from pathlib import Path

from support_system.core.errors import SupportSystemError


class CheckerUnavailable(SupportSystemError):
    """A checker program is not installed; the artifact itself may be fine.

    Raised rather than returned as a failed CheckResult, so the repair loop does not ask
    the model to "fix" a missing Java or Chromium.
    """

    message_key = "checks.unavailable"

    def __init__(self, detail: str = "", *, checker: str = "") -> None:
        super().__init__(detail, checker=checker)
        self.checker = checker


class SandboxUnavailable(SupportSystemError):
    """Generated code cannot be isolated on this machine, so it is not run at all."""

    message_key = "errors.sandbox_unavailable"


class InputMissing(SupportSystemError):
    """The answers name an input that does not exist (the run cannot start).

    The program generator turns it into a failed "run" check with the same message.
    """

    message_key = "program.run.input_missing"

    def __init__(self, path: Path) -> None:
        super().__init__(str(path), path=str(path))
        self.path = path


class ExampleProblem(SupportSystemError):
    """An example of a program made by example cannot become a test (a file name outside
    the folder, no example at all); `detail` says which and why, in English for the model
    and the log, and the person reads it inside the translated message."""

    message_key = "custom_program.failure.examples"
