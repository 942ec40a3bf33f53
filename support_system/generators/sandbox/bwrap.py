"""The bubblewrap command line for one run: namespaces, the file system view, the
throw-away uid, the limits (prlimit) and a fresh environment. Why each part is there is
in the package docstring.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from support_system.generators.errors import SandboxUnavailable
from support_system.generators.sandbox.limits import SandboxLimits

PRIVATE_DIR = ".sandbox"  # inside workdir: TMPDIR and MPLCONFIGDIR; removed after the run
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|^SUPPORT_SYSTEM_", re.IGNORECASE)
# Throw-away uids: far above real users (< 60000) and rootless-container subuid ranges.
_UID_RANGE = (1_900_000_000, 2_000_000_000)
_TOP_LEVEL = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_SYSTEM_FILES = (  # read-only, when present: dynamic loader, fonts, time zone, mime types
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/fonts",
    "/etc/localtime",
    "/etc/mime.types",
    "/var/cache/fontconfig",
)
_MOUNTED = ("/usr", "/proc", "/dev", "/tmp")  # set up before the directories we create


def throwaway_uid() -> int | None:
    """A fresh uid for this run when we are root (see the package docstring), else None.

    Fresh per run so concurrent sandboxes do not share one RLIMIT_NPROC budget (the
    kernel counts processes per uid); a collision would only make them share it.
    """
    if os.geteuid() != 0:
        return None
    low, high = _UID_RANGE
    return low + secrets.randbelow(high - low)


@dataclass(frozen=True)
class Tools:
    """Where the helper programs are (`find_tools`)."""

    bwrap: str
    prlimit: str
    setpriv: str


def find_tools() -> Tools:
    """The helper programs, or SandboxUnavailable naming the missing ones."""
    found = {name: shutil.which(name) for name in ("bwrap", "prlimit", "setpriv")}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise SandboxUnavailable(
            f"not installed: {', '.join(missing)} (Debian packages bubblewrap, util-linux)"
        )
    return Tools(**found)  # type: ignore[arg-type]


def environment(workdir: Path, extra: Mapping[str, str] | None) -> dict[str, str]:
    """A fresh environment: nothing inherited, secret-looking names dropped even if given."""
    private = workdir / PRIVATE_DIR
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(workdir),
        "USER": "sandbox",
        "LOGNAME": "sandbox",
        "LANG": "C.UTF-8",
        "TMPDIR": str(private / "tmp"),
        "MPLCONFIGDIR": str(private / "matplotlib"),
        "MPLBACKEND": "Agg",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        **(extra or {}),
    }
    return {name: value for name, value in env.items() if not _SECRET_NAME.search(name)}


def python_dirs() -> list[str]:
    """This interpreter's install and venv, outermost only, minus what /usr already has."""
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    candidates.add(str(Path(os.path.realpath(sys.executable)).parent.parent))
    real = sorted({os.path.realpath(path) for path in candidates})
    outermost = [p for p in real if not any(is_under(p, other) for other in real if other != p)]
    return [p for p in outermost if not is_under(p, "/usr")]


def is_under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def bwrap_command(
    tools: Tools, argv: Sequence[str], workdir: Path, limits: SandboxLimits, uid: int | None
) -> list[str]:
    """The bwrap command line: namespaces, the file system view, then the program."""
    command = [tools.bwrap, "--die-with-parent", "--new-session"]
    if uid is None:  # unprivileged: bwrap needs a user namespace for everything else
        command += ["--unshare-all", "--unshare-user", "--disable-userns"]
    else:  # root: no user namespace, so the kernel sees the throw-away uid (RLIMIT_NPROC)
        command += [
            "--unshare-ipc",
            "--unshare-pid",
            "--unshare-net",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--cap-add",
            "CAP_SETUID",
            "--cap-add",
            "CAP_SETGID",
        ]
    command += ["--ro-bind", "/usr", "/usr"]
    for top in _TOP_LEVEL:
        if os.path.islink(top):
            command += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            command += ["--ro-bind", top, top]
    scratch = str(limits.file_size_mb * 1024 * 1024)
    command += [
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--perms",
        "1777",
        "--size",
        scratch,
        "--tmpfs",
        "/dev/shm",
        "--perms",
        "1777",
        "--size",
        scratch,
        "--tmpfs",
        "/tmp",
    ]
    system = [path for path in _SYSTEM_FILES if os.path.exists(path)]
    python = python_dirs()
    for parent in _parents([*system, *python, str(workdir)], read_only=["/usr", *python]):
        command += ["--perms", "0755", "--dir", parent]  # bwrap would make them 0700
    for path in system + python:
        command += ["--ro-bind", path, path]
    command += ["--bind", str(workdir), str(workdir), "--remount-ro", "/", "--chdir", str(workdir)]

    command.append("--")
    if uid is not None:
        command += [
            tools.setpriv,
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
        ]
    mib = 1024 * 1024
    command += [
        tools.prlimit,
        f"--cpu={limits.cpu_seconds}:{limits.cpu_seconds + 1}",
        f"--as={limits.memory_mb * mib}",
        f"--fsize={limits.file_size_mb * mib}",
        f"--nproc={limits.max_processes}",
        "--core=0",
        "--",
    ]
    program = sys.executable if argv[0] == "python" else argv[0]
    return command + [program, *argv[1:]]


def _parents(paths: Sequence[str], read_only: Sequence[str]) -> list[str]:
    """Directories bwrap must create to reach `paths`, top-down: not the mount points
    set up before, nor anything inside a read-only bind (it exists there already)."""
    needed = {
        str(parent)
        for path in paths
        for parent in Path(path).parents
        if str(parent) not in ("/", *_MOUNTED)
        and not any(is_under(str(parent), ro) for ro in read_only)
    }
    return sorted(needed, key=lambda p: (p.count("/"), p))
