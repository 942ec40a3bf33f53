"""Every command ends a known failure the same way: its translated message, exit code 2."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from support_system.cli.common import Lang, reports_errors
from support_system.core.errors import NotFound


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @reports_errors
    def fail(lang: Lang = None) -> None:
        """Raise a known error after printing one line."""
        typer.echo("started")
        raise NotFound("row 7")

    return app


def test_a_known_error_becomes_its_message_in_the_chosen_language() -> None:
    for lang, words in (("en", "no longer exists"), ("ja", "存在しません")):
        result = CliRunner().invoke(_app(), ["--lang", lang])
        assert result.exit_code == 2
        assert result.stdout == "started\n"
        assert words in result.stderr and "row 7" in result.stderr
        assert "Traceback" not in result.output


def test_the_wrapped_command_keeps_its_options_and_help() -> None:
    result = CliRunner().invoke(_app(), ["--help"])
    assert result.exit_code == 0
    assert "--lang" in result.output and "Raise a known error" in result.output
