"""The whole multi-process set on one machine: Redis, PostgreSQL, a Chroma server, Celery
workers, API processes and the Streamlit app (`python -m support_system cluster`).

Why: `deploy/compose.yaml` describes the same set for a container host, but no container
daemon runs on these machines, and a person trying the scale-out set-up should not have
to start six programs by hand. The scale-out test and `bench/scale.py` start their sets
through this module, so the documented command is the tested one.

Every process gets the same settings through the environment: `queue.backend: celery`
and the Redis URL, the database URL, the Chroma server's URL and one state folder. The
data of Redis, PostgreSQL and Chroma stays under `<state folder>/cluster/` (PostgreSQL's
elsewhere when run as root: see `postgres_server`), so stopping and starting again keeps
everything. Order matters: the stores first, then one database migration (several
processes migrating at once would race), then workers, APIs and the app.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from support_system.core.logging import get_logger
from support_system.core.settings import PROJECT_ROOT
from support_system.data.secrets import KEY_FILE_NAME, SECRET_KEY_ENV, load_or_create_key
from support_system.operations.errors import ClusterError
from support_system.operations.postgres_server import LocalPostgres, default_folder
from support_system.operations.processes import (
    Service,
    free_port,
    http_ok,
    port_in_use,
    spawn,
    stop,
    wait_until,
)

log = get_logger(__name__)

START_TIMEOUT_SECONDS = 120  # an API or the app imports a lot on a busy 2-core machine


@dataclass
class ClusterPlan:
    """What to start. Port 0 means "any free port"."""

    workers: int = 2
    apis: int = 1
    app: bool = True
    postgres: bool = True
    """False: SQLite in the state folder (WAL lets several processes write it)."""
    chroma: bool = True
    """False: each process opens the embedded Chroma in the shared state folder."""
    database_url: str | None = None
    """An existing database to use instead of starting PostgreSQL."""
    postgres_folder: Path | None = None
    """Where PostgreSQL keeps its data (default: see `postgres_server.default_folder`)."""
    app_port: int = 8501
    api_port: int = 8000
    """The first API's port; the others take the next free ones."""
    persistent: bool = True
    """Redis keeps its data on disk; False for throwaway sets (tests, benchmarks)."""
    env: dict[str, str] = field(default_factory=dict)
    """Extra settings (`SUPPORT_SYSTEM_…` variables) for every process."""


