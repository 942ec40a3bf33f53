"""The sandbox stops what generated code must not do, and says which limit stopped it.

Every attack really runs under bwrap, with small limits so the file stays quick. The
assertions are about behaviour (what could be read, which limit was reported, what is
left behind), never about time.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from support_system.core.settings import PROJECT_ROOT
from support_system.generators.errors import SandboxUnavailable
from support_system.generators.sandbox import (
    PRIVATE_DIR,
    SandboxLimits,
    SandboxResult,
    bwrap,
    run_sandboxed,
    runner,
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the sandbox is built from Linux namespaces"
)

QUICK = SandboxLimits(wall_seconds=5, cpu_seconds=3, memory_mb=256, file_size_mb=1)


def run_python(code: str, workdir: Path, limits: SandboxLimits = QUICK, **kwargs) -> SandboxResult:
    return run_sandboxed(["python", "-c", code], workdir=workdir, limits=limits, **kwargs)


def processes_with(marker: str) -> list[int]:
    """Host pids whose command line contains `marker` (the sandboxed code carries one)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


# --- what must stay out of reach ---------------------------------------------------------


@pytest.fixture
def planted_secrets(tmp_path: Path):
    """Secret files beside the workdir, in the project's test state dir and in $HOME."""
    token = uuid.uuid4().hex
    paths = [
        tmp_path / "outside" / "secret.txt",
        PROJECT_ROOT / ".state-test" / f"sandbox-secret-{token}.txt",
        Path.home() / f".sandbox-secret-{token}",
    ]
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"TOP SECRET {token}", encoding="utf-8")
    yield paths
    for path in paths:
        path.unlink(missing_ok=True)


def test_files_outside_the_workdir_cannot_be_read(
    tmp_path: Path, planted_secrets: list[Path]
) -> None:
    targets = [
        *map(str, planted_secrets),
        str(PROJECT_ROOT / "config" / "settings.yaml"),
        str(PROJECT_ROOT / ".state"),
        "/etc/shadow",
        "/home",
    ]
    code = f"""
import json, os, sys
seen = {{}}
for path in {targets!r}:
    try:
        seen[path] = os.listdir(path) if os.path.isdir(path) else open(path).read()
    except OSError as exc:
        seen[path] = type(exc).__name__
try:
    open(os.path.join(sys.prefix, "planted.py"), "w")
    seen["write venv"] = "written"
except OSError as exc:
    seen["write venv"] = type(exc).__name__
project = {str(PROJECT_ROOT)!r}
seen["project"] = sorted(os.listdir(project)) if os.path.isdir(project) else []
print(json.dumps(seen))
"""
    result = run_python(code, tmp_path / "work")

    assert result.ok, result.stderr
    seen = json.loads(result.stdout)
    for path in planted_secrets:
        assert seen[str(path)] == "FileNotFoundError"
    assert seen["/etc/shadow"] == "FileNotFoundError"
    assert seen[str(PROJECT_ROOT / "config" / "settings.yaml")] == "FileNotFoundError"
    assert seen[str(PROJECT_ROOT / ".state")] == "FileNotFoundError"
    assert seen["/home"] == "FileNotFoundError"
    assert "TOP SECRET" not in result.stdout
    assert seen["write venv"] == "OSError"  # read-only file system
    # Only the way to the read-only venv exists: no config, .state, .git or sources.
    assert set(seen["project"]) <= {".venv"}


@pytest.mark.parametrize(
    "target, error",
    [("host loopback", "Connection refused"), ("external", "Network is unreachable")],
)
def test_no_network_not_even_the_host_loopback(tmp_path: Path, target: str, error: str) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.setblocking(False)
        address = server.getsockname() if target == "host loopback" else ("1.1.1.1", 80)
        code = f"import socket; socket.create_connection({tuple(address)!r}, timeout=3)"

        result = run_python(code, tmp_path / "work")

        assert result.returncode != 0
        assert error in result.stderr
        with pytest.raises(BlockingIOError):
            server.accept()  # nothing ever reached the host's server


