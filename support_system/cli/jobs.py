"""`jobs …`: the job catalogue, i.e. what can be made and the questions each job asks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from support_system.cli.common import Lang, reports_errors, resolve_language
from support_system.core.i18n import t

if TYPE_CHECKING:  # the catalogue loads lazily: `--help` must stay fast
    from support_system.jobs.definitions import Job, Question

app = typer.Typer(no_args_is_help=True, help="The job catalogue: what can be made.")


@app.command("list")
@reports_errors
def jobs_list(lang: Lang = None) -> None:
    """Show every job in the catalogue with its kind and a one-line description."""
    from support_system.jobs.catalogue import load_catalogue

    language = resolve_language(lang)
    jobs = load_catalogue()
    typer.echo(t("jobs.cli.list_heading", language, count=len(jobs)))
    for job in jobs.values():
        kind = t(f"jobs.kind.{job.kind}", language)
        typer.echo(f"{job.icon} {job.id:<14} [{kind}] {job.title.get(language)}")
        typer.echo(f"    {job.description.get(language)}")
    typer.echo(t("jobs.cli.show_hint", language))


@app.command("show")
@reports_errors
def jobs_show(
    job_id: Annotated[str, typer.Argument(metavar="ID", help="Job id, e.g. shop-page.")],
    lang: Lang = None,
) -> None:
    """Show one job: what it makes, its designs and every question in order."""
    from support_system.jobs.catalogue import get_job

    language = resolve_language(lang)
    job = get_job(job_id)
    typer.echo(f"{job.icon} {job.title.get(language)} ({job.id})")
    typer.echo(job.description.get(language))
    typer.echo(job.help.get(language))
    typer.echo(t("jobs.cli.kind", language, kind=t(f"jobs.kind.{job.kind}", language)))
    if job.kind == "webpage":  # program skeleton names mean nothing to a person
        typer.echo(t("jobs.cli.templates", language, templates=", ".join(job.templates)))
    typer.echo(t("jobs.cli.questions", language, count=len(job.questions)))
    for number, question in enumerate(job.questions, start=1):
        label, details = _question_lines(job, question, language)
        typer.echo(f"  {number}. {label}")
        for detail in details:
            typer.echo(f"     {detail}")


def _question_lines(job: Job, question: Question, language: str) -> tuple[str, list[str]]:
    """A question's label (with its type and whether it is required) and its details."""
    need = t("jobs.cli.required" if question.required else "jobs.cli.optional", language)
    label = f"{question.label.get(language)} [{t(f'jobs.types.{question.type}', language)}, {need}]"
    details: list[str] = []
    if question.choices:
        options = ", ".join(c.label.get(language) for c in question.choices)
        details.append(t("jobs.cli.choices", language, choices=options))
    if question.fields:
        fields = ", ".join(f.label.get(language) for f in question.fields)
        details.append(t("jobs.cli.fields", language, fields=fields))
    if question.file_types:
        details.append(t("jobs.cli.file_types", language, types=", ".join(question.file_types)))
    if question.columns_from:
        source = job.question(question.columns_from).label.get(language)
        details.append(t("jobs.cli.columns_from", language, question=source))
    if question.show_if:
        conditions = "; ".join(
            f"{job.question(ref).label.get(language)} = "
            + ", ".join(
                _shown_value(job.question(ref), v, language)
                for v in (want if isinstance(want, list) else [want])
            )
            for ref, want in question.show_if.items()
        )
        details.append(t("jobs.cli.shown_when", language, conditions=conditions))
    default = question.default_for(language)
    if default is not None:
        shown = _shown_value(question, default, language)
        details.append(t("jobs.cli.default", language, default=shown))
    if question.example is not None:
        lines = question.example.get(language).splitlines()
        example = " / ".join(line for line in lines if line.strip())
        details.append(t("jobs.cli.example", language, example=example))
    return label, details


def _shown_value(question: Question, value: Any, language: str) -> str:
    """A value as a person reads it: a choice's label, yes/no in words."""
    if question.choices and isinstance(value, str):
        try:
            return question.choice(value).label.get(language)
        except KeyError:
            return value
    if isinstance(value, bool):
        return t("jobs.cli.answer_yes" if value else "jobs.cli.answer_no", language)
    return str(value)
