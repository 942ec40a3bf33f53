"""`models …`: list, prepare and try the configured models."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from support_system.cli.common import Lang, reports_errors
from support_system.core.i18n import t
from support_system.core.settings import get_settings

app = typer.Typer(no_args_is_help=True, help="List, check and try the configured models.")


@app.command("list")
@reports_errors
def models_list(lang: Lang = None) -> None:
    """Show every registry model with its provider and current status, then the models
    found on the Ollama server (`llm.ollama_host`) that models.yaml does not list."""
    from support_system.ai import get_registry, model_status
    from support_system.ai.discovery import discovered_models

    registry = get_registry()
    default = get_settings().llm.default_model
    for spec in registry.models:
        status = model_status(spec, has_key=_has_key(spec.provider))
        mark = "*" if spec.name == default else " "
        line = f"{mark} {spec.name:<28} {spec.provider:<18} {status.message(lang)}"
        if not status.ok:
            line += f" — {status.fix(lang)}"
        typer.echo(line)
    for found in discovered_models(registry):
        spec, model = found.spec, found.model
        mark = "*" if spec.name == default else " "
        facts = t(
            "models.discovered",
            lang,
            model=model.name,
            family=model.family or "?",
            context=model.context_length or "?",
            skills=", ".join(spec.skills),
        )
        typer.echo(f"{mark} {spec.name:<28} {spec.provider:<18} {facts}")


def _has_key(provider: str) -> bool:
    from support_system.ai import CLOUD_PROVIDERS

    if provider not in CLOUD_PROVIDERS:
        return False
    from support_system.data.db import session_scope
    from support_system.data.repositories import ensure_local_user, get_api_key

    try:
        with session_scope() as session:
            return get_api_key(session, ensure_local_user(session).id, provider) is not None
    except Exception:  # noqa: BLE001 - no database yet means no key
        return False


@app.command("prepare")
@reports_errors
def models_prepare(
    name: Annotated[
        list[str] | None, typer.Argument(help="Models to prepare (default: all embedded).")
    ] = None,
) -> None:
    """Join and verify packaged model files now, so the first chat does not wait."""
    from support_system.ai import get_registry
    from support_system.ai.model_files import model_path

    registry = get_registry()
    specs = (
        [registry.get(n) for n in name]
        if name
        else [s for s in registry.models if s.provider == "embedded"]
    )
    for spec in specs:

        def progress(done: int, total: int, label: str = spec.name) -> None:
            sys.stderr.write(
                f"\r  {label}: {done * 100 // max(total, 1):3d}% of {total / 1e6:.0f} MB"
            )
            sys.stderr.flush()

        try:
            path = model_path(spec, progress=progress)
        finally:
            sys.stderr.write("\n")  # end the progress line, also before an error
        typer.echo(f"  {spec.name}: {path}")


@app.command("test")
@reports_errors
def models_test(
    name: Annotated[str, typer.Argument(help="Registry name, e.g. qwen2.5-coder-0.5b.")],
    max_tokens: Annotated[int, typer.Option(help="Tokens to generate.")] = 64,
    lang: Lang = None,
) -> None:
    """Run one short generation on NAME (no cache, no fallback) and print tokens/s."""
    from support_system.ai import generate
    from support_system.ai.prompts import render

    language = lang or get_settings().language
    stream = generate(
        render("models/smoke_test", language=language),
        name,
        stream=True,
        max_tokens=max_tokens,
        temperature=0.2,
        cache=False,
        fallback=False,
        purpose="models-test",
    )
    for piece in stream:
        typer.echo(piece, nl=False)
    typer.echo()
    result = stream.result
    assert result is not None
    seconds = result.latency_ms / 1000
    typer.echo(
        t(
            "cli.tokens_per_second",
            lang,
            tokens=result.tokens_out,
            seconds=f"{seconds:.2f}",
            rate=f"{result.decode_tokens_per_second:.1f}",
        )
    )
    typer.echo(f"first token: {result.first_token_ms} ms, model: {result.model}")
