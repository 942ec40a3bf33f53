"""`serve`: the published pages on a local web server."""

from __future__ import annotations

from typing import Annotated

import typer

from support_system.cli.common import Lang, reports_errors
from support_system.core.i18n import t


@reports_errors
def serve(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (default 8600).")] = 8600,
    lang: Lang = None,
) -> None:
    """Serve the published pages (the site folder) at http://127.0.0.1:PORT/ until Ctrl+C."""
    from support_system.publishing.server import make_server, server_url
    from support_system.publishing.site import sites_root

    server = make_server(port)
    typer.echo(t("publishing.serving", lang, url=server_url(server) + "/", root=str(sites_root())))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        typer.echo(t("publishing.stopped", lang))
    finally:
        server.server_close()
