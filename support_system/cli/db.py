"""`db …`: database maintenance."""

from __future__ import annotations

import typer

from support_system.cli.common import Lang, reports_errors
from support_system.core.i18n import t

app = typer.Typer(no_args_is_help=True, help="Database maintenance.")


@app.command("upgrade")
@reports_errors
def db_upgrade(lang: Lang = None) -> None:
    """Create or migrate the database to the latest schema (safe to repeat); a new
    database also gets the routing figures a new installation starts from."""
    from support_system.data.migrate import upgrade
    from support_system.routing.service import seed

    url = upgrade()
    seed()
    typer.echo(t("cli.db_upgraded", lang, url=_masked(url)))


def _masked(url: str) -> str:
    from support_system.data.db import shown_url

    return shown_url(url)
