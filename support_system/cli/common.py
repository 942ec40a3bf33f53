"""What every command shares: the --lang option, the language, and how an error ends it.

A command never shows a person a traceback for a failure the package knows about: a
SupportSystemError raised anywhere in a command becomes its translated message on stderr
and exit code 2 (`reports_errors`). Exit code 1 stays free for "done, but not good
enough" (a failed check, an unreadable file), which the commands raise themselves.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, NoReturn, ParamSpec, TypeVar

import typer

from support_system.core.errors import SupportSystemError
from support_system.core.settings import get_settings

Lang = Annotated[str | None, typer.Option("--lang", help="ja or en (default: settings).")]

P = ParamSpec("P")
R = TypeVar("R")


def stop(message: str) -> NoReturn:
    """End the command: `message` in red on stderr and exit code 2."""
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so a SupportSystemError ends it with its message in the command's
    `--lang` (see `stop`). Put it below `@app.command()`; Typer reads the wrapped
    signature, and always passes the parameters by name."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except SupportSystemError as error:
            lang = kwargs.get("lang")
            stop(error.message(lang if isinstance(lang, str) else None))

    return run


def resolve_language(lang: str | None) -> str:
    """`lang` when it is an interface language, else the configured one."""
    from support_system.core.languages import LANGUAGES

    return lang if lang in LANGUAGES else get_settings().language
