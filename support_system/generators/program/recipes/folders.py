"""Adapters of the jobs that work on a folder: file-renamer, folder-list, text-replace
(see the package docstring for why folders are mirrored, and when files are copied)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from support_system.generators.errors import InputMissing
from support_system.generators.program.recipes.base import (
    INPUT_DIR,
    ExampleSource,
    MirrorOptions,
    ProgramJob,
    RunPlan,
    mirror_folder,
    partial_note,
    resolve,
    sample_answers,
    select_files,
    small_folder,
    small_tree,
)
from support_system.jobs.catalogue import SAMPLES_DIR
from support_system.jobs.definitions import Job

FOLDER_LIST_MAX_ENTRIES = 100_000
RUN_MAX_TEXT_FILES = 5_000
RUN_MAX_TEXT_BYTES = 100 * 1024 * 1024
TEXT_EXTENSIONS = ("txt", "md", "csv", "html", "xml", "json")


def _folder_name(folder: Path, under: str) -> str:
    return f"{under}/{folder.name or 'folder'}"


def _input_folder(settings: dict[str, Any]) -> tuple[Path, str]:
    """The chosen folder (InputMissing when it is gone) and its name in the workdir."""
    folder = Path(settings["folder"])
    if not folder.is_dir():
        raise InputMissing(folder)
    return folder, _folder_name(folder, INPUT_DIR)


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
        if not small_folder(folder):
            sample = sample_answers(job, lang)
            folder = resolve(sample["folder"], SAMPLES_DIR) if sample else folder
        example = {key: settings[key] for key in ("rule", "prefix", "digits", "start")}
        if not small_folder(folder):
            return {**example, "folder": None}, {}
        name = _folder_name(folder, "data")

        def make(target: Path) -> None:
            mirror_folder(folder, target, links=False)

        return {**example, "folder": name}, {name: make}

    def run_plan(self, settings: dict[str, Any]) -> RunPlan:
        folder, name = _input_folder(settings)
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


class FolderListJob(ProgramJob):
    """The listing runs in the sandbox on a mirror whose stand-ins are sparse files.

    Why sparse stand-ins: the program lists sizes with the same `os.stat` it uses
    outside the sandbox, so the preview is the real program on the real sizes, and no
    byte of any file is read or copied (a sparse file is all zeros and takes no disk
    space; `mirror_folder` refuses a scratch file system that cannot make them).
    Rejected: a manifest of sizes handed to the program (a second code path that only
    the preview would use), and listing outside the sandbox with a helper of ours (then
    the sandbox run would not be the generated program's own result).
    """

    job_id = "folder-list"
    output = "file_list.csv"
    sorts = ("path", "size", "modified")

    def settings(self, answers: dict[str, Any], base_dir: Path) -> dict[str, Any]:
        sort_by = str(answers.get("sort_by") or "path")
        return {
            "folder": str(resolve(answers["folder"], base_dir)),
            "recursive": bool(answers.get("recursive", True)),
            "sort_by": sort_by if sort_by in self.sorts else "path",
        }

    def example(
        self, job: Job, answers: dict[str, Any], base_dir: Path, lang: str
    ) -> tuple[dict[str, Any], dict[str, ExampleSource]]:
        settings = self.settings(answers, base_dir)
        if not small_tree(Path(settings["folder"])):
            settings = self.settings(sample_answers(job, lang), SAMPLES_DIR)
        folder = Path(settings["folder"])
        name = _folder_name(folder, "data")

        def make(target: Path) -> None:
            mirror_folder(folder, target, links=False, recursive=True, sizes=True)

        return {**settings, "folder": name}, {name: make}

    def run_plan(self, settings: dict[str, Any]) -> RunPlan:
        folder, name = _input_folder(settings)
        argv = ["python", "program.py", name, "--sort-by", settings["sort_by"]]
        argv += ["--recursive" if settings["recursive"] else "--no-recursive"]
        argv += ["--output", self.output]
        mirror = MirrorOptions(
            recursive=settings["recursive"], sizes=True, limit=FOLDER_LIST_MAX_ENTRIES
        )
        return RunPlan(argv=argv, shadows={name: folder}, outputs=[self.output], mirror=mirror)


def text_files(folder: Path, extensions: list[str], recursive: bool) -> list[Path]:
    """The files text-replace reads (its `find_files`): the chosen extensions (html also
    .htm), not hidden, no links followed, subfolders only when `recursive`."""
    suffixes = {f".{ext.lower()}" for ext in extensions} | (
        {".htm"} if "html" in extensions else set()
    )
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if recursive else []
        for name in sorted(files):
            path = Path(root) / name
            if (
                not name.startswith(".")
                and path.suffix.lower() in suffixes
                and path.is_file()
                and not path.is_symlink()
            ):
                found.append(path)
    return found


class TextReplaceJob(ProgramJob):
    """The sandbox needs the texts themselves, so unlike a mirror it gets copies, but only
    of the files the program would read (the chosen extensions), up to a size budget
    (a run on fewer files says so). It writes changed copies inside the sandbox, which
    come back as the run's output: the person's files are never written to."""

    job_id = "text-replace"
    report = "replace_report.csv"
    output = "replaced"

    def settings(self, answers: dict[str, Any], base_dir: Path) -> dict[str, Any]:
        extensions = [str(e) for e in answers.get("extensions") or ["txt"]]
        return {
            "folder": str(resolve(answers["folder"], base_dir)),
            "find_text": str(answers["find_text"]),
            "replace_with": str(answers.get("replace_with") or ""),
            "extensions": [e for e in extensions if e in TEXT_EXTENSIONS] or ["txt"],
            "recursive": bool(answers.get("subfolders", True)),
            "dry_run": bool(answers.get("dry_run", True)),
        }

    @staticmethod
    def _files(settings: dict[str, Any]) -> list[tuple[str, Path]]:
        """(path relative to the folder, file) for every file the program would read."""
        folder = Path(settings["folder"])
        files = text_files(folder, settings["extensions"], settings["recursive"])
        return [(path.relative_to(folder).as_posix(), path) for path in files]

    def example(
        self, job: Job, answers: dict[str, Any], base_dir: Path, lang: str
    ) -> tuple[dict[str, Any], dict[str, ExampleSource]]:
        settings = self.settings(answers, base_dir)
        usable = small_tree(Path(settings["folder"])) and self._files(settings)
        if not usable:
            settings = self.settings(sample_answers(job, lang), SAMPLES_DIR)
        files = self._files(settings)
        name = _folder_name(Path(settings["folder"]), "data")

        def make(target: Path) -> None:
            target.mkdir(parents=True, exist_ok=True)
            for relative, source in files:
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target / relative)

        return {**settings, "folder": name}, {name: make}

    def run_plan(self, settings: dict[str, Any]) -> RunPlan:
        folder, name = _input_folder(settings)
        files = dict((path, relative) for relative, path in self._files(settings))
        chosen, total = select_files(
            files, max_files=RUN_MAX_TEXT_FILES, max_bytes=RUN_MAX_TEXT_BYTES
        )
        inputs: dict[str, Path | bytes] = {f"{name}/{files[path]}": path for path in chosen}
        inputs[f"{name}/.keep"] = b""  # the folder exists even with no text file in it
        argv = ["python", "program.py", name, f"--find={settings['find_text']}"]
        argv += [f"--replace={settings['replace_with']}", "--report", self.report]
        argv += [f"--ext={ext}" for ext in settings["extensions"]]
        argv += ["--recursive" if settings["recursive"] else "--no-recursive"]
        argv += ["--output-dir", self.output, "--no-apply" if settings["dry_run"] else "--apply"]
        outputs = [self.report] if settings["dry_run"] else [self.report, self.output]
        notes = [] if len(chosen) == total else [partial_note(len(chosen), total)]
        return RunPlan(argv=argv, inputs=inputs, outputs=outputs, notes=notes)


FOLDER_JOBS: tuple[ProgramJob, ...] = (FileRenamerJob(), FolderListJob(), TextReplaceJob())
