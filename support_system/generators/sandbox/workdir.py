"""The run's working directory, the one writable place: inputs placed before the run,
lent to the throw-away uid and back, and disarmed before the caller reads outputs.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Mapping
from pathlib import Path

from support_system.generators.sandbox.bwrap import is_under


def place_inputs(workdir: Path, inputs: Mapping[str, Path | bytes | str]) -> None:
    """Copy or write each input; every name is checked before anything is written."""
    targets = {name: _inside(workdir, name) for name in inputs}
    for name, source in inputs.items():
        target = targets[name]
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, Path) and source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        elif isinstance(source, Path):
            shutil.copyfile(source, target)
        elif isinstance(source, bytes):
            target.write_bytes(source)
        else:
            target.write_text(source, encoding="utf-8")


def _inside(workdir: Path, name: str) -> Path:
    """`workdir / name`, refusing names that are empty, absolute or climb out with "..".

    The resolved path is checked too, so a symlink left in a reused workdir cannot
    redirect an input elsewhere.
    """
    relative = Path(name)
    if not name or relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"input name must stay inside the working directory: {name!r}")
    target = workdir / relative
    if not target.resolve().is_relative_to(workdir):
        raise ValueError(f"input name leads outside the working directory: {name!r}")
    return target


def chown_tree(top: Path, uid: int, gid: int) -> None:
    """Lend `top` to the sandbox uid or take it back; never follows a symlink."""
    os.lchown(top, uid, gid)
    for root, dirs, files in os.walk(top):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)


def disarm(workdir: Path) -> None:
    """Remove what a program could leave to trick the caller reading its outputs:
    symlinks leading out of `workdir` (e.g. to the secret key) and fifos, sockets or
    device nodes (a read would hang or touch hardware)."""
    for root, dirs, files in os.walk(workdir):
        for name in dirs + files:
            path = os.path.join(root, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                if not is_under(os.path.realpath(path), str(workdir)):
                    os.unlink(path)
            elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                os.unlink(path)
