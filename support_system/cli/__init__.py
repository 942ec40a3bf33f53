"""Command line: `python -m support_system …` (Typer).

Commands print translated messages; a SupportSystemError becomes its message and exit
code 2 instead of a traceback (`common.reports_errors`, on every command). One module
per command or command group; what a command needs beyond Typer it imports inside the
command, so `--help` stays fast.
"""

from __future__ import annotations

import typer

from support_system.cli import (
    api,
    ask,
    auto,
    backup,
    chat,
    cluster,
    db,
    generate,
    jobs,
    knowledge,
    models,
    serve,
    understand,
    worker,
)

app = typer.Typer(no_args_is_help=True, add_completion=False, help="support_system command line.")


# Commands left alone: `db upgrade` and `cluster` (they migrate, cluster once for all its
# processes), `backup restore` (it needs an installation without tables) and `models`
# (it never uses the database; ./scripts/start prepares models before the database).
MANAGES_DATABASE = frozenset({"db", "backup", "cluster", "models"})


@app.callback()
def _start(context: typer.Context) -> None:
    """Before any command: logs (secrets masked) go to the state dir's logs/app.log, and
    a SQLite database that does not exist yet is created, so a command run before the
    app was ever started (a new machine, a new state dir) works instead of failing with
    "no such table"."""
    from support_system.core.logging import configure_logging
    from support_system.core.settings import get_settings

    settings = get_settings()
    configure_logging(settings.state_dir / "logs", settings.log_level, to_stderr=False)
    if context.invoked_subcommand not in MANAGES_DATABASE:
        from support_system.data.db import sqlite_file

        database = sqlite_file(settings.effective_database_url)
        if database is not None and not database.exists():
            from support_system.data.migrate import upgrade

            upgrade()


app.add_typer(models.app, name="models")
app.add_typer(db.app, name="db")
app.add_typer(backup.app, name="backup")
app.add_typer(jobs.app, name="jobs")
app.command()(chat.chat)
app.command()(ask.ask)
app.command()(understand.understand)
app.command()(generate.generate)
app.add_typer(auto.app, name="auto")
app.command()(serve.serve)
app.command()(api.serve_api)
app.command()(worker.worker)
app.command()(cluster.cluster)
app.add_typer(knowledge.app, name="kb")


def main() -> None:
    """The console entry point (`python -m support_system`)."""
    app()
