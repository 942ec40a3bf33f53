"""`ask`: a question about one or more tables, answered by a program run in the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from support_system.cli.common import Lang, reports_errors, resolve_language
from support_system.core.i18n import t


@reports_errors
def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain words.")],
    file: Annotated[
        list[Path],
        typer.Option("--file", "-f", help="A CSV or .xlsx file (repeat for several)."),
    ],
    sheet: Annotated[str | None, typer.Option(help="The workbook sheet to use.")] = None,
    model: Annotated[
        str | None,
        typer.Option(help="Use only this model (default: the routed model, then stronger ones)."),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the whole answer as JSON.")
    ] = False,
    lang: Lang = None,
) -> None:
    """Answer a question about your data: the answer, the value, and where the files are.

    Progress goes to stderr; exit code 0 when answered, 2 with a message otherwise."""
    from support_system.analysis import ask as ask_data
    from support_system.routing.service import describe

    language = resolve_language(lang)
    answer = ask_data(
        file,
        question,
        language,
        sheet=sheet,
        model=model,
        progress=lambda line: typer.echo(line, err=True),
    )
    if json_output:
        typer.echo(answer.model_dump_json(indent=2))
        return
    typer.echo(answer.text)
    if answer.shown_value and answer.shown_value not in answer.text:
        typer.echo(t("cli.ask.value", language, value=answer.shown_value))
    for key, path in (("table", answer.table_csv), ("chart", answer.chart_png)):
        if path is not None and path != answer.output_file:
            typer.echo(t(f"cli.ask.{key}", language, path=path))
    if answer.output_file is not None:
        typer.echo(t("cli.ask.file", language, path=answer.output_file))
    typer.echo(
        t(
            "cli.ask.how",
            language,
            model=answer.model,
            attempts=answer.attempts,
            seconds=answer.seconds,
        ),
        err=True,
    )
    if answer.routing:
        typer.echo(describe(answer.routing, language), err=True)