def test_secrets_in_the_environment_do_not_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-parent-secret-1234567890")
    monkeypatch.setenv("SUPPORT_SYSTEM_SECRET_KEY", "parent-fernet-key")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_parent")
    given = {
        "GREETING": "hello",
        "MY_API_KEY": "caller-key",
        "access_token": "caller-token",
        "DB_PASSWORD": "caller-password",
        "SUPPORT_SYSTEM_STATE_DIR": "/work/main/.state",
    }
    workdir = tmp_path / "work"

    result = run_python("import json, os; print(json.dumps(dict(os.environ)))", workdir, env=given)

    assert result.ok, result.stderr
    inside = json.loads(result.stdout)
    assert inside["GREETING"] == "hello"
    assert inside["HOME"] == str(workdir)
    assert inside["TMPDIR"].startswith(str(workdir))
    assert inside["MPLCONFIGDIR"].startswith(str(workdir))
    assert inside["GRADIO_ANALYTICS_ENABLED"] == "False"
    for name in inside:
        assert not any(word in name.upper() for word in ("KEY", "TOKEN", "SECRET", "PASSWORD"))
        assert not name.startswith("SUPPORT_SYSTEM_")
    assert "PYTEST_CURRENT_TEST" not in inside  # nothing is inherited at all
    for value in ("sk-parent", "parent-fernet", "ghp_parent", "caller-"):
        assert value not in result.stdout


# --- limits --------------------------------------------------------------------------------


def test_fork_bomb_is_stopped_by_the_process_limit(tmp_path: Path) -> None:
    marker = f"fork-bomb-{uuid.uuid4().hex}"
    code = f"import os\n# {marker}\nwhile True:\n    os.fork()"

    result = run_python(code, tmp_path / "work")

    assert result.limit == "processes"
    assert result.returncode != 0
    assert "Resource temporarily unavailable" in result.stderr
    assert processes_with(marker) == []


def test_memory_bomb_is_stopped_by_the_memory_limit(tmp_path: Path) -> None:
    code = "hoard = []\nwhile True:\n    hoard.append(bytearray(50 * 1024 * 1024))"

    result = run_python(code, tmp_path / "work")

    assert result.limit == "memory"
    assert "MemoryError" in result.stderr


@pytest.mark.parametrize(
    "argv",
    [
        [
            "python",
            "-c",
            "with open('big', 'wb') as f:\n    for _ in range(10240):\n"
            "        f.write(bytes(1024 * 1024))",
        ],
        ["sh", "-c", "head -c 10G /dev/zero > big"],  # the shell dies of SIGXFSZ instead
    ],
    ids=["python", "shell"],
)
def test_writing_10_gb_stops_at_the_file_size_limit(tmp_path: Path, argv: list[str]) -> None:
    workdir = tmp_path / "work"

    result = run_sandboxed(argv, workdir=workdir, limits=QUICK)

    assert result.limit == "file_size"
    assert result.returncode != 0
    assert (workdir / "big").stat().st_size <= QUICK.file_size_mb * 1024 * 1024


def test_infinite_loop_is_stopped_by_the_cpu_limit(tmp_path: Path) -> None:
    # A generous wall clock, so only CPU time can stop it even on a busy machine.
    limits = replace(QUICK, cpu_seconds=2, wall_seconds=60)

    result = run_python("while True:\n    pass", tmp_path / "work", limits=limits)

    assert result.limit == "cpu_time"
    assert result.returncode != 0


def test_sleeping_forever_is_killed_with_all_its_children(tmp_path: Path) -> None:
    marker = f"sleeper-{uuid.uuid4().hex}"
    code = f"import os, time\n# {marker}\nos.fork()\nos.fork()\ntime.sleep(1000)"

    result = run_python(code, tmp_path / "work", limits=replace(QUICK, wall_seconds=2))

    assert result.limit == "wall_time"
    assert result.returncode is None
    assert not result.ok
    assert processes_with(marker) == []


def test_long_output_is_cut_and_says_so(tmp_path: Path) -> None:
    code = "print('a' * 1_000_000 + 'THE END')"

    result = run_python(code, tmp_path / "work", limits=replace(QUICK, output_chars=1000))

    assert result.ok
    assert len(result.stdout) < 1200
    assert "bytes of output cut" in result.stdout
    assert result.stdout.rstrip().endswith("THE END")  # the tail is kept, not only the head


# --- inputs and outputs --------------------------------------------------------------------


