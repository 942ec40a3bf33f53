"""What every job adapter shares: the run plan, the adapter base, mirroring a folder.

See the package docstring for the decisions behind these helpers.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support_system.generators.errors import InputMissing
from support_system.jobs.catalogue import SAMPLES_DIR
from support_system.jobs.definitions import Job

EXAMPLE_MAX_BYTES = 2 * 1024 * 1024
SHADOW_MAX_ENTRIES = 20_000
EXAMPLE_FOLDER_MAX_ENTRIES = 200
INPUT_DIR = "input"
_SPARSE_PROBE_BYTES = 4 * 1024 * 1024

ExampleSource = Path | Callable[[Path], None]
"""A file or folder to copy into tests/, or a function that creates it at the given path."""

Note = tuple[str, dict[str, Any]]
"""A message for the person about the run: an i18n key and its parameters."""


@dataclass(frozen=True)
class MirrorOptions:
    """How `RunPlan.shadows` are mirrored (see `mirror_folder`)."""

    recursive: bool = False
    sizes: bool = False
    limit: int = SHADOW_MAX_ENTRIES


@dataclass
class RunPlan:
    """One sandbox run: the command, what to put in the workdir, what to bring back."""

    argv: list[str]
    inputs: dict[str, Path | bytes] = field(default_factory=dict)  # workdir name → file/bytes
    shadows: dict[str, Path] = field(default_factory=dict)  # workdir name → folder to mirror
    outputs: list[str] = field(default_factory=list)  # files or folders in the workdir
    mirror: MirrorOptions = MirrorOptions()
    notes: list[Note] = field(default_factory=list)  # shown before the program's output


def resolve(value: Any, base_dir: Path) -> Path:
    """A file answer as an absolute path (relative answers resolve against `base_dir`)."""
    path = Path(str(value).strip().strip('"').strip("'")).expanduser()
    return path if path.is_absolute() else (base_dir / path).resolve()


def sample_answers(job: Job, lang: str) -> dict[str, Any]:
    """The job's shipped sample answers for `lang` (or any sample): test examples use them."""
    if not job.samples:
        return {}
    return dict(job.samples.get(lang) or job.samples.get("en") or next(iter(job.samples.values())))


def _check_sparse(directory: Path) -> None:
    """Refuse (ValueError) a file system that would really write the zeros of a sparse
    file: mirroring a folder of videos there would fill the disk."""
    probe = directory / ".support-system-sparse-probe"
    try:
        with probe.open("wb") as handle:
            handle.truncate(_SPARSE_PROBE_BYTES)
        allocated = probe.stat().st_blocks * 512
    finally:
        probe.unlink(missing_ok=True)
    if allocated >= _SPARSE_PROBE_BYTES // 4:
        raise ValueError(f"{directory} cannot hold sparse files, so sizes cannot be mirrored")


def mirror_folder(
    source: Path,
    target: Path,
    *,
    links: bool = True,
    limit: int = SHADOW_MAX_ENTRIES,
    recursive: bool = False,
    sizes: bool = False,
) -> int:
    """Create `target` with the entries of `source` as empty stand-ins; return their number.

    Regular files become empty files with the same modification time, subfolders empty
    folders (with `recursive`, holding stand-ins of their own entries), links dangling
    links (never followed, target not revealed; left out with `links=False`, as in the
    tests' example, which is copied around with plain copytree); other kinds (sockets,
    devices) are left out. With `sizes`, a stand-in is a sparse file of the real file's
    size: `stat` shows the true size, yet not one byte of the file is read or stored (it
    reads as zeros and takes no disk space). Raises ValueError beyond `limit` entries.
    """
    target.mkdir(parents=True, exist_ok=True)
    if sizes:
        _check_sparse(target)
    return _mirror(source, target, links=links, budget=[limit], recursive=recursive, sizes=sizes)


def _mirror(
    source: Path, target: Path, *, links: bool, budget: list[int], recursive: bool, sizes: bool
) -> int:
    count = 0
    with os.scandir(source) as entries:
        for entry in entries:
            count += 1
            budget[0] -= 1
            if budget[0] < 0:
                raise ValueError(f"{source} has too many entries to mirror")
            path = target / entry.name
            info = entry.stat(follow_symlinks=False)
            if entry.is_symlink():
                if links:
                    os.symlink("(link not followed)", path)
                continue
            if stat.S_ISDIR(info.st_mode):
                path.mkdir()
                if recursive:
                    count += _mirror(
                        Path(entry.path),
                        path,
                        links=links,
                        budget=budget,
                        recursive=True,
                        sizes=sizes,
                    )
            elif stat.S_ISREG(info.st_mode):
                with path.open("wb") as handle:
                    if sizes:
                        handle.truncate(info.st_size)
            else:
                continue
            os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # after its entries
    return count


