"""Launch a generated program's Gradio app (`app.py --port N`) so a person can click it.

Generated code never runs unsandboxed — not even the app a person asked to open. The
app runs inside the same bubblewrap sandbox as every other generated program
(`generators.sandbox`: its own mount, PID, IPC, UTS and network namespaces, a
throw-away uid without capabilities when we are root, rlimits, a scrubbed environment).
The difficulty is the network: the sandbox's network namespace has only its own
loopback, so nobody outside can reach the app's port, and giving it a real interface
(a veth pair into the host) would also give it a route to every service listening on
the host. Instead the host lends it exactly one thing:

    browser ─► 127.0.0.1:N (host) ══ listening socket, created on the host ══╗
                                                                             ║ fd passed
    app.py ◄─ 127.0.0.1:N (sandbox loopback) ◄─ relay (stdlib, in sandbox) ◄─╝ into bwrap

The host creates a TCP listening socket on its own 127.0.0.1:N and passes the file
descriptor into the sandbox. A socket stays in the network namespace it was created in,
so connections the relay `accept()`s are host connections; the relay forwards each one
to the app on 127.0.0.1:N of the sandbox's private loopback. A listening socket can only
accept, so this gives no way out.

What is isolated (verified by tests/integration/publishing/test_launcher.py):
* no network: connecting anywhere, including the host's 127.0.0.1 services, fails with
  "Network is unreachable"; the only inbound path is the lent listening socket;
* files: only /usr, the Python install (read-only) and a private copy of the artifact
  (the working directory) exist; /root, /home, the project tree with its `.state/`
  (database, secret key) are absent; the artifact folder itself is never modified;
* processes: own PID namespace; `stop()` kills the whole sandbox; the sandbox also dies
  with this Python process (bwrap --die-with-parent; the process is started from a
  long-lived thread because the kernel ties that to the starting *thread*);
* environment: built from nothing — no *KEY*/*TOKEN*/*SECRET*/PASSWORD/SUPPORT_SYSTEM_*;
* limits: CPU time, address space, file size and process count (see APP_LIMITS).

What is not isolated: any local process (and any local user) can connect to
127.0.0.1:N while the app runs — as with any local server; CPU and memory are shared
within the limits; the app can write in its private copy and the size-limited /tmp.
If bubblewrap is missing or cannot create namespaces, `SandboxUnavailable` is raised
and nothing is started.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from support_system.core.logging import get_logger
from support_system.generators import sandbox
from support_system.generators.errors import SandboxUnavailable
from support_system.generators.sandbox import SandboxLimits
from support_system.publishing.errors import ArtifactMissing, LaunchError, LaunchTimeout
from support_system.publishing.files import iter_artifact_files

log = get_logger(__name__)

__all__ = [
    "APP_LIMITS",
    "LaunchError",
    "LaunchTimeout",
    "LaunchedApp",
    "SandboxUnavailable",
    "launch_gradio",
]

APP_FILE = "app.py"
# An app is a long-running server: CPU time adds up while it waits, and Gradio runs a
# thread per request (RLIMIT_NPROC counts threads), so these are looser than a test run.
APP_LIMITS = SandboxLimits(
    wall_seconds=0, cpu_seconds=6 * 3600, memory_mb=4096, file_size_mb=256, max_processes=512
)
_LOG_TAIL = 4000

# Runs inside the sandbox with the sandbox's Python: stdlib only, no project imports.
_RELAY = r"""
import socket, subprocess, sys, threading
fd, port, app = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
listener = socket.socket(fileno=fd)
child = subprocess.Popen(app)

def pump(src, dst, done):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    if done.acquire(blocking=False) is False:
        src.close(); dst.close()

def handle(client):
    try:
        upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
    except OSError:
        client.close()
        return
    upstream.settimeout(None)
    done = threading.Lock()
    threading.Thread(target=pump, args=(client, upstream, done), daemon=True).start()
    pump(upstream, client, done)

def accept():
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=handle, args=(client,), daemon=True).start()

