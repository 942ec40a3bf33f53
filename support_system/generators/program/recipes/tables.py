"""Adapters of the jobs that read tables: csv-summary, form-letter, dedupe-rows,
split-by-column, table-convert and join-tables (see the package docstring)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from support_system.generators.errors import InputMissing
from support_system.generators.program.recipes.base import (
    EXAMPLE_MAX_BYTES,
    INPUT_DIR,
    ExampleSource,
    ProgramJob,
    RunPlan,
    SingleFileJob,
    partial_note,
    resolve,
    sample_answers,
    select_files,
)
from support_system.jobs.catalogue import SAMPLES_DIR
from support_system.jobs.definitions import Job

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
FOLDER_TABLE_SUFFIXES = (".csv", ".tsv", *EXCEL_SUFFIXES)  # as join-tables' table_files
RUN_MAX_TABLES = 200
RUN_MAX_TABLE_BYTES = 200 * 1024 * 1024
EXAMPLE_MAX_TABLES = 20


def _same_kind(path: Path, stem: str) -> str:
    """`stem` with the input's kind of file: .xlsx for Excel input, else .csv."""
    return f"{stem}.xlsx" if path.suffix.lower() in EXCEL_SUFFIXES else f"{stem}.csv"


class CsvSummaryJob(SingleFileJob):
    job_id = "csv-summary"
    output = "summary.csv"

    def settings(self, answers: dict[str, Any], base_dir: Path) -> dict[str, Any]:
        return {
            "input_file": str(resolve(answers["input_file"], base_dir)),
            "group_by": str(answers["group_by"]),
            "value_column": str(answers["value_column"]),
            "operation": str(answers.get("operation") or "sum"),
        }

    def run_plan(self, settings: dict[str, Any]) -> RunPlan:
        name, source = self.input_of(settings)
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


class FormLetterJob(SingleFileJob):
    job_id = "form-letter"
    input_key = "data_file"
    output = "letters"

    def settings(self, answers: dict[str, Any], base_dir: Path) -> dict[str, Any]:
        return {
            "data_file": str(resolve(answers["data_file"], base_dir)),
            "template_text": str(answers["template_text"]).replace("\r\n", "\n"),
        }

    def run_plan(self, settings: dict[str, Any]) -> RunPlan:
        name, source = self.input_of(settings)
        argv = ["python", "program.py", name, "--output-dir", self.output]
        return RunPlan(argv=argv, inputs={name: source}, outputs=[self.output])

    def allowed_facts(self, settings: dict[str, Any]) -> list[Any]:
        return [settings["data_file"], settings["template_text"]]


class DedupeRowsJob(SingleFileJob):
    job_id = "dedupe-rows"

    def settings(self, answers: dict[str, Any], base_dir: Path) -> dict[str, Any]:
        by_keys = answers.get("compare") == "key_columns"
        return {
            "input_file": str(resolve(answers["input_file"], base_dir)),
            "key_columns": [str(c) for c in answers.get("key_columns") or []] if by_keys else [],
            "keep": "last" if answers.get("keep") == "last" else "first",
            "loose_match": bool(answers.get("loose_match", False)),
        }

    def run_plan(self, settings: dict[str, Any]) -> RunPlan:
        name, source = self.input_of(settings)
        output, removed = _same_kind(source, "deduplicated"), _same_kind(source, "removed_rows")
        argv = ["python", "program.py", name, "--keep", settings["keep"]]
        argv += [f"--key={column}" for column in settings["key_columns"]]
        argv += ["--loose" if settings["loose_match"] else "--no-loose"]
        argv += ["--output", output, "--removed", removed]
        return RunPlan(argv=argv, inputs={name: source}, outputs=[output, removed])


class SplitByColumnJob(SingleFileJob):
    job_id = "split-by-column"
    output = "split"

    def settings(self, answers: dict[str, Any], base_dir: Path) -> dict[str, Any]:
        return {
            "input_file": str(resolve(answers["input_file"], base_dir)),
            "split_column": str(answers["split_column"]),
        }

    def run_plan(self, settings: dict[str, Any]) -> RunPlan:
        name, source = self.input_of(settings)
        argv = ["python", "program.py", name, f"--column={settings['split_column']}"]
        argv += ["--output-dir", self.output]
        return RunPlan(argv=argv, inputs={name: source}, outputs=[self.output])


