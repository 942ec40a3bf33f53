"""Encryption of stored secrets (API keys) with Fernet, so a copied database leaks nothing.

The key comes from `SUPPORT_SYSTEM_SECRET_KEY` (for servers, where the state dir may be
shared or backed up) or else from `<state_dir>/secret.key`, created on first use with
mode 0600 so only the app's user can read it. Losing the key makes stored secrets
unreadable: `decrypt` then raises SecretError, whose message tells the person to enter
the API key again — there is no recovery, by design.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from support_system.core.errors import SecretError
from support_system.core.settings import get_settings

SECRET_KEY_ENV = "SUPPORT_SYSTEM_SECRET_KEY"
KEY_FILE_NAME = "secret.key"


def key_file() -> Path:
    """Where the generated key lives when no key is given in the environment."""
    return get_settings().state_dir / KEY_FILE_NAME


def load_or_create_key(path: Path) -> bytes:
    """Read the key file, creating it atomically (O_EXCL) so two processes agree on one key.

    A launcher of several processes (the local cluster) calls it before starting them,
    so none can read the file between another's create and write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key


def _key() -> tuple[bytes, str]:
    from_env = os.environ.get(SECRET_KEY_ENV, "").strip()
    if from_env:
        return from_env.encode(), SECRET_KEY_ENV
    return load_or_create_key(key_file()), str(key_file())


def derived_key(purpose: str) -> bytes:
    """A 32-byte key for `purpose` (e.g. signing API tokens), derived from the secret key
    with HMAC-SHA256, so one secret serves every use without one use revealing another's."""
    key, _ = _key()
    return hmac.new(key, f"support_system:{purpose}".encode(), hashlib.sha256).digest()


def _fernet() -> Fernet:
    key, source = _key()
    try:
        return Fernet(key)
    except (ValueError, TypeError) as exc:  # never put the key itself into the message
        raise SecretError(detail=f"the key in {source} is not a valid Fernet key") from exc


def encrypt(text: str) -> str:
    """Encrypt `text`; the token is ASCII, safe for a TEXT column."""
    return _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt a token from `encrypt`; SecretError when the key differs or data is damaged."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise SecretError(detail="wrong secret key or damaged data") from exc
