"""Where the external checkers live, and the error raised when one is missing.

The Nu Html Checker and axe-core come from npm (pinned in package.json, installed into
`node_modules/` by ./scripts/start and ./scripts/test); Java and Chromium are Debian
packages. Paths are resolved lazily so importing a check never fails on a machine that
only runs the Python checks.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from support_system.core.settings import PROJECT_ROOT
from support_system.generators.errors import CheckerUnavailable

NODE_MODULES = Path(os.environ.get("SUPPORT_SYSTEM_NODE_MODULES", PROJECT_ROOT / "node_modules"))
CHROMIUM = os.environ.get("SUPPORT_SYSTEM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def vnu_jar() -> Path:
    """The Nu Html Checker jar from npm `vnu-jar`."""
    jar = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
    if not jar.is_file():
        raise CheckerUnavailable(f"{jar} is missing (npm ci was not run)", checker="vnu")
    return jar


def java() -> str:
    """The `java` executable (17 or newer) that runs vnu.jar."""
    found = shutil.which("java")
    if not found:
        raise CheckerUnavailable(
            "java is not installed (apt-get install default-jre-headless)", checker="vnu"
        )
    return found


def axe_script() -> str:
    """The source of axe-core (npm `axe-core`), injected into every audited page."""
    path = NODE_MODULES / "axe-core" / "axe.min.js"
    if not path.is_file():
        raise CheckerUnavailable(f"{path} is missing (npm ci was not run)", checker="axe")
    return path.read_text(encoding="utf-8")


def chromium_executable() -> str:
    """Debian's Chromium: Playwright drives it; `playwright install` is never used."""
    if not Path(CHROMIUM).is_file():
        raise CheckerUnavailable(f"{CHROMIUM} is missing (apt-get install chromium)", checker="axe")
    return CHROMIUM
