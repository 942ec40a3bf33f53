"""Backups of one installation: the database and the state folder in one checked archive.

    create(to)   a .tar.gz with the database copy, the state files and a manifest
    verify(file) every file's size and SHA-256 against the manifest
    restore(file) into an empty installation only (never over someone's data)

Consistency while the app runs: every SQLite file (the app's database, LangGraph's
checkpoints, Chroma's own store, the LLM cache) is copied with SQLite's online backup
API, which yields a consistent snapshot even while another process writes; PostgreSQL is
dumped with `pg_dump` (one transaction, custom format) and restored with `pg_restore`.
Other files are copied as they are. Left out, because they are rebuilt or belong to the
running process: assembled model files (they come from PyPI packages), logs, pid files and
lock files. The secret key (`secret.key`) is included — without it stored API keys could
not be read after a restore — so the archive is written readable by its owner only.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from support_system.core.logging import get_logger
from support_system.core.settings import get_settings
from support_system.data.db import is_sqlite, sqlite_file
from support_system.data.errors import BackupError
from support_system.data.migrate import current_revision
from support_system.data.schema import utcnow

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_SQLITE = "database/support_system.sqlite"
DATABASE_PG = "database/postgres.dump"
STATE = "state"
#: Top-level state entries that are not backed up (rebuilt, or the running process's).
SKIPPED = {"models", "logs", "run", "backups"}
SKIPPED_SUFFIXES = (".pid", "-lock", ".lock", "-journal", "-wal", "-shm")
SQLITE_MAGIC = b"SQLite format 3\x00"

log = get_logger(__name__)


@dataclass
class Manifest:
    format: int
    created_at: str
    app_version: str
    database: str  # "sqlite" or "postgresql"
    revision: str | None
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> size, sha256

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, ensure_ascii=False)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (online backup API)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    src.close()


def _pg_env(url: str) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore; the password goes in the environment."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    args = [f"--dbname={parsed.database}"]
    if parsed.host:
        args.append(f"--host={parsed.host}")
    if parsed.port:
        args.append(f"--port={parsed.port}")
    if parsed.username:
        args.append(f"--username={parsed.username}")
    return args, env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} not found", reason="pg_tools_missing") from exc
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["?"])[0]
        raise BackupError(f"{what} failed: {first}", reason="database_copy_failed")


def _app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("support_system")
    except PackageNotFoundError:
        return "source"


def default_path() -> Path:
    """`<state>/backups/support_system-<UTC time>.tar.gz`, never an existing file's name."""
    folder = get_settings().state_dir / "backups"
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    path, n = folder / f"support_system-{stamp}.tar.gz", 1
    while path.exists():
        path, n = folder / f"support_system-{stamp}-{n}.tar.gz", n + 1
    return path


def _state_files(state_dir: Path, database: Path | None) -> list[Path]:
    files = []
    for path in sorted(state_dir.rglob("*")):
        relative = path.relative_to(state_dir)
        if relative.parts[0] in SKIPPED or not path.is_file() or path.is_symlink():
            continue
        if path.name.endswith(SKIPPED_SUFFIXES) or (database and path == database):
            continue
        files.append(path)
    return files


