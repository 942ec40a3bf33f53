"""The app under test for `ui_latency.py`: start it as ./scripts/start does, wait until
it is healthy, and time the first page in a browser (cold start).

Imported by `bench/ui_latency.py` from its own folder (`python bench/ui_latency.py` puts
bench/ first on sys.path); not a benchmark of its own.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from support_system.core.i18n import t
from support_system.core.settings import PROJECT_ROOT

HEALTH_TIMEOUT_S = 120
# The home page usable: its script ran and its first field is enabled and takes focus.
HOME_READY = """
(label) => {
  const doc = document;
  if (!doc.querySelector('[data-test-script-state="notRunning"]')) return false;
  const input = Array.from(doc.querySelectorAll('[data-testid="stMain"] input'))
    .find((el) => el.getAttribute("aria-label") === label);
  if (!input || input.disabled) return false;
  input.focus();
  return doc.activeElement === input;
}
"""


class BenchError(Exception):
    """A step that could not be done: the message says which and what the page showed."""


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    state: Path
    log: Path
    started: float  # perf_counter() right before Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass


def _python() -> str:
    venv = PROJECT_ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def model_dir() -> Path | None:
    for candidate in (PROJECT_ROOT / ".state-test" / "models", PROJECT_ROOT / ".state" / "models"):
        if candidate.is_dir():
            return candidate
    return None


def _env(state: Path, port: int, lang: str) -> dict[str, str]:
    env = {
        **os.environ,
        "SUPPORT_SYSTEM_STATE_DIR": str(state),
        "SUPPORT_SYSTEM_PORT": str(port),
        "SUPPORT_SYSTEM_LANGUAGE": lang,
        "SUPPORT_SYSTEM_SITES_PORT": "0",
    }
    models = model_dir()
    if models is not None:
        env["SUPPORT_SYSTEM_MODEL_DIR"] = str(models)
    return env


def start_server(state: Path, lang: str) -> Server:
    """Migrate a fresh database (untimed), then start the app as ./scripts/start does."""
    port = _free_port()
    env = _env(state, port, lang)
    migrated = subprocess.run(
        [_python(), "-m", "support_system", "db", "upgrade"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if migrated.returncode != 0:
        raise BenchError(
            f"`python -m support_system db upgrade` failed:\n{migrated.stdout}{migrated.stderr}"
        )
    log = state / "streamlit.log"
    command = [_python(), str(PROJECT_ROOT / "ui" / "serve.py"), "--server.port", str(port)]
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(proc, port, state, log, started)


def wait_healthy(server: Server) -> float:
    """Seconds from spawn to /_stcore/health == "ok"; BenchError after HEALTH_TIMEOUT_S."""
    deadline = server.started + HEALTH_TIMEOUT_S
    while time.perf_counter() < deadline:
        if server.proc.poll() is not None:
            raise BenchError(
                f"the app exited with code {server.proc.returncode} before it was healthy. "
                f"Last lines of {server.log}:\n{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=1) as response:
                if response.read().decode().strip() == "ok":
                    return time.perf_counter() - server.started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.02)
    raise BenchError(
        f"the app was not healthy within {HEALTH_TIMEOUT_S} s. "
        f"Last lines of {server.log}:\n{server.log_tail()}"
    )


def first_page(browser, server: Server, lang: str) -> tuple[float, float]:
    """Seconds from spawn until the home page's `load` event, and until its first field is
    usable (script run finished), in a new browser context."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server.url)
        loaded = time.perf_counter() - server.started
        try:
            page.wait_for_function(
                HOME_READY,
                arg=t("ui.home.want_label", lang),
                polling=10,
                timeout=HEALTH_TIMEOUT_S * 1000,
            )
        except PlaywrightTimeout:
            raise BenchError(
                f"the home page's field {t('ui.home.want_label', lang)!r} was not usable within "
                f"{HEALTH_TIMEOUT_S} s. Last lines of {server.log}:\n{server.log_tail()}"
            ) from None
        return loaded, time.perf_counter() - server.started
    finally:
        context.close()
