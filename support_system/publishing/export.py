"""Zip export: the artifact as one file a person can download, e-mail or back up.

The zip is deterministic — same files in, byte-identical zip out (sorted entries,
fixed timestamps and permissions) — so exporting twice does not look like two
different results, and tests can compare hashes. Entries are relative paths only
(no absolute paths, no ".."), symlinks are skipped and nothing outside the artifact
folder is read (see `files.iter_artifact_files`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from support_system.publishing.errors import ArtifactMissing, ExportError
from support_system.publishing.files import iter_artifact_files

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can store


def export_zip(artifact_dir: Path, dest: Path, *, folder: str | None = None) -> Path:
    """Write `artifact_dir` as a zip to `dest` and return the zip's path.

    `dest` may be a folder (the zip is named after the artifact folder) or a file path.
    `folder` puts every entry under one top folder inside the zip (tidier to unpack).
    The zip is written to a temporary file first and moved into place, so a failed
    export never leaves half a zip behind.
    """
    source = Path(artifact_dir)
    if not source.is_dir():
        raise ArtifactMissing(detail=f"{source}: not a folder", path=str(source))
    target = Path(dest)
    if target.is_dir():
        target = target / f"{source.resolve().name or 'artifact'}.zip"
    prefix = PurePosixPath(folder) if folder else None
    if prefix is not None and (prefix.is_absolute() or ".." in prefix.parts):
        raise ExportError(detail=f"invalid folder name {folder!r}")
    files = list(iter_artifact_files(source, exclude={target}))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=".export-", suffix=".zip", dir=target.parent)
        os.close(handle)
        try:
            with zipfile.ZipFile(temp_name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for relative, path in files:
                    name = (prefix / relative if prefix else relative).as_posix()
                    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.create_system = 3  # Unix, so the mode bits below are honoured
                    mode = 0o755 if os.access(path, os.X_OK) else 0o644
                    info.external_attr = (0o100000 | mode) << 16
                    size = path.stat().st_size
                    with (
                        path.open("rb") as reader,
                        archive.open(info, "w", force_zip64=size > 2**31) as writer,
                    ):
                        shutil.copyfileobj(reader, writer)
            os.replace(temp_name, target)
        finally:
            if os.path.exists(temp_name):
                os.unlink(temp_name)
    except OSError as exc:
        raise ExportError(detail=f"{target}: {exc}") from exc
    return target
