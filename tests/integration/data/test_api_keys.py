"""Stored API keys: encrypted at rest, never logged, unreadable with the wrong key."""

from __future__ import annotations

import logging
import secrets
import stat
import string

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from support_system.core.errors import SecretError
from support_system.data import repositories as repo
from support_system.data import secrets as stored_secrets
from support_system.data.db import (
    get_engine,
    is_sqlite,
    reset_engine_cache,
    session_scope,
    sqlite_file,
)
from support_system.data.schema import APIKey

ALPHABET = string.ascii_letters + string.digits


def _random_key() -> str:
    return "sk-test-" + "".join(secrets.choice(ALPHABET) for _ in range(32))


def _sqlite_bytes(url: str) -> bytes:
    """The database file plus its WAL: recent writes may live only in the WAL."""
    path = sqlite_file(url)
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_key_is_encrypted_at_rest_and_decrypts(
    migrated_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # every statement + parameters
    reset_engine_cache()  # engines read the log level when created
    key = _random_key()
    with session_scope() as session:
        user_id = repo.ensure_local_user(session).id
        saved = repo.save_api_key(session, user_id, "openai", key)
        assert saved.key_hint == "…" + key[-4:]
        assert key not in repr(saved) and saved.encrypted_key not in repr(saved)
    with session_scope() as session:
        assert repo.get_api_key(session, user_id, "openai") == key
        token = session.scalar(select(APIKey.encrypted_key))
        stored_text = session.execute(text("SELECT * FROM api_keys")).all()
    assert caplog.records, "the SQL log was not captured, so the next line would prove nothing"
    assert key not in caplog.text
    assert key not in str(stored_text) and token != key and stored_secrets.decrypt(token) == key

    if is_sqlite(migrated_url):
        raw = _sqlite_bytes(migrated_url)  # before a checkpoint: the row may sit in the WAL
        assert token.encode() in raw, (
            "the row was not found in the files, so absence proves nothing"
        )
        assert key.encode() not in raw and key[8:].encode() not in raw
        with get_engine().connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        raw = _sqlite_bytes(migrated_url)
        assert token.encode() in raw and key.encode() not in raw and key[8:].encode() not in raw


def test_save_replaces_lists_hints_and_deletes(migrated_url: str) -> None:
    first, second = _random_key(), _random_key()
    with session_scope() as session:
        user_id = repo.ensure_local_user(session).id
        repo.save_api_key(session, user_id, "openai", first)
        repo.save_api_key(session, user_id, "anthropic", "  " + second + "\n")
        repo.save_api_key(session, user_id, "openai", second)
    with session_scope() as session:
        assert repo.get_api_key(session, user_id, "openai") == second
        assert repo.get_api_key(session, user_id, "anthropic") == second  # whitespace trimmed
        hints = repo.list_api_keys(session, user_id)
        assert [(h.provider, h.key_hint) for h in hints] == [
            ("anthropic", "…" + second[-4:]),
            ("openai", "…" + second[-4:]),
        ]
        assert second not in repr(hints)
        assert repo.delete_api_key(session, user_id, "openai") is True
        assert repo.delete_api_key(session, user_id, "openai") is False
        assert repo.get_api_key(session, user_id, "openai") is None
    with pytest.raises(ValueError), session_scope() as session:
        repo.save_api_key(session, user_id, "openai", "   ")


def test_short_keys_show_no_characters(migrated_url: str) -> None:
    assert repo.key_hint("abcd") == "…"
    assert repo.key_hint("abcdefghijkl") == "…ijkl"


def test_wrong_secret_key_raises_a_translated_secret_error(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = _random_key()
    monkeypatch.setenv("SUPPORT_SYSTEM_SECRET_KEY", Fernet.generate_key().decode())
    with session_scope() as session:
        user_id = repo.ensure_local_user(session).id
        repo.save_api_key(session, user_id, "openai", key)
    monkeypatch.setenv("SUPPORT_SYSTEM_SECRET_KEY", Fernet.generate_key().decode())
    with pytest.raises(SecretError) as caught, session_scope() as session:
        repo.get_api_key(session, user_id, "openai")
    ja, en = caught.value.message("ja"), caught.value.message("en")
    assert "API キー" in ja and "API key" in en and ja != en
    assert key not in ja + en + str(caught.value)


def test_key_file_is_created_once_with_owner_only_permissions(settings) -> None:
    path = stored_secrets.key_file()
    assert path.parent == settings.state_dir and not path.exists()
    token = stored_secrets.encrypt("hello")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = path.read_bytes()
    assert stored_secrets.decrypt(stored_secrets.encrypt("again")) == "again"
    assert path.read_bytes() == content and stored_secrets.decrypt(token) == "hello"


def test_environment_key_wins_and_a_bad_one_is_a_secret_error(
    settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Fernet.generate_key()
    monkeypatch.setenv("SUPPORT_SYSTEM_SECRET_KEY", key.decode())
    token = stored_secrets.encrypt("hello")
    assert Fernet(key).decrypt(token.encode()) == b"hello"
    assert not stored_secrets.key_file().exists()
    monkeypatch.setenv("SUPPORT_SYSTEM_SECRET_KEY", "not-a-key")
    with pytest.raises(SecretError) as caught:
        stored_secrets.encrypt("hello")
    assert "not-a-key" not in caught.value.message("en")


def test_damaged_token_is_a_secret_error(settings) -> None:
    with pytest.raises(SecretError):
        stored_secrets.decrypt("gAAAAAB-not-really-a-token")