def _redis_ready(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _program(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ClusterError(
            f"{name} not on PATH", reason="program_missing", program=name, package=package
        )
    return found


def _port(wanted: int, option: str) -> int:
    if wanted == 0:
        return free_port()
    if port_in_use(wanted):
        raise ClusterError(f"port {wanted}", reason="port_in_use", port=wanted, option=option)
    return wanted


class LocalCluster:
    """Start with `start()` (or `with cluster.running():`), stop with `stop()`."""

    def __init__(self, state_dir: Path, plan: ClusterPlan | None = None) -> None:
        self.state_dir = state_dir
        self.plan = plan or ClusterPlan()
        self.folder = state_dir / "cluster"
        self.logs = self.folder / "logs"
        self.redis: Service | None = None
        self.chroma: Service | None = None
        self.postgres: LocalPostgres | None = None
        self.workers: list[Service] = []
        self.apis: list[Service] = []
        self.app: Service | None = None
        self.env: dict[str, str] = {}

    # ------------------------------------------------------------------ starting

    def start(self) -> None:
        """Start everything in order; on any failure stop what already started."""
        try:
            self._start_stores()
            self._migrate()
            for _ in range(self.plan.workers):
                self.add_worker()
            port = self.plan.api_port
            for _ in range(self.plan.apis):
                self.apis.append(self._start_api(port))
                port = 0 if port == 0 else port + 1
            if self.plan.app:
                self.app = self._start_app()
        except BaseException:
            self.stop()
            raise

    def _start_stores(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        redis_port = free_port()
        redis_dir = self.folder / "redis"
        redis_dir.mkdir(exist_ok=True)
        self.redis = spawn(
            "Redis",
            [
                _program("redis-server", "redis-server"),
                "--bind", "127.0.0.1", "--port", str(redis_port), "--dir", str(redis_dir),
                "--save", "", "--appendonly", "yes" if self.plan.persistent else "no",
            ],
            env=dict(os.environ),
            log=self.logs / "redis.log",
            cwd=self.folder,
        )  # fmt: skip
        wait_until(self.redis, lambda: _redis_ready(redis_port), 30)
        self.redis.url = f"redis://127.0.0.1:{redis_port}/0"
        database_url = self.plan.database_url
        if database_url is None and self.plan.postgres:
            self.postgres = LocalPostgres(
                self.plan.postgres_folder or default_folder(self.state_dir),
                self.folder / "postgres.password",
            )
            self.postgres.start()
            database_url = self.postgres.url
        if self.plan.chroma:
            self.chroma = self._start_chroma()
        self.env = {
            **os.environ,
            **self.plan.env,
            "SUPPORT_SYSTEM_STATE_DIR": str(self.state_dir),
            "SUPPORT_SYSTEM_QUEUE__BACKEND": "celery",
            "SUPPORT_SYSTEM_QUEUE__REDIS_URL": self.redis.url,
        }
        if database_url is not None:
            self.env["SUPPORT_SYSTEM_DATABASE_URL"] = database_url
        if self.chroma is not None and self.chroma.url is not None:
            self.env["SUPPORT_SYSTEM_RAG__STORE"] = "chroma"
            self.env["SUPPORT_SYSTEM_RAG__CHROMA_URL"] = self.chroma.url

    def _start_chroma(self) -> Service:
        beside = Path(sys.executable).with_name("chroma")  # the chromadb wheel's CLI
        executable = str(beside) if beside.exists() else _program("chroma", "chromadb")
        port = free_port()
        service = spawn(
            "Chroma",
            [executable, "run", "--path", str(self.folder / "chroma"), "--host", "127.0.0.1",
             "--port", str(port)],
            env=dict(os.environ),
            log=self.logs / "chroma.log",
            cwd=self.folder,
        )  # fmt: skip
        service.url = f"http://127.0.0.1:{port}"
        wait_until(service, lambda: http_ok(f"{service.url}/api/v2/heartbeat"), 60)
        return service

    def _migrate(self) -> None:
        """The database schema and the secret key, once, before any process uses them."""
        if not self.env.get(SECRET_KEY_ENV, "").strip():
            load_or_create_key(self.state_dir / KEY_FILE_NAME)
        done = subprocess.run(
            [sys.executable, "-m", "support_system", "db", "upgrade"],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise ClusterError(
                (done.stderr or done.stdout)[-500:],
                reason="service_failed",
                service="db upgrade",
                log=str(self.state_dir / "logs" / "app.log"),
            )

    def add_worker(self) -> Service:
        """One more Celery worker (one run at a time, one model-holding process)."""
        number = len(self.workers) + 1
        worker = spawn(
            f"worker {number}",
            [sys.executable, "-m", "support_system", "worker", "--name", f"worker{number}@%h"],
            env=self.env,
            log=self.logs / f"worker{number}.log",
            cwd=PROJECT_ROOT,
        )
        self.workers.append(worker)
        return worker

    def _start_api(self, wanted_port: int) -> Service:
        number = len(self.apis) + 1
        port = _port(wanted_port, "--api-port")
        api = spawn(
            f"API {number}",
            [sys.executable, "-m", "support_system", "serve-api", "--port", str(port)],
            env=self.env,
            log=self.logs / f"api{number}.log",
            cwd=PROJECT_ROOT,
        )
        api.url = f"http://127.0.0.1:{port}"
        wait_until(api, lambda: http_ok(f"{api.url}/health"), START_TIMEOUT_SECONDS)
        return api

    def _start_app(self) -> Service:
        port = _port(self.plan.app_port, "--port")
        app = spawn(
            "app",
            [sys.executable, str(PROJECT_ROOT / "ui" / "serve.py"), "--server.port", str(port)],
            env=self.env,
            log=self.logs / "app.log",
            cwd=PROJECT_ROOT,
        )
        app.url = f"http://127.0.0.1:{port}"
        wait_until(app, lambda: http_ok(f"{app.url}/_stcore/health"), START_TIMEOUT_SECONDS)
        return app

    # ------------------------------------------------------------------ running

    @property
    def api_urls(self) -> list[str]:
        return [api.url for api in self.apis if api.url]

    def services(self) -> list[Service]:
        """Every child process, stores first."""
        stores = [s for s in (self.redis, self.chroma) if s is not None]
        return [*stores, *self.workers, *self.apis, *([self.app] if self.app else [])]

    def restart_stopped_workers(self) -> list[str]:
        """Start again any worker that died (a worker holds no state of its own: its run
        was redelivered); returns the names restarted, for the supervisor to report."""
        restarted = []
        for number, worker in enumerate(self.workers):
            if not worker.alive:
                log.warning("cluster_worker_restarted", worker=worker.name, log=str(worker.log))
                replacement = spawn(
                    worker.name,
                    worker.process.args,  # type: ignore[arg-type]
                    env=self.env,
                    log=worker.log,
                    cwd=PROJECT_ROOT,
                )
                self.workers[number] = replacement
                restarted.append(worker.name)
        return restarted

    def stop(self) -> None:
        """Stop in reverse order: the app and APIs first, the stores last."""
        for service in reversed(self.services()):
            stop(service)
        if self.postgres is not None:
            self.postgres.stop()

    @contextmanager
    def running(self) -> Iterator[LocalCluster]:
        self.start()
        try:
            yield self
        finally:
            self.stop()
