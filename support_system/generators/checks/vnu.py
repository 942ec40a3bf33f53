"""The Nu Html Checker (vnu.jar from npm `vnu-jar`): the W3C's own conformance checker.

html5lib only proves a page *parses*; vnu knows the HTML standard's content models
(duplicate ids, obsolete elements, a `<div>` inside a `<p>`, bad attribute values, CSS in
`style`). Errors fail the check; warnings are reported but pass; info messages are dropped.

Cost: every command-line run starts a JVM — measured on 2 cores ~0.7-1.2 s and ~100 MB
for one page (language detection off; on, it adds ~0.5 s and ~190 MB). So:
- `check_vnu_many(paths)` checks any number of files in ONE java run (5 pages ~1 s);
- `VnuServer` keeps one JVM running as a local HTTP service (~4-7 s to start, ~600 MB
  resident, then ~0.04 s a page). It pays off from about the fifth page a process
  checks — a long repair loop, a batch of generated sites — and is opt-in because
  600 MB matters on a laptop that also holds a language model;
- `checks.vnu_url` (settings) names a service already running (one for a server with
  many users, or the test suite's): `check_vnu` posts to it and falls back to the
  command line when it does not answer.
"""

from __future__ import annotations

import json
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from support_system.core.logging import get_logger
from support_system.core.settings import get_settings
from support_system.generators.base import CheckResult
from support_system.generators.checks.tools import java, vnu_jar
from support_system.generators.errors import CheckerUnavailable

NAME = "vnu"
# vnu's schema needs a thread stack of at least 512k (it says so when it overflows); C1-only
# frames are larger, so leave plenty. A one-shot run never profits from the C2 compiler:
# stopping at C1 with the serial GC starts noticeably faster on two cores.
JAVA_OPTIONS: tuple[str, ...] = (
    "-Xss16m",
    "-XX:TieredStopAtLevel=1",
    "-XX:+UseSerialGC",
    "-XX:-UsePerfData",
    "-Djava.awt.headless=true",
)
EXTRACT_CHARS = 80
# A configured service that takes longer than this for one page is treated as down.
SERVICE_TIMEOUT = 30.0
SERVICE_RETRY_SECONDS = 10.0  # after a failure, pages use the command line this long
_service_down_until: dict[str, float] = {}  # service URL -> monotonic time to try again
log = get_logger(__name__)


def check_vnu(
    html: str | Path,
    *,
    server: VnuServer | None = None,
    langdetect: bool = False,
    timeout: float = 120.0,
) -> CheckResult:
    """Check one page (markup or a file) with the Nu Html Checker.

    Pass a running `server` to skip the JVM start. `langdetect` turns on vnu's "this page
    looks like Japanese but lang says en" warnings; it is off by default because it
    costs ~0.5 s and ~190 MB per run and its findings are warnings, which never fail.
    """
    if server is not None:
        return server.check(html)
    service = get_settings().checks.vnu_url
    if service and time.monotonic() >= _service_down_until.get(service, 0.0):
        started = time.perf_counter()
        try:
            report = _post_page(service, html, timeout=SERVICE_TIMEOUT)
        except (OSError, ValueError) as exc:  # down, starting, or not vnu: the command line
            # A service that hangs would cost every page SERVICE_TIMEOUT: rest it a while.
            _service_down_until[service] = time.monotonic() + SERVICE_RETRY_SECONDS
            log.warning("vnu.service_unavailable", url=service, error=str(exc)[:200])
        else:
            return _result(report.get("messages", []), _since(started))
    if isinstance(html, Path):
        return check_vnu_many([html], langdetect=langdetect, timeout=timeout)[html]
    started = time.perf_counter()
    report = _run_cli(["-"], stdin=html.encode("utf-8"), langdetect=langdetect, timeout=timeout)
    if isinstance(report, str):
        return CheckResult(NAME, False, [report], _since(started))
    return _result(report.get("messages", []), _since(started))


def check_vnu_many(
    paths: Iterable[Path], *, langdetect: bool = False, timeout: float = 300.0
) -> dict[Path, CheckResult]:
    """Check several files in one JVM run; one CheckResult per path, keyed as given.

    Each result's `seconds` is its share of the single run (total / number of files).
    A path that is not a file raises FileNotFoundError: vnu itself skips it silently.
    """
    given = list(dict.fromkeys(paths))
    if not given:
        return {}
    missing = [str(p) for p in given if not Path(p).is_file()]
    if missing:
        raise FileNotFoundError(f"vnu: no such file: {', '.join(missing)}")
    started = time.perf_counter()
    report = _run_cli(
        [str(Path(p).resolve()) for p in given], langdetect=langdetect, timeout=timeout
    )
    share = round((time.perf_counter() - started) / len(given), 3)
    if isinstance(report, str):
        return {p: CheckResult(NAME, False, [report], share) for p in given}
    by_file: dict[Path, list[dict[str, Any]]] = {Path(p).resolve(): [] for p in given}
    stray: list[dict[str, Any]] = []
    for message in report.get("messages", []):
        target = _path_of(message.get("url"))
        (by_file[target] if target in by_file else stray).append(message)
    # A message vnu could not attribute (e.g. an I/O problem) concerns every file.
    return {p: _result(by_file[Path(p).resolve()] + stray, share) for p in given}


