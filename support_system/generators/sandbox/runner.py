"""`run_sandboxed`, the one way the project runs generated code, and `prepare` /
`release` for callers that supervise the process themselves (see the package docstring).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from support_system.core.logging import get_logger
from support_system.generators.sandbox.bwrap import (
    PRIVATE_DIR,
    Tools,
    bwrap_command,
    environment,
    find_tools,
    is_under,
    python_dirs,
    throwaway_uid,
)
from support_system.generators.sandbox.limits import SandboxLimits, SandboxResult
from support_system.generators.sandbox.process import supervise
from support_system.generators.sandbox.workdir import chown_tree, disarm, place_inputs

log = get_logger("support_system.generators.sandbox")  # one logger for the whole sandbox


def run_sandboxed(
    argv: Sequence[str],
    *,
    workdir: Path,
    inputs: Mapping[str, Path | bytes | str] = {},  # noqa: B006 - read only, never mutated
    limits: SandboxLimits = SandboxLimits(),  # noqa: B008 - frozen, so sharing it is safe
    env: Mapping[str, str] | None = None,
) -> SandboxResult:
    """Run `argv` isolated, with cwd=`workdir`, and return once every process is gone.

    `inputs` maps names relative to `workdir` to a source file or directory (copied) or
    contents (bytes or text, written). An argv[0] of "python" is this interpreter, so the
    project's packages (pandas, gradio, pytest) are importable. Outputs are read from
    `workdir` afterwards; symlinks leading out of it and fifos/sockets are removed first,
    so a program cannot trick the caller into reading something else.
    """
    if not argv:
        raise ValueError("argv is empty")
    tools = find_tools()
    workdir = Path(workdir).resolve()
    if str(workdir) == "/" or any(is_under(path, str(workdir)) for path in python_dirs()):
        raise ValueError(f"workdir would expose (and make writable) the interpreter: {workdir}")
    workdir.mkdir(parents=True, exist_ok=True)
    place_inputs(workdir, inputs)
    private = workdir / PRIVATE_DIR
    for name in ("tmp", "matplotlib"):
        (private / name).mkdir(parents=True, exist_ok=True)
    prepared = prepare(argv, workdir=workdir, limits=limits, env=env, tools=tools)
    try:
        result = supervise(prepared.command, workdir, limits, prepared.env)
    finally:
        if prepared.uid is not None:
            chown_tree(workdir, os.getuid(), os.getgid())
        shutil.rmtree(private, ignore_errors=True)
        disarm(workdir)
    log.info(
        "sandbox_run",
        program=argv[0],
        returncode=result.returncode,
        limit=result.limit,
        seconds=round(result.seconds, 3),
    )
    return result


@dataclass(frozen=True)
class PreparedCommand:
    """A sandboxed command ready to start: argv for the bwrap wrapper and its env."""

    command: list[str]
    env: dict[str, str]
    uid: int | None  # the throw-away uid that now owns workdir (None when not root)


def prepare(
    argv: Sequence[str],
    *,
    workdir: Path,
    limits: SandboxLimits,
    env: Mapping[str, str] | None = None,
    tools: Tools | None = None,
) -> PreparedCommand:
    """Build the isolated command for `argv` without running it.

    For callers that supervise the process themselves (the Gradio launcher keeps a
    server running); `run_sandboxed` uses the same path. Hands `workdir` to a fresh
    throw-away uid when running as root: give it back with `release(workdir)`.
    """
    uid = throwaway_uid()
    command = bwrap_command(tools or find_tools(), list(argv), Path(workdir).resolve(), limits, uid)
    if uid is not None:
        chown_tree(Path(workdir), uid, uid)
    return PreparedCommand(command=command, env=environment(Path(workdir).resolve(), env), uid=uid)


def release(workdir: Path) -> None:
    """Give a workdir prepared for a throw-away uid back to the calling user."""
    chown_tree(Path(workdir), os.getuid(), os.getgid())
