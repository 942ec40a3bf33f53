"""`auto …`: auto mode from the command line.

`auto start GOAL` plans, makes, checks and improves until done; a run that stopped (a
crash, a restart, a pause it was asked to make) goes on with `auto resume RUN`,
`auto approve RUN`, `auto correct RUN CORRECTION` or ends with `auto cancel RUN`. Every
subcommand works in this process (not in the background), prints the timeline as it goes
and ends with the run's status: exit code 0 when the result passed its checks (or the
run waits for you), 1 when it stopped without a passing result, 2 on bad input.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from support_system.cli.common import Lang, reports_errors, resolve_language, stop
from support_system.core.errors import SupportSystemError
from support_system.core.i18n import t

if TYPE_CHECKING:
    from support_system.agents.auto.state import OnEvent

app = typer.Typer(no_args_is_help=True, help="Auto mode: plan, make, check and improve until done.")

Opt = typer.Option
Run = Annotated[int, typer.Argument(metavar="RUN", help="The run's id (printed at its start).")]


@app.command("start")
@reports_errors
def auto_start(
    goal: Annotated[
        str, typer.Argument(metavar="GOAL", help="What you want made, in plain words.")
    ],
    job: Annotated[str | None, Opt(help="Job id (default: chosen from the goal).")] = None,
    agent: Annotated[str | None, Opt(help="Agent whose preferred model is used.")] = None,
    model: Annotated[str | None, Opt(help="Registry name (default: settings).")] = None,
    answers: Annotated[Path | None, Opt(help="YAML file: question id → answer.")] = None,
    pause_at: Annotated[list[str] | None, Opt(help="after_plan and/or before_publish.")] = None,
    steps: Annotated[int, Opt(help="Most make → check rounds.")] = 4,
    seconds: Annotated[float, Opt(help="Most working seconds.")] = 900.0,
    tokens: Annotated[int, Opt(help="Most model tokens.")] = 12000,
    judge: Annotated[bool, Opt("--judge/--no-judge", help="Model scores the result.")] = True,
    use_samples: Annotated[bool, Opt(help="Demo: missing facts from the sample.")] = False,
    lang: Lang = None,
) -> None:
    """Start a run for GOAL: plan, make, check and improve until done.

    Exit code 0 when the result passed its checks (or the run waits for you),
    1 when it stopped without a passing result, 2 on bad input.
    """
    from support_system.agents import auto as auto_mode
    from support_system.jobs.answers_file import load_answers_file
    from support_system.jobs.catalogue import get_job

    language = resolve_language(lang)
    try:
        given = load_answers_file(answers, get_job(job), language) if answers and job else None
        config = auto_mode.AutoConfig(
            budget=auto_mode.AutoBudget(steps=steps, seconds=seconds, tokens=tokens),
            judge=judge,
            use_samples=use_samples,
            base_dir=answers.resolve().parent if answers else None,
        )
        run_id = auto_mode.start(
            goal,
            lang=language,
            job=job,
            agent=agent,
            model=model,
            answers=given,
            pause_at=pause_at or [],
            config=config,
            on_event=_printer(language),
            background=False,
            started=lambda run: typer.echo(t("auto.cli.started", language, run=run)),
        )
    except SupportSystemError:
        raise  # translated by reports_errors, even if it is also a ValueError
    except ValueError as error:  # a budget out of range, an unknown --pause-at checkpoint
        stop(str(error))
    _report(run_id, language)


@app.command("resume")
@reports_errors
def auto_resume(run: Run, lang: Lang = None) -> None:
    """Continue RUN from its last checkpoint, after a crash or a restart."""
    from support_system.agents import auto as auto_mode

    language = resolve_language(lang)
    typer.echo(t("auto.cli.resumed", language, run=run))
    auto_mode.resume(run, on_event=_printer(language), background=False)
    _report(run, language)


@app.command("approve")
@reports_errors
def auto_approve(run: Run, lang: Lang = None) -> None:
    """Continue RUN, paused for your approval, as planned."""
    from support_system.agents import auto as auto_mode

    language = resolve_language(lang)
    typer.echo(t("auto.cli.resumed", language, run=run))
    auto_mode.approve(run, on_event=_printer(language), background=False)
    _report(run, language)


@app.command("correct")
@reports_errors
def auto_correct(
    run: Run,
    correction: Annotated[
        str,
        typer.Argument(
            metavar="CORRECTION", help="e.g. 'layout: card', or more of the goal in plain words."
        ),
    ],
    lang: Lang = None,
) -> None:
    """Continue RUN, paused for your approval, with a correction."""
    from support_system.agents import auto as auto_mode

    language = resolve_language(lang)
    typer.echo(t("auto.cli.resumed", language, run=run))
    auto_mode.correct(run, correction, on_event=_printer(language), background=False)
    _report(run, language)


@app.command("cancel")
@reports_errors
def auto_cancel(run: Run, lang: Lang = None) -> None:
    """Stop RUN: a paused one at once, one cut off by a crash as cancelled."""
    from support_system.agents import auto as auto_mode

    language = resolve_language(lang)
    typer.echo(t("auto.cli.cancelling", language, run=run))
    auto_mode.cancel(run)
    _report(run, language)


def _printer(language: str) -> OnEvent:
    """The run's progress events as timeline lines on the terminal."""

    def on_event(event: str, info: dict[str, Any]) -> None:
        if event == "step":
            typer.echo(f"[{info['position']}] {info['title']}")
            if info.get("note"):
                typer.echo(f"    {info['note']}")
            if info.get("node") == "plan" and info.get("missing"):
                typer.echo(t("auto.cli.missing", language, questions=", ".join(info["missing"])))
        elif event == "replayed":
            typer.echo(t("auto.cli.replayed", language, node=info["node"]))
        elif event == "pipeline" and info.get("event") == "attempt":
            typer.echo(t("auto.cli.attempt", language, number=info.get("number", 1)))
        elif event == "error":
            typer.secho(f"{info['error']}: {info['detail']}", fg=typer.colors.RED, err=True)

    return on_event


def _report(run_id: int, language: str) -> None:
    """Where the run stands now; exit code 1 when it ended without a passing result."""
    from support_system.agents import auto as auto_mode

    status = auto_mode.status(run_id)
    if status.state == "paused":
        for question, value in (status.pause or {}).get("answers", {}).items():
            line = t("auto.cli.answers", language, question=question, value=value, source="plan")
            typer.echo(line)
        typer.echo(t("auto.cli.paused", language, run=run_id, checkpoint=status.paused_at))
        return
    if status.explanation:
        typer.echo(status.explanation)
    if status.artifact:
        typer.echo(t("auto.cli.result", language, path=status.artifact))
    if status.url:
        typer.echo(t("auto.cli.url", language, url=status.url))
    if status.state != "completed":
        raise typer.Exit(code=1)