def small_file(path: Path) -> bool:
    """Small enough to copy into the generated tests as their example."""
    return path.is_file() and path.stat().st_size <= EXAMPLE_MAX_BYTES


def small_folder(folder: Path) -> bool:
    """Few enough entries (directly inside) to mirror into the tests as their example."""
    if not folder.is_dir():
        return False
    with os.scandir(folder) as entries:
        return sum(1 for _ in entries) <= EXAMPLE_FOLDER_MAX_ENTRIES


def small_tree(folder: Path) -> bool:
    """Few and small enough files, subfolders included, to copy or mirror with sizes into
    the tests (the tests' folder is copied into the sandbox, so sizes become real bytes)."""
    if not folder.is_dir():
        return False
    entries, total = 0, 0
    for _root, dirs, files in os.walk(folder):
        for name in files:
            path = Path(_root) / name
            if not path.is_symlink():
                total += path.stat().st_size
        entries += len(dirs) + len(files)
        if entries > EXAMPLE_FOLDER_MAX_ENTRIES or total > EXAMPLE_MAX_BYTES:
            return False
    return True


def select_files(
    paths: Iterable[Path], *, max_files: int, max_bytes: int
) -> tuple[list[Path], int]:
    """The first files that fit in `max_files` and `max_bytes` together, and how many
    there were in all (a run on fewer files says so in a note)."""
    chosen: list[Path] = []
    total = count = 0
    for path in paths:
        count += 1
        size = path.stat().st_size
        if len(chosen) < max_files and total + size <= max_bytes:
            chosen.append(path)
            total += size
    return chosen, count


def partial_note(used: int, total: int) -> Note:
    """The note of a run that placed only `used` of the `total` input files."""
    return ("program.run.partial_input", {"used": used, "total": total})


def copy_example(source: ExampleSource, target: Path) -> None:
    """Place one example under tests/ (copy a file or folder, or let a function make it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if callable(source):
        source(target)
    elif source.is_dir():
        shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    else:
        shutil.copyfile(source, target)


class ProgramJob:
    """Base of the job adapters (see the package docstring)."""

    job_id = ""

    def settings(self, answers: dict[str, Any], base_dir: Path) -> dict[str, Any]:
        """SETTINGS written into program.py (CLI defaults, app defaults)."""
        raise NotImplementedError

    def example(
        self, job: Job, answers: dict[str, Any], base_dir: Path, lang: str
    ) -> tuple[dict[str, Any], dict[str, ExampleSource]]:
        """EXAMPLE for the generated tests and the files placed under tests/."""
        raise NotImplementedError

    def run_plan(self, settings: dict[str, Any]) -> RunPlan:
        """The one sandbox run on the user's real inputs named in `settings`."""
        raise NotImplementedError

    def allowed_facts(self, settings: dict[str, Any]) -> list[Any]:
        """Values the model's texts may mention (numbers, names from the answers)."""
        facts: list[Any] = []
        for value in settings.values():
            if isinstance(value, list):
                facts.extend(value)
            elif not isinstance(value, bool):
                facts.append(value)
        return facts


class SingleFileJob(ProgramJob):
    """A job whose one input is the file named by SETTINGS[`input_key`].

    The example is that file when it is small (else the job's sample with the sample's
    answers, so example and choices fit together); the run copies it into the sandbox.
    """

    input_key = "input_file"

    def example(
        self, job: Job, answers: dict[str, Any], base_dir: Path, lang: str
    ) -> tuple[dict[str, Any], dict[str, ExampleSource]]:
        settings = self.settings(answers, base_dir)
        source = Path(settings[self.input_key])
        if not small_file(source):
            settings = self.settings(sample_answers(job, lang), SAMPLES_DIR)
            source = Path(settings[self.input_key])
        name = f"data/{source.name}"
        return {**settings, self.input_key: name}, {name: source}

    def input_of(self, settings: dict[str, Any]) -> tuple[str, Path]:
        """The input's name in the sandbox's workdir and the file to copy there."""
        source = Path(settings[self.input_key])
        if not source.is_file():
            raise InputMissing(source)
        return f"{INPUT_DIR}/{source.name}", source
