"""Start the app: the one command behind `./scripts/start` and `bench/ui_latency.py`.

    python ui/serve.py [--server.port 8501] [any other `streamlit run` flag]

It runs `streamlit run ui/app.py` in this process with the app's flags, and meanwhile
imports, on a background thread, what the pages need (the database layer, settings, the
job catalogue, voice). Streamlit only runs the app's script once a browser connects,
and the browser first spends about a second fetching Streamlit's own scripts: without
this, the first page would do all of that work only then, while the person waits.
A failure here is ignored; the page imports the same module and reports the problem
itself.
"""

from __future__ import annotations

import importlib
import os
import socket
import sys
import threading
import time
from pathlib import Path

UI_DIR = Path(__file__).resolve().parent
APP = UI_DIR / "app.py"
DEFAULT_PORT = 8501

# What `./scripts/start` always passes; flags given on the command line come after
# these, and Streamlit keeps the last value of a repeated flag.
FLAGS = (
    "--server.address", "127.0.0.1",
    "--server.headless", "true",
    "--browser.gatherUsageStats", "false",
    "--client.toolbarMode", "minimal",
    "--theme.base", "light",
    "--server.maxUploadSize", "20",
)  # fmt: skip

FIRST_PAGE_MODULES = (
    "support_system.accounts.preferences",
    "support_system.accounts.users",
    "support_system.jobs.workspace",
    "support_system.jobs.suggest",
    "support_system.generators.runs",
    "support_system.speech",
    "support_system.ai.status",
)


def _wait_until_listening(port: int, timeout: float = 60.0) -> None:
    """Return once the server accepts connections (or after `timeout`): importing while
    Streamlit itself starts would only slow both down, two imports sharing one GIL."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)


def _preload(port: int) -> None:
    _wait_until_listening(port)
    try:
        for name in FIRST_PAGE_MODULES:
            importlib.import_module(name)
        from support_system.jobs.catalogue import load_catalogue

        load_catalogue()  # parsed and checked once, then cached for every page
    except Exception:  # noqa: BLE001, S110 - the page reports it (see the module docstring)
        pass


def _port(argv: list[str]) -> int:
    """The port Streamlit will listen on: the last `--server.port`, else the default."""
    port = int(os.environ.get("SUPPORT_SYSTEM_PORT", DEFAULT_PORT))
    for flag, value in zip(argv, argv[1:], strict=False):
        if flag == "--server.port":
            port = int(value)
    return port


def streamlit_args(argv: list[str]) -> list[str]:
    """The `streamlit` command line for `argv` (this script's own arguments)."""
    return ["streamlit", "run", str(APP), *FLAGS, "--server.port", str(_port(argv)), *argv]


def main(argv: list[str]) -> None:
    threading.Thread(target=_preload, args=(_port(argv),), name="preload", daemon=True).start()
    from streamlit.web import cli

    sys.argv = streamlit_args(argv)
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main(sys.argv[1:])
