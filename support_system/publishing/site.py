"""The local site folder: `<state_dir>/sites/<project>/<page>/`, served by `server.py`.

Publishing must be safe to click twice and impossible to misuse by a name:

* Names become slugs (ASCII lowercase, digits, hyphens). A Japanese name has no ASCII
  letters to keep, so it gets a stable `page-<hash>` slug: the same name always lands
  in the same folder, and no name can contain "/" or "..".
* A project folder remembers who made it (`.owner`); publishing under a different
  owner whose name happens to slugify the same way is refused, never overwritten.
* Republishing replaces the page atomically (the new copy is built in a hidden temp
  folder and swapped in with one `renameat2(RENAME_EXCHANGE)`), and the version it
  replaces is kept as `<page>.prev`, so a bad republish loses nothing.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import os
import re
import secrets
import shutil
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from support_system.core.logging import get_logger
from support_system.core.settings import get_settings
from support_system.publishing.errors import ArtifactMissing, PublishConflict, PublishError
from support_system.publishing.files import iter_artifact_files

log = get_logger(__name__)

DEFAULT_PORT = 8600  # where `python -m support_system serve` listens unless told otherwise
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
PREVIOUS_SUFFIX = ".prev"
_OWNER_FILE = ".owner"
_MAX_SLUG = 64


@dataclass(frozen=True)
class PublishedSite:
    """Where a published page lives on disk and the local URL that serves it."""

    path: Path
    url: str
    project: str
    slug: str
    previous: Path | None = None  # the replaced version, kept so nothing is lost


def slugify(name: str, *, prefix: str = "page") -> str:
    """A safe folder name for `name`: `[a-z0-9-]`, at most 64 characters.

    Accents are folded ("Café" → "cafe"). When letters of another script are dropped
    (Japanese, Korean…), a short hash of the full name is appended (or used alone,
    as `<prefix>-<hash>`), so 「パン屋」 and 「花屋」 never share a folder and the
    same name always gets the same slug.
    """
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name))
    ascii_part = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    dropped = any(not c.isascii() and (c.isalnum()) for c in ascii_part)
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_part.encode("ascii", "ignore").decode()).strip("-")
    digest = hashlib.sha256(name.strip().encode("utf-8")).hexdigest()[:8]
    if not slug:
        return f"{prefix}-{digest}"
    if dropped:
        slug = f"{slug[: _MAX_SLUG - 9].rstrip('-')}-{digest}"
    return slug[:_MAX_SLUG].rstrip("-")


def is_valid_slug(slug: str) -> bool:
    """True when `slug` can be used as one path segment of the site folder as-is."""
    return bool(SLUG_PATTERN.fullmatch(slug))


def sites_root() -> Path:
    """`<state_dir>/sites`, created on demand (runtime state never goes in the source tree)."""
    root = get_settings().state_dir / "sites"
    root.mkdir(parents=True, exist_ok=True)
    return root


def site_url(project: str, slug: str, base_url: str | None = None) -> str:
    """The URL at which `serve()` shows a published page."""
    base = (base_url or f"http://127.0.0.1:{DEFAULT_PORT}").rstrip("/")
    return f"{base}/{project}/{slug}/"


def publish(
    artifact_dir: Path,
    project_slug: str,
    page_slug: str,
    *,
    owner: str | None = None,
    base_url: str | None = None,
) -> PublishedSite:
    """Copy `artifact_dir` to `<sites>/<project>/<page>/`, replacing an earlier version.

    `project_slug` and `page_slug` may be any names; they are slugified. `owner`
    identifies the project (default: `project_slug` as given); a project folder made
    by a different owner raises PublishConflict. Symlinks and files outside
    `artifact_dir` are not copied (see `files.iter_artifact_files`).
    """
    source = Path(artifact_dir)
    if not source.is_dir():
        raise ArtifactMissing(detail=f"{source}: not a folder", path=str(source))
    project = slugify(project_slug, prefix="project")
    slug = slugify(page_slug, prefix="page")
    owner_id = (owner if owner is not None else project_slug).strip()
    root = sites_root()
    project_dir = root / project
    _check_inside(project_dir, root)
    try:
        project_dir.mkdir(exist_ok=True)
        with _locked(project_dir):
            _claim(project_dir, owner_id, project)
            target = project_dir / slug
            previous = _replace(source, target, project_dir)
    except OSError as exc:
        raise PublishError(detail=f"{project}/{slug}: {exc}") from exc
    log.info(
        "site.published", project=project, slug=slug, previous=str(previous) if previous else None
    )
    return PublishedSite(
        path=target,
        url=site_url(project, slug, base_url),
        project=project,
        slug=slug,
        previous=previous,
    )


def restore_previous(project: str, slug: str) -> Path:
    """Swap a page with its kept `.prev` version (undo the last publish)."""
    if not (is_valid_slug(project) and is_valid_slug(slug)):
        raise PublishError(detail=f"invalid slug {project!r}/{slug!r}")
    project_dir = sites_root() / project
    target, previous = project_dir / slug, project_dir / f"{slug}{PREVIOUS_SUFFIX}"
    if not previous.is_dir() or not target.is_dir():
        raise ArtifactMissing(detail=f"{previous}: no previous version", path=str(previous))
    with _locked(project_dir):
        if not _exchange(previous, target):
            aside = project_dir / f".swap-{slug}-{secrets.token_hex(4)}"
            os.rename(target, aside)
            os.rename(previous, target)
            os.rename(aside, previous)
    return target


def _check_inside(path: Path, root: Path) -> None:
    """Belt and braces: slugs cannot escape, but never trust a single safeguard."""
    if not path.resolve().is_relative_to(root.resolve()) or path.resolve() == root.resolve():
        raise PublishError(detail=f"{path} is outside {root}")


def _claim(project_dir: Path, owner: str, project: str) -> None:
    """Record the owner of a new project folder, or refuse another owner's folder."""
    marker = project_dir / _OWNER_FILE
    if marker.is_file():
        existing = marker.read_text(encoding="utf-8").strip()
        if existing != owner:
            raise PublishConflict(
                detail=f"{project} belongs to {existing!r}", project=project, owner=existing
            )
        return
    if any(p.name != ".lock" for p in project_dir.iterdir()):
        # A folder someone else made by hand: it is not ours to change.
        raise PublishConflict(
            detail=f"{project} exists and has no owner", project=project, owner="?"
        )
    marker.write_text(owner + "\n", encoding="utf-8")


