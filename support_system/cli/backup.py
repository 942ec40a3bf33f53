"""`backup create|verify|restore`: one archive of the database and the state folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from support_system.cli.common import Lang, reports_errors
from support_system.core.i18n import t

app = typer.Typer(no_args_is_help=True, help="Back up and restore an installation.")


def _size(count: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024  # type: ignore[assignment]
    return str(count)


@app.command("create")
@reports_errors
def backup_create(
    to: Annotated[Path | None, typer.Option(help="Archive path (default: state/backups/).")] = None,
    lang: Lang = None,
) -> None:
    """Write the database and the state folder into one archive (safe while the app runs)."""
    from support_system.data import backup

    path, manifest = backup.create(to)
    typer.echo(
        t(
            "cli.backup.created",
            lang,
            path=path,
            files=len(manifest.files),
            size=_size(path.stat().st_size),
        )
    )


@app.command("verify")
@reports_errors
def backup_verify(file: Path, lang: Lang = None) -> None:
    """Check every file of an archive against its manifest."""
    from support_system.data import backup

    manifest = backup.verify(file)
    typer.echo(
        t(
            "cli.backup.verified",
            lang,
            files=len(manifest.files),
            created_at=manifest.created_at,
            revision=manifest.revision or "-",
        )
    )


@app.command("restore")
@reports_errors
def backup_restore(file: Path, lang: Lang = None) -> None:
    """Restore an archive into an empty installation (refuses one that holds data)."""
    from support_system.data import backup

    manifest = backup.restore(file)
    typer.echo(t("cli.backup.restored", lang, path=file, files=len(manifest.files)))
