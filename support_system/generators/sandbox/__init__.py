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

The parts: `runner` (run_sandboxed, prepare, release), `bwrap` (the command line, the
environment, the throw-away uid), `process` (supervising the run, capturing output),
`limits` (the limits and the result), `workdir` (inputs in, dangerous leftovers out).
"""

from support_system.generators.sandbox.bwrap import PRIVATE_DIR
from support_system.generators.sandbox.limits import SandboxLimits, SandboxResult
from support_system.generators.sandbox.runner import (
    PreparedCommand,
    prepare,
    release,
    run_sandboxed,
)

__all__ = [
    "PRIVATE_DIR",
    "PreparedCommand",
    "SandboxLimits",
    "SandboxResult",
    "prepare",
    "release",
    "run_sandboxed",
]