def create(to: Path | None = None) -> tuple[Path, Manifest]:
    """Write one archive of the database and the state folder; returns it and its manifest."""
    settings = get_settings()
    url = settings.effective_database_url
    state_dir = settings.state_dir
    target = (to or default_path()).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    database = sqlite_file(url) if is_sqlite(url) else None
    manifest = Manifest(
        format=FORMAT,
        created_at=utcnow().isoformat(),
        app_version=_app_version(),
        database="sqlite" if is_sqlite(url) else "postgresql",
        revision=current_revision(url),
    )
    with tempfile.TemporaryDirectory(prefix="backup-", dir=target.parent) as work:
        staging = Path(work)
        if database is not None:
            if not database.is_file():
                raise BackupError(f"{database} does not exist", reason="no_database")
            _sqlite_copy(database, staging / DATABASE_SQLITE)
        else:
            args, env = _pg_env(url)
            (staging / DATABASE_PG).parent.mkdir(parents=True)
            _run(
                ["pg_dump", "--format=custom", f"--file={staging / DATABASE_PG}", *args],
                env,
                "pg_dump",
            )
        for path in _state_files(state_dir, database):
            copy = staging / STATE / path.relative_to(state_dir)
            copy.parent.mkdir(parents=True, exist_ok=True)
            if _is_sqlite(path):
                _sqlite_copy(path, copy)
            else:
                shutil.copy2(path, copy)
        for path in sorted(p for p in staging.rglob("*") if p.is_file()):
            name = path.relative_to(staging).as_posix()
            manifest.files[name] = {"size": path.stat().st_size, "sha256": _sha256(path)}
        (staging / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        partial = target.with_name(target.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            archive.add(staging / MANIFEST, arcname=MANIFEST)
            for name in manifest.files:
                archive.add(staging / name, arcname=name)
        partial.replace(target)  # a crash mid-write never leaves a half archive by the name
    return target, manifest


def _members(archive: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    members = {}
    for member in archive.getmembers():
        name = Path(member.name)
        if member.issym() or member.islnk() or name.is_absolute() or ".." in name.parts:
            raise BackupError(f"unsafe member {member.name}", reason="damaged")
        if member.isfile():
            members[member.name] = member
    return members


def _measure(handle: Any) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
        size += len(block)
    return size, digest.hexdigest()


def verify(path: Path) -> Manifest:
    """The archive's manifest, after checking every file's size and checksum."""
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            members = _members(archive)
            if MANIFEST not in members:
                raise BackupError("no manifest", reason="damaged")
            raw = archive.extractfile(members[MANIFEST]).read()  # type: ignore[union-attr]
            manifest = Manifest(**json.loads(raw))
            if manifest.format != FORMAT:
                raise BackupError(f"format {manifest.format}", reason="unknown_format")
            listed = set(manifest.files)
            present = set(members) - {MANIFEST}
            if listed != present:
                raise BackupError(
                    f"missing or extra: {sorted(listed ^ present)[:5]}", reason="damaged"
                )
            for name, expected in manifest.files.items():
                size, digest = _measure(archive.extractfile(members[name]))
                if size != expected["size"] or digest != expected["sha256"]:
                    raise BackupError(f"{name} differs from the manifest", reason="damaged")
    except (tarfile.TarError, OSError, EOFError, ValueError, TypeError, KeyError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise BackupError(str(path), reason="not_found") from exc
        raise BackupError(f"{path}: {exc}", reason="damaged") from exc
    return manifest


def _is_empty(state_dir: Path, url: str) -> bool:
    """Nothing to lose: no state files besides what any start creates, and no tables."""
    database = sqlite_file(url) if is_sqlite(url) else None
    if database is not None and database.exists() and database.stat().st_size > 0:
        with sqlite3.connect(database) as connection:
            tables = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='table'"
            ).fetchone()[0]
        if tables:
            return False
    if database is None and current_revision(url) is not None:
        return False
    return not _state_files(state_dir, database) if state_dir.exists() else True


def restore(path: Path) -> Manifest:
    """Put a verified archive back into an empty installation (refuses a non-empty one)."""
    settings = get_settings()
    url = settings.effective_database_url
    manifest = verify(path)
    wanted = "sqlite" if is_sqlite(url) else "postgresql"
    if manifest.database != wanted:
        raise BackupError(
            f"archive holds {manifest.database}, installation uses {wanted}",
            reason="other_database",
        )
    if not _is_empty(settings.state_dir, url):
        raise BackupError(str(settings.state_dir), reason="not_empty")
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="restore-", dir=settings.state_dir) as work:
        staging = Path(work)
        with tarfile.open(path, mode="r:gz") as archive:
            archive.extractall(staging, filter="data")
        for name in manifest.files:
            if not name.startswith(f"{STATE}/"):
                continue
            target = settings.state_dir / name.removeprefix(f"{STATE}/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(staging / name, target)
        if manifest.database == "sqlite":
            database = sqlite_file(url)
            assert database is not None
            database.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(staging / DATABASE_SQLITE, database)
        else:
            args, env = _pg_env(url)
            _run(
                ["pg_restore", "--no-owner", "--exit-on-error", *args, str(staging / DATABASE_PG)],
                env,
                "pg_restore",
            )
    return manifest


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives in `folder` (scheduled backups)."""
    archives = sorted(folder.glob("support_system-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    old = archives[:-keep] if keep > 0 else archives
    for archive in old:
        archive.unlink(missing_ok=True)
    return old


def scheduled(now: datetime | None = None) -> Path | None:
    """Make a backup when `backup.every_hours` says one is due, then keep the newest
    `backup.keep`; returns the new archive, or None when none was due (or none is set)."""
    settings = get_settings().backup
    if settings.every_hours is None:
        return None
    folder = default_path().parent
    last = last_backup_time(folder)
    now = now or utcnow()
    if last is not None and (now - last).total_seconds() < settings.every_hours * 3600:
        return None
    path, _ = create()
    prune(folder, settings.keep)
    return path


def start_scheduler(check_every_seconds: float = 600.0) -> threading.Thread | None:
    """A daemon thread that calls `scheduled()` every few minutes (the app's process starts
    it once); None when scheduled backups are off. A failed backup is logged and retried
    at the next check — it must never take the app down."""
    if get_settings().backup.every_hours is None:
        return None

    def loop() -> None:
        while True:
            try:
                made = scheduled()
                if made is not None:
                    log.info("backup_scheduled", path=str(made))
            except Exception as exc:  # noqa: BLE001 - see docstring
                log.error("backup_scheduled_failed", error=str(exc))
            time.sleep(check_every_seconds)

    thread = threading.Thread(target=loop, name="backup-scheduler", daemon=True)
    thread.start()
    return thread


def last_backup_time(folder: Path) -> datetime | None:
    archives = list(folder.glob("support_system-*.tar.gz"))
    if not archives:
        return None
    newest = max(p.stat().st_mtime for p in archives)
    return datetime.fromtimestamp(newest).astimezone()
