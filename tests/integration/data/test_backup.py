"""Backup and restore on both databases: a consistent archive while the app writes, a
checked manifest, restore only into an empty installation, and the CLI round trip."""

from __future__ import annotations

import io
import sqlite3
import tarfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from support_system.core.settings import get_settings
from support_system.data import backup
from support_system.data import repositories as repo
from support_system.data.db import reset_engine_cache, session_scope
from support_system.data.errors import BackupError
from support_system.data.migrate import upgrade
from support_system.data.schema import Project
from tests.helpers.cli import run_cli
from tests.integration.data.conftest import fresh_postgres_database


def _projects() -> list[str]:
    with session_scope() as session:
        return sorted(session.scalars(select(Project.name)))


def _fill_state(state: Path) -> None:
    """What a used installation holds besides the database."""
    (state / "projects" / "1").mkdir(parents=True)
    (state / "projects" / "1" / "sales.csv").write_text("month,total\n1,10\n", encoding="utf-8")
    (state / "rag" / "chroma").mkdir(parents=True)
    with sqlite3.connect(state / "rag" / "chroma" / "chroma.sqlite3") as store:
        store.execute("CREATE TABLE chunks (text TEXT)")
        store.execute("INSERT INTO chunks VALUES ('opening hours')")
    (state / "secret.key").write_text("key material\n", encoding="utf-8")
    for skipped in ("models/model.gguf", "logs/app.log", "run/model-worker-x.pid"):
        (state / skipped).parent.mkdir(parents=True, exist_ok=True)
        (state / skipped).write_text("not backed up", encoding="utf-8")


def _use_fresh_installation(monkeypatch: pytest.MonkeyPatch, state: Path, url: str | None) -> None:
    monkeypatch.setenv("SUPPORT_SYSTEM_STATE_DIR", str(state))
    if url is None:
        monkeypatch.delenv("SUPPORT_SYSTEM_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("SUPPORT_SYSTEM_DATABASE_URL", url)
    get_settings.cache_clear()
    reset_engine_cache()


def test_a_backup_made_while_writing_restores_into_an_empty_installation(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrade(db_url)
    with session_scope() as session:
        owner = repo.ensure_local_user(session).id
        for n in range(20):
            repo.create_project_row(session, owner, f"before {n:02d}")
    _fill_state(get_settings().state_dir)

    stop, writing = threading.Event(), threading.Event()

    def keep_writing() -> None:
        n = 0
        while not stop.is_set():
            with session_scope() as session:
                repo.create_project_row(session, owner, f"during {n:04d}")
            n += 1
            if n == 5:
                writing.set()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    assert writing.wait(30)
    try:
        archive, manifest = backup.create(tmp_path / "out" / "b.tar.gz")
    finally:
        stop.set()
        writer.join()
    assert archive.stat().st_mode & 0o777 == 0o600  # it holds the secret key
    names = set(manifest.files)
    assert {"state/secret.key", "state/projects/1/sales.csv"} <= names
    assert "state/rag/chroma/chroma.sqlite3" in names
    assert not any(n.startswith(("state/models", "state/logs", "state/run")) for n in names)
    assert backup.verify(archive).revision == manifest.revision is not None

    # Into a new, empty installation (a new state folder and an empty database).
    if db_url.startswith("sqlite"):
        _use_fresh_installation(monkeypatch, tmp_path / "new-state", None)
        restored = backup.restore(archive)
        _check_restored(restored, tmp_path / "new-state")
    else:
        with fresh_postgres_database() as empty_url:
            _use_fresh_installation(monkeypatch, tmp_path / "new-state", empty_url)
            restored = backup.restore(archive)
            _check_restored(restored, tmp_path / "new-state")


def _check_restored(manifest: backup.Manifest, state: Path) -> None:
    names = _projects()
    before = [n for n in names if n.startswith("before")]
    assert before == [f"before {n:02d}" for n in range(20)]
    during = [n for n in names if n.startswith("during")]
    assert len(during) >= 5  # the app was writing while the backup was made
    # A snapshot: every row up to some point and none after it (no gaps, no half rows).
    assert during == [f"during {n:04d}" for n in range(len(during))]
    assert (state / "projects" / "1" / "sales.csv").read_text(encoding="utf-8").startswith("month")
    with sqlite3.connect(state / "rag" / "chroma" / "chroma.sqlite3") as store:
        assert store.execute("SELECT text FROM chunks").fetchall() == [("opening hours",)]
    assert not (state / "models").exists() and not (state / "logs" / "app.log").exists()
    assert upgrade() and _projects() == names  # the restored schema is current
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Project)) == len(names)


def test_restore_refuses_an_installation_that_holds_data(db_url: str, tmp_path: Path) -> None:
    upgrade(db_url)
    with session_scope() as session:
        repo.create_project_row(session, repo.ensure_local_user(session).id, "mine")
    archive, _ = backup.create(tmp_path / "b.tar.gz")
    with pytest.raises(BackupError) as refused:
        backup.restore(archive)
    assert refused.value.reason == "not_empty"
    assert "上書き" in refused.value.message("ja") and "empty" in refused.value.message("en")
    assert _projects() == ["mine"]


