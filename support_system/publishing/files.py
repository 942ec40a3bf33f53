"""Walk an artifact folder safely: the one place that decides which files leave it.

Publishing and zip export both copy "the artifact" somewhere else. A generated program
could leave a symlink to /etc/passwd or to the user's home in its output folder; if we
followed it, publishing would expose that file on the local site and export would put
it in a zip the user shares. So both use this walk, which yields only regular files
that really live inside the folder, in a stable (sorted) order.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

# Interpreter caches differ from run to run and are of no use to the person.
SKIPPED_DIRS = frozenset({"__pycache__"})
SKIPPED_SUFFIXES = frozenset({".pyc", ".pyo"})


def iter_artifact_files(
    root: Path, *, exclude: set[Path] | None = None
) -> Iterator[tuple[PurePosixPath, Path]]:
    """Yield `(relative POSIX path, absolute path)` of every regular file under `root`.

    Symlinks (to files or folders) are skipped, not followed; anything whose real path
    is outside `root` is skipped; sockets, FIFOs and devices are skipped. Order is
    sorted by relative path so copies and zips are reproducible.
    """
    base = root.resolve(strict=True)
    excluded = {p.resolve() for p in exclude or set()}
    found: list[tuple[PurePosixPath, Path]] = []
    for current, dirnames, filenames in os.walk(base, followlinks=False):
        here = Path(current)
        dirnames[:] = sorted(
            d for d in dirnames if d not in SKIPPED_DIRS and not (here / d).is_symlink()
        )
        for name in filenames:
            path = here / name
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode) or path.suffix in SKIPPED_SUFFIXES:
                continue
            real = path.resolve()
            if not real.is_relative_to(base) or real in excluded:
                continue
            found.append((PurePosixPath(path.relative_to(base).as_posix()), path))
    yield from sorted(found, key=lambda item: item[0].as_posix())