class VnuServer:
    """vnu as a local HTTP service, for a process that checks many pages.

    `with VnuServer() as vnu: check_vnu(page, server=vnu)`. Bound to 127.0.0.1 on a free
    port; the JVM is stopped on `close()`. Not thread-safe to start/close concurrently,
    but `check` may be called from several threads (the service handles them).
    """

    def __init__(self, *, port: int | None = None, startup_timeout: float = 120.0) -> None:
        self.port = port or _free_port()
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, *, wait: bool = True) -> VnuServer:
        """Start the JVM and wait until the service answers (raises CheckerUnavailable).

        `wait=False` returns at once, for a caller whose checks fall back to the command
        line while the service is starting (`checks.vnu_url`).
        """
        if self._process is not None:
            return self
        self._log = tempfile.TemporaryFile()
        command = [
            java(),
            "-Xss16m",
            "-Djava.awt.headless=true",
            "-Dnu.validator.servlet.bind-address=127.0.0.1",
            "-cp",
            str(vnu_jar()),
            "nu.validator.servlet.Main",
            str(self.port),
        ]
        self._process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)
        if not wait:
            return self
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                detail = self._log_tail()
                self.close()
                raise CheckerUnavailable(f"the vnu service exited: {detail}", checker=NAME)
            try:
                with urllib.request.urlopen(self.url, timeout=2):
                    return self
            except OSError:
                time.sleep(0.25)
        self.close()
        raise CheckerUnavailable(
            f"the vnu service did not start within {self.startup_timeout:.0f} s", checker=NAME
        )

    def check(self, html: str | Path, *, timeout: float = 60.0) -> CheckResult:
        """Check one page through the running service (starts it if needed)."""
        self.start()
        started = time.perf_counter()
        try:
            report = _post_page(self.url, html, timeout=timeout)
        except (OSError, ValueError) as exc:
            if self._process is not None and self._process.poll() is not None:
                raise CheckerUnavailable(
                    f"the vnu service stopped: {self._log_tail()}", checker=NAME
                ) from exc
            return CheckResult(
                NAME, False, [f"vnu could not check the page: {exc}"], _since(started)
            )
        return _result(report.get("messages", []), _since(started))

    def close(self) -> None:
        """Stop the JVM (idempotent)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> VnuServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _log_tail(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-1000:].strip()


# --- helpers ---------------------------------------------------------------------------


def _post_page(url: str, html: str | Path, *, timeout: float) -> dict[str, Any]:
    """vnu's JSON report for one page from a running service (its documented POST API)."""
    body = html.read_bytes() if isinstance(html, Path) else html.encode("utf-8")
    request = urllib.request.Request(
        f"{url.rstrip('/')}/?out=json",
        data=body,
        headers={"Content-Type": "text/html; charset=utf-8"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        report = json.loads(response.read().decode("utf-8"))
    if not isinstance(report, dict):
        raise ValueError("the service's answer is not a vnu report")
    return report


def _run_cli(
    args: list[str], *, stdin: bytes | None = None, langdetect: bool, timeout: float
) -> dict[str, Any] | str:
    """Run vnu.jar once; the parsed JSON report, or a message saying why there is none."""
    command = [
        java(),
        *JAVA_OPTIONS,
        "-jar",
        str(vnu_jar()),
        "--format",
        "json",
        "--stdout",
        "--exit-zero-always",
        "--html",
    ]
    if not langdetect:
        command.append("--no-langdetect")
    try:
        done = subprocess.run(
            command + args, input=stdin, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return f"vnu did not finish within {timeout:.0f} s"
    try:
        report = json.loads(done.stdout.decode("utf-8"))
    except ValueError:
        detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[-500:]
        return f"vnu could not check the page (exit {done.returncode}): {detail}"
    return report if isinstance(report, dict) else f"vnu gave an unexpected report: {report!r:.200}"


def _result(messages: list[dict[str, Any]], seconds: float) -> CheckResult:
    """Errors fail; warnings are kept (they pass); plain info messages are dropped."""
    errors: list[str] = []
    warnings: list[str] = []
    for message in messages:
        kind, sub = message.get("type"), message.get("subType")
        if kind == "error" or kind == "non-document-error":
            errors.append(_format(message))
        elif kind == "info" and sub == "warning":
            warnings.append(_format(message, "warning: "))
    return CheckResult(NAME, not errors, errors + warnings, seconds)


def _format(message: dict[str, Any], prefix: str = "") -> str:
    """ "line N: message (extract)" — the form the repair prompt quotes back to the model."""
    text = str(message.get("message", "")).strip()
    line = message.get("firstLine") or message.get("lastLine")
    where = f"line {line}: " if line else ""
    extract = " ".join(str(message.get("extract", "")).split())
    if len(extract) > EXTRACT_CHARS:
        extract = extract[: EXTRACT_CHARS - 1] + "…"
    return f"{where}{prefix}{text}" + (f" ({extract})" if extract else "")


def _path_of(url: Any) -> Path | None:
    if not isinstance(url, str) or not url.startswith("file:"):
        return None
    return Path(unquote(urlsplit(url).path)).resolve()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)
