"""`serve-api`: the REST API on uvicorn (for other clients; the UI does not need it)."""

from __future__ import annotations

from typing import Annotated

import typer

from support_system.cli.common import reports_errors


@reports_errors
def serve_api(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (default: this computer only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port (default 8000).")] = 8000,
    log_level: Annotated[
        str, typer.Option("--log-level", help="uvicorn's own log level.")
    ] = "warning",
) -> None:
    """Serve the REST API (docs at http://HOST:PORT/docs) until Ctrl+C.

    The database is brought up to date first, as every app start does. Request logs are
    JSON lines (secrets masked) in the state dir's logs/app.log and on stderr.
    """
    import uvicorn

    from support_system.api import create_app
    from support_system.core.logging import configure_logging
    from support_system.core.settings import get_settings
    from support_system.data.migrate import upgrade

    settings = get_settings()
    configure_logging(settings.state_dir / "logs", settings.log_level, to_stderr=True)
    upgrade()
    uvicorn.run(
        create_app(),
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,  # our middleware logs each request, without query strings
        server_header=False,
    )