def test_a_changed_or_cut_archive_fails_verification(
    db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, manifest = backup.create(tmp_path / "b.tar.gz")
    with tarfile.open(archive, "r:gz") as original:
        members = [(m, original.extractfile(m).read()) for m in original.getmembers()]
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(tampered, "w:gz") as out:
        for member, data in members:
            if member.name == backup.DATABASE_SQLITE:
                data = data[:-1] + bytes([data[-1] ^ 1])
            out.addfile(member, io.BytesIO(data))
    bad_ones = (tampered, _cut(archive, tmp_path / "cut.tar.gz"))
    for bad in bad_ones:
        with pytest.raises(BackupError) as caught:
            backup.verify(bad)
        assert caught.value.reason == "damaged"
        assert "damaged" in caught.value.message("en") and "壊れて" in caught.value.message("ja")
    # Restoring one into an empty installation is refused before anything is written.
    empty = tmp_path / "empty-state"
    _use_fresh_installation(monkeypatch, empty, None)
    for bad in bad_ones:
        with pytest.raises(BackupError):
            backup.restore(bad)
    assert not empty.exists() or not any(p.is_file() for p in empty.rglob("*"))
    with pytest.raises(BackupError) as missing:
        backup.verify(tmp_path / "nothing.tar.gz")
    assert missing.value.reason == "not_found"


def _cut(archive: Path, to: Path) -> Path:
    data = archive.read_bytes()
    to.write_bytes(data[: len(data) // 2])
    return to


def test_the_cli_creates_verifies_and_refuses_to_restore_over_data(db, tmp_path: Path) -> None:
    target = tmp_path / "cli.tar.gz"
    made = run_cli("backup", "create", "--to", str(target), "--lang", "en")
    assert made.returncode == 0 and str(target) in made.stdout, made.stderr
    checked = run_cli("backup", "verify", str(target), "--lang", "ja")
    assert checked.returncode == 0 and "チェックサムと一致" in checked.stdout
    refused = run_cli("backup", "restore", str(target), "--lang", "en")
    assert refused.returncode == 2 and "empty installation" in refused.stderr + refused.stdout


def test_scheduled_backups_are_made_when_due_and_only_the_newest_are_kept(
    db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    from datetime import timedelta

    from support_system.data.schema import utcnow

    assert backup.scheduled() is None  # off by default
    monkeypatch.setenv("SUPPORT_SYSTEM_BACKUP__EVERY_HOURS", "24")
    monkeypatch.setenv("SUPPORT_SYSTEM_BACKUP__KEEP", "2")
    get_settings.cache_clear()
    folder = get_settings().state_dir / "backups"
    made = []
    for day in range(3):
        now = utcnow() + timedelta(days=day)
        archive = backup.scheduled(now=now)
        assert archive is not None, day
        stamp = now.timestamp()
        os.utime(archive, (stamp, stamp))  # as if made that day
        assert backup.scheduled(now=now + timedelta(hours=1)) is None  # not due yet
        made.append(archive)
    assert sorted(folder.glob("*.tar.gz")) == sorted(made[1:])


def test_the_app_process_starts_the_scheduler_only_when_backups_are_scheduled(
    db, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support_system.operations import start_background_duties

    assert start_background_duties() == []
    monkeypatch.setenv("SUPPORT_SYSTEM_BACKUP__EVERY_HOURS", "24")
    get_settings.cache_clear()
    folder = get_settings().state_dir / "backups"
    threads = start_background_duties()  # a daemon thread; the first backup is due at once
    assert [t.name for t in threads] == ["backup-scheduler"] and threads[0].daemon
    deadline = time.monotonic() + 60
    while not list(folder.glob("*.tar.gz")) and time.monotonic() < deadline:
        time.sleep(0.2)
    archives = list(folder.glob("*.tar.gz"))
    assert len(archives) == 1 and backup.verify(archives[0]).database == "sqlite"


def test_round_trip_brings_back_a_wizard_session_a_chat_a_knowledge_search_and_a_site(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16's round trip on both databases: create, wipe, restore; real e5 + Chroma."""
    from support_system.jobs import wizard
    from support_system.publishing.site import publish
    from support_system.rag.context import shared_knowledge_base
    from tests.helpers.wizard import shop_session

    upgrade(db_url)
    with session_scope() as session:
        owner = repo.ensure_local_user(session).id
    session_id = shop_session(owner, "ja", answered=2)
    answers = wizard.resume(session_id).answers
    with session_scope() as session:
        chat = repo.create_conversation(session, owner, title="営業時間の相談").id
        repo.add_message(session, chat, sender="user", content="営業時間を決めたい")
    notes = tmp_path / "notes.txt"
    notes.write_text("Lantern Books opens at nine and closes at six.", encoding="utf-8")
    shared_knowledge_base().add([notes])
    page = tmp_path / "page"
    page.mkdir()
    (page / "index.html").write_text("<!doctype html><title>Lantern</title>", encoding="utf-8")
    publish(page, "lantern", "home")
    archive, _ = backup.create(tmp_path / "b.tar.gz")

    # Wipe: a new, empty installation (new state folder, empty database), then restore.
    def restore_into(url: str | None) -> None:
        _use_fresh_installation(monkeypatch, tmp_path / "restored", url)
        backup.restore(archive)

    if db_url.startswith("sqlite"):
        restore_into(None)
        _check_everything_back(session_id, answers, chat)
    else:
        with fresh_postgres_database() as empty_url:
            restore_into(empty_url)
            _check_everything_back(session_id, answers, chat)


def _check_everything_back(session_id: int, answers: dict, chat: int) -> None:
    from support_system.jobs import wizard
    from support_system.publishing.site import sites_root
    from support_system.rag.context import shared_knowledge_base

    assert get_settings().state_dir.name == "restored"
    assert wizard.resume(session_id).answers == answers and answers
    with session_scope() as session:
        messages = repo.list_messages(session, chat)
    assert [m.content for m in messages] == ["営業時間を決めたい"]
    hits = shared_knowledge_base().search("When does Lantern Books open?")
    assert hits and "nine" in hits[0].text
    site = sites_root() / "lantern" / "home" / "index.html"
    assert site.read_text(encoding="utf-8").endswith("<title>Lantern</title>")