def test_inputs_are_copied_in_and_outputs_readable_afterwards(tmp_path: Path) -> None:
    source = tmp_path / "sales.csv"
    source.write_text("item,amount\nbread,300\n", encoding="utf-8")
    workdir = tmp_path / "work"
    code = """
import os
found = sorted(os.path.join(d, f)[2:] for d, _, fs in os.walk('.') for f in fs
               if not d.startswith('./.sandbox'))
os.makedirs('out')
with open('out/report.txt', 'w', encoding='utf-8') as f:
    f.write(repr(found) + open('data/sales.csv').read() + open('note.txt').read()
            + open('raw.bin', 'rb').read().hex())
"""
    inputs = {"data/sales.csv": source, "note.txt": "パン屋", "raw.bin": b"\x00\xff"}

    result = run_python(code, workdir, inputs=inputs)

    assert result.ok, result.stderr
    report = (workdir / "out" / "report.txt").read_text(encoding="utf-8")
    assert report == "['data/sales.csv', 'note.txt', 'raw.bin']item,amount\nbread,300\nパン屋00ff"
    assert source.read_text(encoding="utf-8").startswith("item")  # the original is untouched
    assert not (workdir / PRIVATE_DIR).exists()
    assert (workdir / "out" / "report.txt").stat().st_uid == os.getuid()  # handed back


@pytest.mark.parametrize("name", ["../evil.txt", "/tmp/evil.txt", "data/../../evil.txt", ""])
def test_input_names_that_leave_the_workdir_are_rejected(tmp_path: Path, name: str) -> None:
    workdir = tmp_path / "work"
    with pytest.raises(ValueError):
        run_sandboxed(["python", "-c", "pass"], workdir=workdir, inputs={"ok.txt": "x", name: "x"})
    assert not (tmp_path / "evil.txt").exists()
    assert not (workdir / "ok.txt").exists()  # names are checked before anything is written


def test_links_out_of_the_workdir_are_removed_before_the_caller_reads(tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    code = f"""
import os
open('real.csv', 'w').write('a,b')
os.symlink('real.csv', 'alias.csv')
os.symlink({str(PROJECT_ROOT / ".state" / "secret.key")!r}, 'result.csv')
os.mkfifo('pipe')
"""
    result = run_python(code, workdir)

    assert result.ok, result.stderr
    assert (workdir / "alias.csv").read_text() == "a,b"
    assert not os.path.lexists(workdir / "result.csv")
    assert not os.path.lexists(workdir / "pipe")


def test_a_pandas_script_runs_and_writes_a_csv(tmp_path: Path) -> None:
    program = """
import pandas as pd
sales = pd.read_csv("sales.csv")
totals = sales.groupby("item", as_index=False)["amount"].sum()
totals.to_csv("totals.csv", index=False)
print(f"{len(totals)} items")
"""
    workdir = tmp_path / "work"
    inputs = {"program.py": program, "sales.csv": "item,amount\nbread,300\nmilk,150\nbread,200\n"}

    result = run_sandboxed(["python", "program.py"], workdir=workdir, inputs=inputs)

    assert result.ok, result.stderr
    assert result.stdout.strip() == "2 items"
    totals = (workdir / "totals.csv").read_text().splitlines()
    assert totals == ["item,amount", "bread,500", "milk,150"]


# --- refusing to run unsandboxed -------------------------------------------------------------


def test_refuses_to_run_without_bubblewrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bwrap.shutil, "which", lambda name: None)
    workdir = tmp_path / "work"

    with pytest.raises(SandboxUnavailable) as caught:
        run_sandboxed(["python", "-c", "open('ran', 'w')"], workdir=workdir)

    assert caught.value.message_key == "errors.sandbox_unavailable"
    assert "bwrap" in caught.value.detail
    assert "bubblewrap" in caught.value.message("ja")
    assert "bubblewrap" in caught.value.message("en")
    assert not (workdir / "ran").exists()


def test_refuses_when_bwrap_cannot_build_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "bwrap"
    broken.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\n")
    # (exits 0 without ever starting the program: no "child-pid" in its status)
    broken.chmod(0o755)
    real = bwrap.find_tools()
    monkeypatch.setattr(runner, "find_tools", lambda: replace(real, bwrap=str(broken)))
    workdir = tmp_path / "work"

    with pytest.raises(SandboxUnavailable, match="No permissions to create new namespace"):
        run_sandboxed(["python", "-c", "open('ran', 'w')"], workdir=workdir)

    assert not (workdir / "ran").exists()
