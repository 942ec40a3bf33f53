"""`generate`: make a job's artifact headless from an answers file, and check it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from support_system.cli.common import Lang, reports_errors
from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.jobs.definitions import Job


@reports_errors
def generate(
    job: Annotated[
        str | None, typer.Option("--job", help="Job id from the catalogue (see `jobs list`).")
    ] = None,
    request: Annotated[
        str | None,
        typer.Option(
            "--request", help="What you want, in your words: plans a page or a program for it."
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="With --request: plan a 'page' or a 'program' (made from your examples); "
            "default: what the request is understood as.",
        ),
    ] = None,
    plan: Annotated[
        bool,
        typer.Option("--plan", help="With --request: print the planned job's questions as YAML."),
    ] = False,
    answers: Annotated[
        Path | None, typer.Option("--answers", help="YAML file: question id → answer.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (created if missing).")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Registry name (default: settings).")] = None,
    attempts: Annotated[int, typer.Option(help="Model attempts before the template is used.")] = 3,
    lang: Lang = None,
) -> None:
    """Make the artifact for JOB from ANSWERS into OUT, check it, and write result.json.

    With --request instead of --job, a page or a program (made from your examples) is
    planned for the request first (a custom job, stored so that `--job <its id>` finds
    it later); --plan prints that job's questions as YAML, for a script to answer, and
    makes nothing yet.

    Exit code 0 only when every check passed (and, for programs and charts, the run on
    your files succeeded); 1 when the result is there but a check failed; 2 on bad input.
    """
    from support_system.generators.pipeline import RESULT_FILE, Budget, run_pipeline
    from support_system.jobs.answers_file import load_answers_file
    from support_system.jobs.catalogue import get_job

    language = lang or get_settings().language
    if (job is None) == (request is None) or (plan and request is None):
        _usage_error(t("generate.job_or_request", language))
    if kind not in (None, "page", "program"):
        _usage_error(t("generate.kind", language, kind=kind))
    if request is not None:
        job_spec = _planned_job(request, language, model, kind or _kind_of(request, language))
        if plan:
            typer.echo(questions_yaml(job_spec, language), nl=False)
            return
    else:
        job_spec = get_job(str(job))
    if answers is None or out is None:
        _usage_error(t("generate.answers_and_out", language))
    given = load_answers_file(answers, job_spec, language)

    def progress(event: str, info: dict) -> None:
        if event == "attempt":
            typer.echo(t("generate.progress_attempt", language, **info))
        elif event == "checked":
            failed = [c.name for c in info["checks"] if not c.passed]
            key = "generate.progress_passed" if info["passed"] else "generate.progress_failed"
            typer.echo(t(key, language, number=info["number"], checks=", ".join(failed)))
        elif event == "fallback":
            typer.echo(t("generate.progress_fallback", language, reason=info["reason"]))
        elif event == "running":
            typer.echo(t("generate.progress_running", language))
        elif event == "knowledge":
            typer.echo(t("run.knowledge", language, **info))

    result = run_pipeline(
        job_spec,
        given,
        out,
        lang=language,
        model=model,
        budget=Budget(attempts=max(1, attempts)),
        base_dir=answers.resolve().parent,
        on_progress=progress,
    )
    for check in [*result.checks, *([result.run] if result.run else [])]:
        summary = t("generate.check_passed" if check.passed else "generate.check_failed", language)
        if not check.passed and check.messages:
            summary += " — " + "; ".join(check.messages[:3])
        typer.echo(
            t(
                "generate.check_line",
                language,
                mark="✓" if check.passed else "✗",
                name=t(f"checks.{check.name}.label", language),
                summary=summary,
            )
        )
    if result.explanation:
        typer.echo(result.explanation)
    result_path = result.out_dir / RESULT_FILE
    if result.ok:
        typer.echo(t("generate.done_ok", language, out=result.out_dir, result=result_path))
        return
    failed = ", ".join(c.name for c in result.failed_checks())
    typer.secho(
        t("generate.done_failed", language, checks=failed, out=result.out_dir, result=result_path),
        fg=typer.colors.YELLOW,
        err=True,
    )
    raise typer.Exit(code=1)


def _usage_error(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _kind_of(request: str, language: str) -> str:
    """ "program" when the request is understood as a program (outside the catalogue or
    like one of its programs), else "page" (the ranking alone: no model call)."""
    from support_system.intake import understand
    from support_system.intake.routes import CUSTOM_PROGRAM
    from support_system.jobs.catalogue import get_job

    understood = understand(request, language, use_model=False)
    if understood.route == CUSTOM_PROGRAM:
        return "program"
    if understood.job_id and get_job(understood.job_id).kind == "program":
        return "program"
    return "page"


def _planned_job(request: str, language: str, model: str | None, kind: str) -> Job:
    """A custom page or program planned for `request` as the local user's; says who
    planned it and what was planned."""
    from support_system.data import repositories as repo
    from support_system.data.db import session_scope

    with session_scope() as session:
        user_id = repo.ensure_local_user(session).id
    if kind == "program":
        from support_system.jobs.program_planner import plan_custom_program

        typer.echo(t("generate.planning_program", language), err=True)
        program = plan_custom_program(request, language, user_id=user_id, model=model)
        key = "generate.planned_program" if program.model else "generate.planned_program_standard"
        source = t(f"custom_program.kind.{program.spec.input}", language)
        result = t(f"custom_program.kind.{program.spec.output}", language)
        message = t(
            key,
            language,
            job=program.job.id,
            model=program.model or "",
            source=source,
            result=result,
        )
        typer.echo(message, err=True)
        return program.job
    from support_system.jobs.page_planner import plan_custom_page

    typer.echo(t("generate.planning", language), err=True)
    planned = plan_custom_page(request, language, user_id=user_id, model=model)
    key = "generate.planned" if planned.model else "generate.planned_standard"
    typer.echo(t(key, language, job=planned.job.id, model=planned.model or ""), err=True)
    return planned.job


def questions_yaml(job: Job, language: str) -> str:
    """The job's questions as YAML a script can read and answer: id, type, whether it
    is required, the question in `language`, and a records question's fields."""
    questions = []
    for question in job.questions:
        entry: dict[str, Any] = {
            "id": question.id,
            "type": str(question.type),
            "required": question.required,
            "question": question.label.get(language),
        }
        if question.fields:
            entry["fields"] = [f.id for f in question.fields]
        if question.choices:
            entry["choices"] = [c.value for c in question.choices]
        questions.append(entry)
    document: dict[str, Any] = {"job": job.id, "title": job.title.get(language)}
    if job.program is not None:  # a program made by example: what it takes and gives
        document["program"] = {"input": job.program.input, "output": job.program.output}
    document["questions"] = questions
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