threading.Thread(target=accept, daemon=True).start()
sys.exit(child.wait())
"""


@dataclass(eq=False)  # compared and hashed by identity: each launch is one process
class LaunchedApp:
    """A running app: open `url`; call `stop()` when done (also safe to call twice)."""

    process: subprocess.Popen[bytes]
    url: str
    port: int
    run_dir: Path
    log_path: Path
    _listener: socket.socket = field(repr=False)
    _child_pid: int | None = field(default=None, repr=False)

    def running(self) -> bool:
        return self.process.poll() is None

    def output(self, limit: int = _LOG_TAIL) -> str:
        """The app's last output (stdout and stderr), for the person and for repairs."""
        try:
            text = self.log_path.read_bytes()[-limit:].decode("utf-8", "replace")
        except OSError:
            return ""
        return text

    def stop(self) -> None:
        """Kill the whole sandbox (its process group and PID namespace) and clean up."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.warning("app.stop_timeout", pid=self.process.pid)
        if self._child_pid:
            _wait_gone(self._child_pid)
        self._listener.close()
        shutil.rmtree(self.run_dir.parent, ignore_errors=True)  # the copy and the log
        _RUNNING.discard(self)

    def __enter__(self) -> LaunchedApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


_RUNNING: set[LaunchedApp] = set()  # started here and not stopped yet; ended at exit
# PR_SET_PDEATHSIG (bwrap --die-with-parent) fires when the *thread* that started the
# process ends. Streamlit runs each rerun in a short-lived thread, so the app is
# started from this one long-lived thread instead and lives as long as the process.
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="app-launcher")
_SPAWN_LOCK = threading.Lock()


def launch_gradio(artifact_dir: Path, port: int | None = None, timeout: float = 60) -> LaunchedApp:
    """Start `artifact_dir/app.py --port N` in the sandbox and wait until it answers.

    `port` is the port on the host's 127.0.0.1 (default: a free one). Raises
    ArtifactMissing (no app.py), SandboxUnavailable (cannot isolate: nothing runs),
    LaunchError (the app exited) or LaunchTimeout (no answer within `timeout` seconds;
    the app is stopped).
    """
    source = Path(artifact_dir)
    if not (source / APP_FILE).is_file():
        raise ArtifactMissing(detail=f"{source / APP_FILE}: not found", path=str(source / APP_FILE))
    listener = _listen(port)
    chosen = listener.getsockname()[1]
    # <base>/app is the sandbox's working directory; the log stays outside its reach.
    base = Path(tempfile.mkdtemp(prefix="support-system-app-"))
    run_dir, log_path = base / "app", base / "app.log"
    try:
        run_dir.mkdir()
        _copy_artifact(source, run_dir)
        app = _start(run_dir, listener, chosen, log_path)
    except BaseException:
        listener.close()
        shutil.rmtree(base, ignore_errors=True)
        raise
    _RUNNING.add(app)
    try:
        _wait_until_ready(app, timeout)
    except BaseException:
        app.stop()
        raise
    log.info("app.launched", url=app.url, run_dir=str(run_dir))
    return app


def _listen(port: int | None) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", port or 0))
    except OSError as exc:
        listener.close()
        raise LaunchError(detail=f"port {port}: {exc}") from exc
    listener.listen(64)
    return listener


def _copy_artifact(source: Path, run_dir: Path) -> None:
    """The app runs on a private copy: it may write where it runs, never in the artifact."""
    for relative, path in iter_artifact_files(source):
        target = run_dir.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    for name in ("tmp", "matplotlib", "gradio"):
        (run_dir / sandbox.PRIVATE_DIR / name).mkdir(parents=True, exist_ok=True)


def _start(run_dir: Path, listener: socket.socket, port: int, log_path: Path) -> LaunchedApp:
    fd = listener.fileno()
    # argv[0] "python" is this interpreter (see run_sandboxed); the app runs on it too.
    argv = [
        "python",
        "-c",
        _RELAY,
        str(fd),
        str(port),
        sys.executable,
        APP_FILE,
        "--port",
        str(port),
    ]
    prepared = sandbox.prepare(
        argv,
        workdir=run_dir,
        limits=APP_LIMITS,
        env={
            "GRADIO_TEMP_DIR": str(run_dir.resolve() / sandbox.PRIVATE_DIR / "gradio"),
            "GRADIO_SERVER_NAME": "127.0.0.1",
            "NO_PROXY": "*",
            "PYTHONUNBUFFERED": "1",  # the log shows the app's messages as they happen
            "PORT": str(port),
        },
    )
    command, env = prepared.command, prepared.env
    status_read, status_write = os.pipe()
    command = [command[0], "--json-status-fd", str(status_write), *command[1:]]
    log_file = log_path.open("wb")

    def spawn() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
            pass_fds=(fd, status_write),
            start_new_session=True,
        )

    try:
        with _SPAWN_LOCK:
            process = _SPAWNER.submit(spawn).result()
    finally:
        os.close(status_write)
        log_file.close()
    child = _child_pid(status_read, process)
    url = f"http://127.0.0.1:{port}/"
    return LaunchedApp(
        process=process,
        url=url,
        port=port,
        run_dir=run_dir,
        log_path=log_path,
        _listener=listener,
        _child_pid=child,
    )


def _child_pid(status_read: int, process: subprocess.Popen[bytes]) -> int | None:
    """bwrap reports the sandboxed program's pid on its status fd once it is set up;
    if it exits first, it could not build the sandbox (SandboxUnavailable)."""
    buffer = b""
    deadline = time.monotonic() + 15
    os.set_blocking(status_read, False)
    try:
        while time.monotonic() < deadline:
            try:
                chunk = os.read(status_read, 65536)
            except BlockingIOError:
                chunk = None
            if chunk:
                buffer += chunk
                match = re.search(rb'"child-pid":\s*(\d+)', buffer)
                if match:
                    return int(match.group(1))
            elif chunk == b"" or process.poll() is not None:
                break
            time.sleep(0.02)
    finally:
        os.close(status_read)
    if process.poll() is not None:
        raise SandboxUnavailable(f"bwrap exited with {process.returncode} before starting the app")
    return None


def _wait_until_ready(app: LaunchedApp, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise LaunchError(detail=_tail(app.output()) or f"exit code {app.process.returncode}")
        try:
            with urllib.request.urlopen(app.url, timeout=2) as response:  # noqa: S310 - our own 127.0.0.1
                if response.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.25)
    raise LaunchTimeout(detail=_tail(app.output()) or "no answer", seconds=int(timeout))


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _wait_gone(pid: int, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.02)


@atexit.register
def _stop_all() -> None:
    for app in list(_RUNNING):
        try:
            app.stop()
        except Exception:  # noqa: BLE001 - best effort at interpreter exit
            pass
