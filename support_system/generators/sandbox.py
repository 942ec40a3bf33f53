"""The one way the project runs generated (untrusted) code: `run_sandboxed`.

A program written by a small model is run on the user's sample data before anyone
trusts it, so it must not be able to read the user's files or the app's secrets, reach
the network, or take the machine down. Isolation comes from bubblewrap (Debian's
`bwrap`, the sandbox Flatpak uses) rather than hand-rolled namespace code:

* **Files.** A new mount namespace whose root is an empty, read-only tmpfs holding only
  /usr (and the /bin, /lib… links), the /etc files the loader and fontconfig read, the
  project's Python (venv and base install, read-only), a private /proc, a minimal /dev,
  size-limited tmpfs /tmp and /dev/shm, and `workdir`, the one writable place. /root,
  /home, the project tree (its `.state/` with the database and secret.key, `config/`)
  do not exist inside: only the empty directories leading to the bound paths do.
* **Network.** A new network namespace with nothing but its own loopback: services on
  the host's 127.0.0.1 are unreachable and any other address is "Network is unreachable".
* **Processes.** A new PID namespace: when its init dies (our wall-clock kill) or bwrap
  does (the caller died: --die-with-parent), the kernel kills everything inside it.
* **Limits.** util-linux `prlimit` sets RLIMIT_CPU/AS/FSIZE/NPROC/CORE just before it
  execs the command, so they bind the program, not bwrap.
* **Identity.** The kernel never applies RLIMIT_NPROC to uid 0. Measured here (root): a
  loop forking 200 children under bwrap with `prlimit --nproc=64` forked all 200, also
  with a user namespace mapping the sandbox uid onto root. So when we are root, bwrap
  runs privileged (no user namespace needed) and `setpriv` drops the command to a
  throw-away uid with no capabilities and no_new_privs; the same loop then stops at 62
  children with "Resource temporarily unavailable". That uid owns no file on the
  machine, and `workdir` is lent to it for the run and handed back afterwards. Other
  users get bwrap's usual unprivileged user namespace, where RLIMIT_NPROC counts only
  the sandbox's own processes. (Rejected: running bwrap itself as `nobody` cannot bind
  the Python under /root, mode 700, even with --ro-bind-fd, because bwrap realpath()s
  the source; cgroup pids.max is writable for root on this VM only, not on a desktop.)
* **Environment.** Built from nothing; names that look like secrets never pass.

Not covered: total disk use in `workdir` (each file is capped, the number of files is
not); memory held in the size-capped /tmp and /dev/shm, which RLIMIT_AS does not see;
and, as root, the program may still create user namespaces of its own (more kernel
surface, but no way out of its mounts, limits or uid).
When bwrap is missing or cannot create its namespaces, `SandboxUnavailable` is raised:
generated code is never run unsandboxed.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from support_system.core.logging import get_logger
from support_system.generators.errors import SandboxUnavailable

log = get_logger(__name__)

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
    tools = _tools()
    workdir = Path(workdir).resolve()
    if str(workdir) == "/" or any(_under(path, str(workdir)) for path in _python_dirs()):
        raise ValueError(f"workdir would expose (and make writable) the interpreter: {workdir}")
    workdir.mkdir(parents=True, exist_ok=True)
    _place_inputs(workdir, inputs)
    private = workdir / PRIVATE_DIR
    for name in ("tmp", "matplotlib"):
        (private / name).mkdir(parents=True, exist_ok=True)
    prepared = prepare(argv, workdir=workdir, limits=limits, env=env, tools=tools)
    try:
        result = _supervise(prepared.command, workdir, limits, prepared.env)
    finally:
        if prepared.uid is not None:
            _chown_tree(workdir, os.getuid(), os.getgid())
        shutil.rmtree(private, ignore_errors=True)
        _disarm(workdir)
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
    tools: _Tools | None = None,
) -> PreparedCommand:
    """Build the isolated command for `argv` without running it.

    For callers that supervise the process themselves (the Gradio launcher keeps a
    server running); `run_sandboxed` uses the same path. Hands `workdir` to a fresh
    throw-away uid when running as root: give it back with `release(workdir)`.
    """
    uid = _throwaway_uid()
    command = _command(tools or _tools(), list(argv), Path(workdir).resolve(), limits, uid)
    if uid is not None:
        _chown_tree(Path(workdir), uid, uid)
    return PreparedCommand(command=command, env=_environment(Path(workdir).resolve(), env), uid=uid)


def release(workdir: Path) -> None:
    """Give a workdir prepared for a throw-away uid back to the calling user."""
    _chown_tree(Path(workdir), os.getuid(), os.getgid())


def _throwaway_uid() -> int | None:
    """A fresh uid for this run when we are root (see the module docstring), else None.

    Fresh per run so concurrent sandboxes do not share one RLIMIT_NPROC budget (the
    kernel counts processes per uid); a collision would only make them share it.
    """
    if os.geteuid() != 0:
        return None
    low, high = _UID_RANGE
    return low + secrets.randbelow(high - low)


@dataclass(frozen=True)
class _Tools:
    bwrap: str
    prlimit: str
    setpriv: str


def _tools() -> _Tools:
    """The helper programs, or SandboxUnavailable naming the missing ones."""
    found = {name: shutil.which(name) for name in ("bwrap", "prlimit", "setpriv")}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise SandboxUnavailable(
            f"not installed: {', '.join(missing)} (Debian packages bubblewrap, util-linux)"
        )
    return _Tools(**found)  # type: ignore[arg-type]


def _place_inputs(workdir: Path, inputs: Mapping[str, Path | bytes | str]) -> None:
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


def _environment(workdir: Path, extra: Mapping[str, str] | None) -> dict[str, str]:
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


def _python_dirs() -> list[str]:
    """This interpreter's install and venv, outermost only, minus what /usr already has."""
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    candidates.add(str(Path(os.path.realpath(sys.executable)).parent.parent))
    real = sorted({os.path.realpath(path) for path in candidates})
    outermost = [p for p in real if not any(_under(p, other) for other in real if other != p)]
    return [p for p in outermost if not _under(p, "/usr")]


