"""`cluster`: Redis, PostgreSQL, a Chroma server, workers, APIs and the app on this machine.

The scale-out set-up of `deploy/compose.yaml` without a container daemon; the details
(what runs where, where the data stays) are in `support_system.operations.cluster`.
"""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from support_system.cli.common import Lang, reports_errors
from support_system.core.i18n import t

SUPERVISE_SECONDS = 2.0  # how often a dead worker is noticed and started again


@reports_errors
def cluster(
    workers: Annotated[int, typer.Option("--workers", min=1, help="Celery workers.")] = 2,
    apis: Annotated[int, typer.Option("--apis", min=1, help="API processes.")] = 1,
    port: Annotated[int, typer.Option("--port", help="The app's port (0: any free).")] = 8501,
    api_port: Annotated[
        int, typer.Option("--api-port", help="The first API's port; others follow.")
    ] = 8000,
    app: Annotated[bool, typer.Option("--app/--no-app", help="Start the app too.")] = True,
    postgres: Annotated[
        bool, typer.Option("--postgres/--no-postgres", help="PostgreSQL, or SQLite.")
    ] = True,
    chroma: Annotated[
        bool, typer.Option("--chroma/--no-chroma", help="A Chroma server, or embedded.")
    ] = True,
    lang: Lang = None,
) -> None:
    """Start the whole multi-process set and keep it running until Ctrl+C.

    Data stays in the state folder's cluster/ (Redis, Chroma, PostgreSQL: under
    /var/lib/support_system when run as root), so the next start finds it again.
    """
    from support_system.core.settings import get_settings
    from support_system.operations.cluster import ClusterPlan, LocalCluster

    settings = get_settings()
    plan = ClusterPlan(
        workers=workers,
        apis=apis,
        app=app,
        postgres=postgres,
        chroma=chroma,
        app_port=port,
        api_port=api_port,
    )
    extras = (", PostgreSQL" if postgres else "") + (", Chroma" if chroma else "")
    typer.echo(t("cli.cluster.starting", lang, workers=workers, apis=apis, extras=extras))
    local = LocalCluster(settings.state_dir, plan)
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    local.start()
    try:
        api_list = " ".join(local.api_urls)
        if local.app is not None:
            typer.echo(t("cli.cluster.ready", lang, app=local.app.url, apis=api_list))
        else:
            typer.echo(t("cli.cluster.ready_no_app", lang, apis=api_list))
        while not stopping.wait(SUPERVISE_SECONDS):
            local.restart_stopped_workers()
    finally:
        typer.echo(t("cli.cluster.stopping", lang))
        local.stop()
    typer.echo(t("cli.cluster.stopped", lang, state=local.folder))
