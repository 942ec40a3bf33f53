"""What bounds a sandboxed run (`SandboxLimits`) and what came of it (`SandboxResult`),
including which limit stopped the program, read from its exit status and last words.
"""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass
from pathlib import Path

_OUT_OF_MEMORY = re.compile(r"MemoryError|Cannot allocate memory|bad_alloc|out of memory")


@dataclass(frozen=True)
class SandboxLimits:
    wall_seconds: float = 60.0  # killed after this (whole process tree)
    cpu_seconds: int = 60  # RLIMIT_CPU
    memory_mb: int = 2048  # RLIMIT_AS
    file_size_mb: int = 64  # RLIMIT_FSIZE; also the size of /tmp and /dev/shm
    max_processes: int = 64  # RLIMIT_NPROC (processes and threads): fork-bomb guard
    output_chars: int = 200_000  # stdout/stderr kept each (head and tail; the cut is marked)


@dataclass
class SandboxResult:
    """What happened. `returncode` is None after a wall-clock kill and 128+N when the
    program died of signal N; `limit` names the limit that stopped it, if one did:
    "wall_time" | "cpu_time" | "memory" | "file_size" | "processes"."""

    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    limit: str | None
    workdir: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.limit is None


def limit_hit(
    returncode: int | None, stderr: str, *, timed_out: bool, seconds: float, limits: SandboxLimits
) -> str | None:
    """Which limit stopped the program, from its exit status and its last words."""
    if timed_out:
        return "wall_time"
    if not returncode:
        return None
    # RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL one second later if that was ignored.
    if (
        returncode == 128 + signal.SIGXCPU
        or (returncode == 128 + signal.SIGKILL and seconds >= limits.cpu_seconds)
        or re.search(r"CPU time limit exceeded|SIGXCPU", stderr)  # a child died of it
    ):
        return "cpu_time"
    # RLIMIT_FSIZE: SIGXFSZ, or EFBIG where the signal is ignored (Python ignores it).
    file_too_big = re.search(r"File too large|File size limit|SIGXFSZ", stderr)
    if returncode == 128 + signal.SIGXFSZ or file_too_big:
        return "file_size"
    # RLIMIT_NPROC: fork/clone fail with EAGAIN (Python: BlockingIOError [Errno 11]; the
    # shell: "fork: retry"). Nothing else in a sandbox without network says this.
    if "Resource temporarily unavailable" in stderr or "can't start new thread" in stderr:
        return "processes"
    if _OUT_OF_MEMORY.search(stderr):
        return "memory"
    return None