def _replace(source: Path, target: Path, project_dir: Path) -> Path | None:
    staging = project_dir / f".tmp-{target.name}-{secrets.token_hex(6)}"
    try:
        staging.mkdir()
        for relative, path in iter_artifact_files(source):
            destination = staging.joinpath(*relative.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination, follow_symlinks=False)
        if not target.exists() and not target.is_symlink():
            os.rename(staging, target)
            return None
        if target.is_symlink() or not target.is_dir():
            raise PublishError(detail=f"{target} is not a folder")
        previous = project_dir / f"{target.name}{PREVIOUS_SUFFIX}"
        if _exchange(staging, target):
            old = staging  # after the swap the staging name holds the replaced version
        else:  # no renameat2: two renames, a moment without the page (never a mix)
            old = project_dir / f".old-{target.name}-{secrets.token_hex(6)}"
            os.rename(target, old)
            os.rename(staging, target)
        if previous.exists():
            trash = project_dir / f".trash-{target.name}-{secrets.token_hex(6)}"
            os.rename(previous, trash)
            shutil.rmtree(trash, ignore_errors=True)
        os.rename(old, previous)
        return previous
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders (Linux renameat2); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(a))


@contextmanager
def _locked(project_dir: Path) -> Iterator[None]:
    """One publish per project folder at a time (two clicks on "Publish" at once)."""
    with open(project_dir / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
