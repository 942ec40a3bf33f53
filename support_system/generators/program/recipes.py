"""Per job: how answers become the program's SETTINGS, its test example and its sandbox run.

Everything here is a fact from the user's answers (or the job's shipped sample), never
from the model. Three decisions worth knowing:

* **The tests' example is the user's own input when possible.** The generated tests
  run the program on a copy of the user's CSV (up to `EXAMPLE_MAX_BYTES`) with the
  user's choices, so "passes its tests" means "works on *your* file". A missing or very
  large file falls back to the job's sample *with the sample's answers*, so the example
  and its choices always fit together and the template always passes.
* **A folder is never copied, only mirrored.** The renamer plans from names, kinds and
  modification times, so the sandbox gets a "shadow" of the folder: the same names and
  dates as empty files, subfolders as empty folders, links as dangling links. Nothing of
  the user's files' contents (or what their links point to) enters the sandbox, and a
  folder of 10 GB of photos costs nothing to plan.
* **The sandbox run never renames.** `run` is the preview: the renamer runs without
  `--apply`, on the shadow, and only `rename_plan.csv` comes back.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support_system.core.errors import ConfigError
from support_system.generators.errors import InputMissing
from support_system.jobs.catalogue import SAMPLES_DIR
from support_system.jobs.definitions import Job

EXAMPLE_MAX_BYTES = 2 * 1024 * 1024
SHADOW_MAX_ENTRIES = 20_000
EXAMPLE_FOLDER_MAX_ENTRIES = 200
INPUT_DIR = "input"

ExampleSource = Path | Callable[[Path], None]
"""A file or folder to copy into tests/, or a function that creates it at the given path."""


@dataclass
class RunPlan:
    """One sandbox run: the command, what to put in the workdir, what to bring back."""

    argv: list[str]
    inputs: dict[str, Path] = field(default_factory=dict)  # workdir name → file to copy
    shadows: dict[str, Path] = field(default_factory=dict)  # workdir name → folder to mirror
    outputs: list[str] = field(default_factory=list)  # files or folders in the workdir


def resolve(value: Any, base_dir: Path) -> Path:
    """A file answer as an absolute path (relative answers resolve against `base_dir`)."""
    path = Path(str(value).strip().strip('"').strip("'")).expanduser()
    return path if path.is_absolute() else (base_dir / path).resolve()


def sample_answers(job: Job, lang: str) -> dict[str, Any]:
    """The job's shipped sample answers for `lang` (or any sample): test examples use them."""
    if not job.samples:
        return {}
    return dict(job.samples.get(lang) or job.samples.get("en") or next(iter(job.samples.values())))


def mirror_folder(
    source: Path, target: Path, *, links: bool = True, limit: int = SHADOW_MAX_ENTRIES
) -> int:
    """Create `target` with the entries of `source` as empty stand-ins; return their number.

    Regular files become empty files with the same modification time, subfolders empty
    folders, links dangling links (never followed, target not revealed; left out with
    `links=False`, as in the tests' example, which is copied around with plain copytree);
    other kinds (sockets, devices) are left out. Raises ValueError beyond `limit` entries.
    """
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    with os.scandir(source) as entries:
        for entry in entries:
            count += 1
            if count > limit:
                raise ValueError(f"{source} has more than {limit} entries")
            path = target / entry.name
            info = entry.stat(follow_symlinks=False)
            if entry.is_symlink():
                if links:
                    os.symlink("(link not followed)", path)
                continue
            if stat.S_ISDIR(info.st_mode):
                path.mkdir()
            elif stat.S_ISREG(info.st_mode):
                path.touch()
            else:
                continue
            os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    return count


def _small_file(path: Path) -> bool:
    return path.is_file() and path.stat().st_size <= EXAMPLE_MAX_BYTES


class ProgramJob:
    """Base of the three job adapters (see the module docstring)."""

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
        return [value for value in settings.values() if not isinstance(value, bool)]


class CsvSummaryJob(ProgramJob):
    job_id = "csv-summary"
    output = "summary.csv"

    def settings(self, answers: dict[str, Any], base_dir: Path) -> dict[str, Any]:
        return {
            "input_file": str(resolve(answers["input_file"], base_dir)),
            "group_by": str(answers["group_by"]),
            "value_column": str(answers["value_column"]),
            "operation": str(answers.get("operation") or "sum"),
        }

    def example(
        self, job: Job, answers: dict[str, Any], base_dir: Path, lang: str
    ) -> tuple[dict[str, Any], dict[str, ExampleSource]]:
        settings = self.settings(answers, base_dir)
        source = Path(settings["input_file"])
        if not _small_file(source):
            settings = self.settings(sample_answers(job, lang), SAMPLES_DIR)
            source = Path(settings["input_file"])
        name = f"data/{source.name}"
        return {**settings, "input_file": name}, {name: source}

    def run_plan(self, settings: dict[str, Any]) -> RunPlan:
        source = Path(settings["input_file"])
        if not source.is_file():
            raise InputMissing(source)
        name = f"{INPUT_DIR}/{source.name}"
        argv = [
            "python",
            "program.py",
            name,
            "--group-by",
            settings["group_by"],
            "--value-column",
            settings["value_column"],
            "--operation",
            settings["operation"],
            "--output",
            self.output,
        ]
        return RunPlan(argv=argv, inputs={name: source}, outputs=[self.output])


