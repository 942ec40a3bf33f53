"""Start the app: the one command behind `./scripts/start` and `bench/ui_latency.py`.

    python ui/serve.py [--server.port 8501] [any other `streamlit run` flag]

It runs `streamlit run ui/app.py` in this process with the app's flags, so the app and
its benchmark can never drift apart in how they start. (Importing the pages' modules on
a background thread while the browser loads was tried and measured: on two cores it
slowed Streamlit's serving of its own scripts more than it saved, 2.80 s against
2.54 s to the first usable page, so it is not done.)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

UI_DIR = Path(__file__).resolve().parent
APP = UI_DIR / "app.py"
DEFAULT_PORT = 8501

# What `./scripts/start` always passes; flags given on the command line come after
# these, and Streamlit keeps the last value of a repeated flag. The minimal toolbar
# leaves out Streamlit's own English menu ("Deploy", "Main menu", "Running…").
FLAGS = (
    "--server.address", "127.0.0.1",
    "--server.headless", "true",
    "--browser.gatherUsageStats", "false",
    "--client.toolbarMode", "minimal",
    "--theme.base", "light",
    "--server.maxUploadSize", "20",
)  # fmt: skip


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
    from streamlit.web import cli

    sys.argv = streamlit_args(argv)
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main(sys.argv[1:])
