"""`python -m support_system.api [--host H] [--port P]`: the same as `serve-api`."""

from __future__ import annotations

import typer

from support_system.cli.api import serve_api

if __name__ == "__main__":
    typer.run(serve_api)