class FileRenamerJob(ProgramJob):
    job_id = "file-renamer"
    output = "rename_plan.csv"
    rules = ("prefix_number", "date_number", "number", "prefix_original")

    def settings(self, answers: dict[str, Any], base_dir: Path) -> dict[str, Any]:
        rule = str(answers.get("pattern") or "prefix_number")
        prefix = answers.get("prefix") if rule.startswith("prefix_") else None
        return {
            "folder": str(resolve(answers["folder"], base_dir)),
            "rule": rule if rule in self.rules else "prefix_number",
            "prefix": str(prefix or ""),
            "digits": 3,
            "start": 1,
            "dry_run": bool(answers.get("dry_run", True)),
        }

    def example(
        self, job: Job, answers: dict[str, Any], base_dir: Path, lang: str
    ) -> tuple[dict[str, Any], dict[str, ExampleSource]]:
        settings = self.settings(answers, base_dir)
        folder = Path(settings["folder"])
        if not _small_folder(folder):
            sample = sample_answers(job, lang)
            folder = resolve(sample["folder"], SAMPLES_DIR) if sample else folder
        example = {key: settings[key] for key in ("rule", "prefix", "digits", "start")}
        if not _small_folder(folder):
            return {**example, "folder": None}, {}
        name = f"data/{folder.name or 'folder'}"

        def make(target: Path) -> None:
            mirror_folder(folder, target, links=False)

        return {**example, "folder": name}, {name: make}

    def run_plan(self, settings: dict[str, Any]) -> RunPlan:
        folder = Path(settings["folder"])
        if not folder.is_dir():
            raise InputMissing(folder)
        name = f"{INPUT_DIR}/{folder.name or 'folder'}"
        argv = [
            "python",
            "program.py",
            name,
            "--rule",
            settings["rule"],
            "--prefix",
            settings["prefix"],
            "--digits",
            str(settings["digits"]),
            "--start",
            str(settings["start"]),
            "--plan",
            self.output,
        ]  # never --apply: the sandbox run is a preview
        return RunPlan(argv=argv, shadows={name: folder}, outputs=[self.output])


def _small_folder(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    with os.scandir(folder) as entries:
        return sum(1 for _ in entries) <= EXAMPLE_FOLDER_MAX_ENTRIES


class FormLetterJob(ProgramJob):
    job_id = "form-letter"
    output = "letters"

    def settings(self, answers: dict[str, Any], base_dir: Path) -> dict[str, Any]:
        return {
            "data_file": str(resolve(answers["data_file"], base_dir)),
            "template_text": str(answers["template_text"]).replace("\r\n", "\n"),
        }

    def example(
        self, job: Job, answers: dict[str, Any], base_dir: Path, lang: str
    ) -> tuple[dict[str, Any], dict[str, ExampleSource]]:
        settings = self.settings(answers, base_dir)
        source = Path(settings["data_file"])
        if not _small_file(source):
            settings = self.settings(sample_answers(job, lang), SAMPLES_DIR)
            source = Path(settings["data_file"])
        name = f"data/{source.name}"
        return {**settings, "data_file": name}, {name: source}

    def run_plan(self, settings: dict[str, Any]) -> RunPlan:
        source = Path(settings["data_file"])
        if not source.is_file():
            raise InputMissing(source)
        name = f"{INPUT_DIR}/{source.name}"
        argv = ["python", "program.py", name, "--output-dir", self.output]
        return RunPlan(argv=argv, inputs={name: source}, outputs=[self.output])

    def allowed_facts(self, settings: dict[str, Any]) -> list[Any]:
        return [settings["data_file"], settings["template_text"]]


PROGRAM_JOBS: dict[str, ProgramJob] = {
    job.job_id: job for job in (CsvSummaryJob(), FileRenamerJob(), FormLetterJob())
}


def program_job(job_id: str) -> ProgramJob:
    """The adapter for `job_id`; a job file naming `generator: program` for a job without
    a skeleton is a configuration mistake, reported as ConfigError."""
    try:
        return PROGRAM_JOBS[job_id]
    except KeyError:
        raise ConfigError(
            detail=f"the program generator has no skeleton for {job_id!r} "
            f"(known: {', '.join(PROGRAM_JOBS)})",
            source=f"config/jobs/{job_id}.yaml",
        ) from None


def copy_example(source: ExampleSource, target: Path) -> None:
    """Place one example under tests/ (copy a file or folder, or let a function make it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if callable(source):
        source(target)
    elif source.is_dir():
        shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    else:
        shutil.copyfile(source, target)
