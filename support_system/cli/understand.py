"""`understand`: which route a request would take on Home (a job, a question, …), and why."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from support_system.cli.common import Lang, reports_errors, resolve_language
from support_system.core.i18n import t


@reports_errors
def understand(
    request: Annotated[str, typer.Argument(help="What the person wants, in plain words.")],
    files: Annotated[
        bool, typer.Option("--files", help="As if a table were attached to the request.")
    ] = False,
    model: Annotated[bool, typer.Option(help="Let the model settle close calls.")] = True,
    answers: Annotated[
        bool, typer.Option("--answers", help="Also read the answers the request states.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    lang: Lang = None,
) -> None:
    """Show how Home would understand REQUEST: the route, the job, the reason, the
    runners-up, and (with --answers) what it already answers."""
    from support_system.intake import understand as understand_request

    language = resolve_language(lang)
    found = understand_request(
        request, language, has_files=files, use_model=model, with_answers=answers
    )
    if json_output:
        typer.echo(json.dumps(found.as_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(t("intake.cli.route", language, route=found.route))
    if found.job_id:
        from support_system.jobs.catalogue import get_job

        typer.echo(t("intake.cli.job", language, job=get_job(found.job_id).title.get(language)))
    typer.echo(found.reason.get(language))
    typer.echo(t("intake.cli.decided", language, by=found.decided_by, confidence=found.confidence))
    if found.runners_up:
        routes = ", ".join(f"{s.route} ({s.score:.2f})" for s in found.runners_up[:3])
        typer.echo(t("intake.cli.also", language, routes=routes))
    if found.answers:
        stated = ", ".join(f"{key}={value}" for key, value in found.answers.items())
        typer.echo(t("intake.cli.answers", language, answers=stated))
