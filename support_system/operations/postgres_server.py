"""A PostgreSQL server of the local cluster, made with Debian's initdb and pg_ctl.

The server refuses to run as root, so when the cluster runs as root the cluster folder
is owned by the `postgres` system user (made if missing) and every server command runs
through `runuser -u postgres`. That user must reach the folder, which a root-only home
does not allow: as root the folder lives under /var/lib/support_system, one per state
folder. The data persists between starts; the role's password is made once, kept in a
file only the cluster's user can read, and never printed or logged.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from support_system.operations.errors import ClusterError
from support_system.operations.processes import free_port, port_in_use

ROLE = "support_system"
DATABASE = "support_system"
ROOT_FOLDER = Path("/var/lib/support_system")


def bindir() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin with an initdb (Debian keeps it off
    PATH), else the folder of an initdb on PATH."""
    found = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    if initdb is None:
        raise ClusterError(
            "initdb not found", reason="program_missing", program="PostgreSQL", package="postgresql"
        )
    return Path(initdb).resolve().parent


def default_folder(state_dir: Path) -> Path:
    """Where the cluster's database lives for this state folder (see the module's why)."""
    if os.geteuid() != 0:
        return state_dir / "cluster" / "postgres"
    digest = hashlib.sha256(str(state_dir.resolve()).encode()).hexdigest()[:12]
    return ROOT_FOLDER / f"cluster-{digest}" / "postgres"


@dataclass
class LocalPostgres:
    """One server in `folder` (data/, the socket, server.log) listening on 127.0.0.1."""

    folder: Path
    password_file: Path
    port: int = 0

    def __post_init__(self) -> None:
        self.port = self.port or free_port()
        self._bin = bindir()

    @property
    def url(self) -> str:
        password = self.password_file.read_text(encoding="utf-8").strip()
        return f"postgresql+psycopg://{ROLE}:{password}@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def _as_owner(self, *command: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else [*command]

    def _run(self, *command: str, what: str, stdin: str | None = None) -> None:
        done = subprocess.run(self._as_owner(*command), input=stdin, capture_output=True, text=True)
        if done.returncode != 0:
            raise ClusterError(
                f"{what}: {(done.stderr or done.stdout)[-500:]}",
                reason="service_failed",
                service="PostgreSQL",
                log=str(self.log),
            )

    def start(self) -> None:
        """Make the cluster on first use, then start the server and wait until it is ready."""
        if port_in_use(self.port):
            raise ClusterError(
                f"port {self.port}", reason="port_in_use", port=self.port, option="--postgres-port"
            )
        first_time = not (self.folder / "data" / "PG_VERSION").exists()
        if first_time:
            self._prepare()
        self._run(
            str(self._bin / "pg_ctl"),
            "-D", str(self.folder / "data"),
            "-l", str(self.log),
            "-o", f"-h 127.0.0.1 -p {self.port} -k {self.folder}",
            "-w", "-t", "60",
            "start",
            what="pg_ctl start",
        )  # fmt: skip
        if first_time:
            self._create_role()

    def _prepare(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            if subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
                subprocess.run(
                    ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                     "postgres"],
                    check=True,
                )  # fmt: skip
            shutil.chown(self.folder, "postgres", "postgres")
        self.folder.chmod(0o700)
        self._run(
            str(self._bin / "initdb"),
            "-D", str(self.folder / "data"),
            "-U", "postgres", "-E", "UTF8", "--no-locale",
            "--auth-local=trust", "--auth-host=scram-sha-256",
            what="initdb",
        )  # fmt: skip

    def _create_role(self) -> None:
        password = secrets.token_hex(16)
        self.password_file.parent.mkdir(parents=True, exist_ok=True)
        self.password_file.touch(mode=0o600)
        self.password_file.write_text(password + "\n", encoding="utf-8")
        psql = [str(self._bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.folder),
                "-p", str(self.port), "-U", "postgres", "-d", "postgres"]  # fmt: skip
        # The statements go in on stdin: a command line (and so the password) shows in `ps`.
        self._run(*psql, what="create role", stdin=(
            f"CREATE ROLE {ROLE} LOGIN PASSWORD '{password}';\n"
            f"CREATE DATABASE {DATABASE} OWNER {ROLE};\n"
        ))  # fmt: skip

    def stop(self) -> None:
        if (self.folder / "data" / "postmaster.pid").exists():
            subprocess.run(
                self._as_owner(
                    str(self._bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast",
                    "-w", "stop",
                ),
                capture_output=True,
            )  # fmt: skip