def _under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _command(
    tools: _Tools, argv: Sequence[str], workdir: Path, limits: SandboxLimits, uid: int | None
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
    python = _python_dirs()
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
        and not any(_under(str(parent), ro) for ro in read_only)
    }
    return sorted(needed, key=lambda p: (p.count("/"), p))


def _supervise(
    command: list[str], workdir: Path, limits: SandboxLimits, env: dict[str, str]
) -> SandboxResult:
    """Start bwrap, drain its output, enforce the wall clock and classify the ending."""
    status_read, status_write = os.pipe()
    command = [command[0], "--json-status-fd", str(status_write), *command[1:]]
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            pass_fds=(status_write,),
            start_new_session=True,
        )
    except OSError as exc:  # bwrap vanished or cannot be executed
        os.close(status_read)
        raise SandboxUnavailable(str(exc)) from exc
    finally:
        os.close(status_write)
    assert process.stdout is not None and process.stderr is not None
    stdout = _Capture(process.stdout, limits.output_chars)
    stderr = _Capture(process.stderr, limits.output_chars)
    try:
        returncode: int | None = process.wait(timeout=limits.wall_seconds)
        timed_out = False
    except subprocess.TimeoutExpired:
        returncode, timed_out = None, True
    status = _read_status(status_read)  # '{"child-pid": N, ...}' once the sandbox exists
    child = re.search(r'"child-pid":\s*(\d+)', status)
    if timed_out:
        _kill(process, int(child.group(1)) if child else None)
    if child is None:  # bwrap never started the program: it could not build the sandbox
        stderr.join(5)
        raise SandboxUnavailable(stderr.text().strip() or f"bwrap exited with {returncode}")
    stdout.join(5)
    stderr.join(5)
    seconds = time.monotonic() - started
    err = stderr.text()
    return SandboxResult(
        returncode=returncode,
        stdout=stdout.text(),
        stderr=err,
        seconds=seconds,
        limit=_limit_hit(returncode, err, timed_out=timed_out, seconds=seconds, limits=limits),
        workdir=workdir,
    )


def _read_status(fd: int) -> str:
    """What bwrap wrote to --json-status-fd (without blocking: it may still be open)."""
    os.set_blocking(fd, False)
    chunks = []
    try:
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    except BlockingIOError:
        pass
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")


def _kill(process: subprocess.Popen[bytes], init_pid: int | None) -> None:
    """Kill the whole sandbox by killing its PID namespace's init (bwrap's child): the
    kernel then kills every process inside, and bwrap reaps it and exits. Killing bwrap
    itself would also work (--die-with-parent) but leaves that init for the host's init
    to reap, which this VM's does not."""
    if init_pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(init_pid, signal.SIGKILL)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class _Capture(threading.Thread):
    """Drains one pipe so the program never blocks on it, keeping its head and tail.

    Head and tail because both matter: what a program printed first, and the traceback
    it died with.
    """

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        super().__init__(daemon=True)
        self._stream = stream
        self._half = max(limit // 2, 1)
        self._head = bytearray()
        self._tail = bytearray()
        self._total = 0
        self.start()

    def run(self) -> None:
        with self._stream:
            while chunk := self._stream.read1(65536):  # type: ignore[attr-defined]
                self._total += len(chunk)
                room = max(self._half - len(self._head), 0)
                self._head += chunk[:room]
                if len(chunk) > room:
                    self._tail = (self._tail + chunk[room:])[-self._half :]

    def text(self) -> str:
        cut = self._total - len(self._head) - len(self._tail)
        if cut <= 0:
            return bytes(self._head + self._tail).decode("utf-8", "replace")
        head = self._head.decode("utf-8", "replace")
        tail = self._tail.decode("utf-8", "replace")
        return f"{head}\n[... sandbox: {cut} bytes of output cut ...]\n{tail}"


def _limit_hit(
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


def _chown_tree(top: Path, uid: int, gid: int) -> None:
    """Lend `top` to the sandbox uid or take it back; never follows a symlink."""
    os.lchown(top, uid, gid)
    for root, dirs, files in os.walk(top):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)


def _disarm(workdir: Path) -> None:
    """Remove what a program could leave to trick the caller reading its outputs:
    symlinks leading out of `workdir` (e.g. to the secret key) and fifos, sockets or
    device nodes (a read would hang or touch hardware)."""
    for root, dirs, files in os.walk(workdir):
        for name in dirs + files:
            path = os.path.join(root, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                if not _under(os.path.realpath(path), str(workdir)):
                    os.unlink(path)
            elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                os.unlink(path)
