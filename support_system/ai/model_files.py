"""Locate GGUF model files shipped inside PyPI packages and assemble chunked ones.

Some models arrive split across several packages (PyPI size limits). They are joined
once into the model cache (settings.model_cache_dir), verified against the registry's
sha256, and reused afterwards; a mismatch is refused with a clear message rather than
loading a damaged file.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from support_system.ai.registry import ModelSpec, PackagedFile
from support_system.core.errors import ModelFileError
from support_system.core.settings import get_settings

Progress = Callable[[int, int], None]  # (bytes done, bytes total)
_CHUNK = 8 * 1024 * 1024


def package_files(source: PackagedFile, model: str) -> list[Path]:
    """The files matching `source.pattern` in each package, in package order."""
    found: list[Path] = []
    for dist_name in source.packages:
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError as exc:
            raise ModelFileError(
                detail=f"package {dist_name} is not installed", model=model
            ) from exc
        matches = sorted(
            (Path(str(dist.locate_file(f))) for f in dist.files or [] if f.match(source.pattern)),
            key=lambda p: p.name,
        )
        if not matches:
            raise ModelFileError(
                detail=f"package {dist_name} has no file matching {source.pattern}", model=model
            )
        found.extend(matches)
    return found


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def _stamp(path: Path) -> dict[str, float | int]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime": stat.st_mtime}


def _check(spec: ModelSpec, digest: str, size: int) -> None:
    source = spec.packaged
    assert source is not None
    if source.size is not None and size != source.size:
        raise ModelFileError(detail=f"size {size} B, expected {source.size} B", model=spec.name)
    if source.sha256 is not None and digest != source.sha256:
        raise ModelFileError(detail=f"sha256 {digest} does not match", model=spec.name)


def _join(parts: list[Path], target: Path, progress: Progress | None) -> tuple[str, int]:
    total = sum(p.stat().st_size for p in parts)
    digest, done = hashlib.sha256(), 0
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while block := handle.read(_CHUNK):
                        out.write(block)
                        digest.update(block)
                        done += len(block)
                        if progress:
                            progress(done, total)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return digest.hexdigest(), done


def _hash_file(path: Path, progress: Progress | None) -> tuple[str, int]:
    total, digest, done = path.stat().st_size, hashlib.sha256(), 0
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
            done += len(block)
            if progress:
                progress(done, total)
    return digest.hexdigest(), done


def configured_file(spec: ModelSpec) -> Path | None:
    """The GGUF file a registry entry names by `path` (relative to the state dir), or None
    when the model comes from packages."""
    if spec.path is None:
        return None
    return spec.path if spec.path.is_absolute() else get_settings().state_dir / spec.path


def model_path(spec: ModelSpec, progress: Progress | None = None) -> Path:
    """A verified GGUF path for an embedded model, assembling it on first use."""
    path = configured_file(spec)
    if path is not None:
        if not path.is_file():
            raise ModelFileError(detail=f"{path} not found", model=spec.name)
        return path
    source = spec.packaged
    if source is None:
        raise ModelFileError(detail="no file configured", model=spec.name)
    parts = package_files(source, spec.name)
    single = len(parts) == 1
    target = parts[0] if single else get_settings().model_cache_dir / source.filename
    marker_home = get_settings().model_cache_dir / source.filename if single else target
    if _already_verified_at(target, marker_home, source.sha256):
        return target
    marker_home.parent.mkdir(parents=True, exist_ok=True)
    digest, size = _hash_file(target, progress) if single else _join(parts, target, progress)
    try:
        _check(spec, digest, size)
    except ModelFileError:
        if not single:
            target.unlink(missing_ok=True)
        raise
    _marker(marker_home).write_text(json.dumps({"sha256": source.sha256, "stamp": _stamp(target)}))
    return target


def _already_verified_at(target: Path, marker_home: Path, sha256: str | None) -> bool:
    """True when a marker beside `marker_home` vouches for `target` as it is now."""
    marker = _marker(marker_home)
    if not (target.is_file() and marker.is_file()):
        return False
    try:
        saved = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    return saved.get("sha256") == sha256 and saved.get("stamp") == _stamp(target)
