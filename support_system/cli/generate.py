"""`generate`: make a job's artifact headless from an answers file, and check it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from support_system.cli.common import Lang, reports_errors
from support_system.core.i18n import t
from support_system.core.settings import get_settings


@reports_errors
def generate(
    job: Annotated[str, typer.Option("--job", help="Job id from the catalogue (see `jobs list`).")],
    answers: Annotated[Path, typer.Option("--answers", help="YAML file: question id → answer.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder (created if missing).")],
    model: Annotated[str | None, typer.Option(help="Registry name (default: settings).")] = None,
    attempts: Annotated[int, typer.Option(help="Model attempts before the template is used.")] = 3,
    lang: Lang = None,
) -> None:
    """Make the artifact for JOB from ANSWERS into OUT, check it, and write result.json.

    Exit code 0 only when every check passed (and, for programs and charts, the run on
    your files succeeded); 1 when the result is there but a check failed; 2 on bad input.
    """
    from support_system.generators.pipeline import RESULT_FILE, Budget, run_pipeline
    from support_system.jobs.answers_file import load_answers_file
    from support_system.jobs.catalogue import get_job

    language = lang or get_settings().language
    job_spec = get_job(job)
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