class TableConvertJob(SingleFileJob):
    job_id = "table-convert"
    output = "converted"
    encodings = ("utf-8-sig", "cp932", "utf-8")

    def settings(self, answers: dict[str, Any], base_dir: Path) -> dict[str, Any]:
        encoding = str(answers.get("encoding") or "utf-8-sig")
        one_sheet = answers.get("sheets") == "one"
        return {
            "input_file": str(resolve(answers["input_file"], base_dir)),
            "encoding": encoding if encoding in self.encodings else "utf-8-sig",
            "sheet": str(answers.get("sheet_name") or "") if one_sheet else "",
        }

    def run_plan(self, settings: dict[str, Any]) -> RunPlan:
        name, source = self.input_of(settings)
        argv = ["python", "program.py", name, "--encoding", settings["encoding"]]
        argv += [f"--sheet={settings['sheet']}", "--output-dir", self.output]
        return RunPlan(argv=argv, inputs={name: source}, outputs=[self.output])


def folder_tables(folder: Path) -> list[Path]:
    """The table files directly in `folder` that join-tables reads (its `table_files`):
    CSV/TSV/Excel, not hidden, not Excel's "~$" lock files, not links."""
    with os.scandir(folder) as entries:
        return sorted(
            Path(entry.path)
            for entry in entries
            if entry.name.lower().endswith(FOLDER_TABLE_SUFFIXES)
            and not entry.name.startswith((".", "~$"))
            and entry.is_file(follow_symlinks=False)
        )


class JoinTablesJob(ProgramJob):
    """Inputs are a folder (its table files, copied; nothing else of it) or two files.

    In the sandbox a folder becomes `input/<folder name>/` holding copies of its table
    files only, and two files `input/1/<name>` and `input/2/<name>` (two files may share
    a name); the program reads both shapes the same way as outside.
    """

    job_id = "join-tables"
    output = "joined.csv"

    def settings(self, answers: dict[str, Any], base_dir: Path) -> dict[str, Any]:
        if answers.get("source") == "two_files":
            names = [answers["first_file"], answers["second_file"]]
        else:
            names = [answers["folder"]]
        join = answers.get("mode") == "join"
        return {
            "inputs": [str(resolve(name, base_dir)) for name in names],
            "mode": "join" if join else "stack",
            "key_column": str(answers.get("key_column") or "") if join else "",
            "how": str(answers.get("how") or "left") if join else "",  # "" = not used
        }

    @staticmethod
    def _layout(inputs: list[str], under: str) -> tuple[list[str], dict[str, Path]]:
        """The program's input arguments and the files placed for them (name → file)."""
        paths = [Path(item) for item in inputs]
        if len(paths) == 1 and paths[0].is_dir():
            folder = f"{under}/{paths[0].name or 'folder'}"
            return [folder], {f"{folder}/{p.name}": p for p in folder_tables(paths[0])}
        placed = {f"{under}/{number}/{p.name}": p for number, p in enumerate(paths, start=1)}
        return list(placed), placed

    def example(
        self, job: Job, answers: dict[str, Any], base_dir: Path, lang: str
    ) -> tuple[dict[str, Any], dict[str, ExampleSource]]:
        settings = self.settings(answers, base_dir)
        arguments, placed = self._layout(settings["inputs"], "data")
        files = list(placed.values())
        usable = (
            0 < len(files) <= EXAMPLE_MAX_TABLES
            and all(p.is_file() for p in files)
            and sum(p.stat().st_size for p in files) <= EXAMPLE_MAX_BYTES
        )
        if not usable:
            settings = self.settings(sample_answers(job, lang), SAMPLES_DIR)
            arguments, placed = self._layout(settings["inputs"], "data")
        return {**settings, "inputs": arguments}, dict(placed)

    def run_plan(self, settings: dict[str, Any]) -> RunPlan:
        for item in settings["inputs"]:
            if not Path(item).exists():
                raise InputMissing(Path(item))
        arguments, placed = self._layout(settings["inputs"], INPUT_DIR)
        chosen, total = select_files(
            placed.values(), max_files=RUN_MAX_TABLES, max_bytes=RUN_MAX_TABLE_BYTES
        )
        inputs: dict[str, Path | bytes] = {n: p for n, p in placed.items() if p in chosen}
        if not placed:  # an empty folder still exists, so the program says it has no tables
            inputs[f"{arguments[0]}/.empty"] = b""
        argv = ["python", "program.py", *arguments, "--mode", settings["mode"]]
        argv += ["--output", self.output]
        if settings["mode"] == "join":
            argv += [f"--key={settings['key_column']}", "--how", settings["how"]]
        notes = [] if len(chosen) == total else [partial_note(len(chosen), total)]
        return RunPlan(argv=argv, inputs=inputs, outputs=[self.output], notes=notes)


TABLE_JOBS: tuple[ProgramJob, ...] = (
    CsvSummaryJob(),
    FormLetterJob(),
    DedupeRowsJob(),
    SplitByColumnJob(),
    TableConvertJob(),
    JoinTablesJob(),
)
