"""Running one `solve` program in the sandbox on copies of the tables.

The working directory holds only the pickled tables, the program and the harness: the
person's own files are never inside, so no program can change them. What comes back is
JSON written by our harness plus the CSV/PNG files it made, which are copied out.
"""

from __future__ import annotations

import json
import pickle
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from support_system.analysis import harness
from support_system.generators.sandbox import SandboxLimits, run_sandboxed

if TYPE_CHECKING:
    from support_system.analysis.tables import Tables

_HARNESS_SOURCE = Path(harness.__file__)
WALL_SECONDS = 30.0


@dataclass
class Outcome:
    """What one run gave: a value, or the error to feed back to the model."""

    ok: bool
    value: Any = None
    python_type: str = ""
    shape: list[int] | None = None
    table_csv: Path | None = None
    chart_png: Path | None = None
    error: str = ""  # exception type, or "limit:<name>"
    message: str = ""
    where: str = ""
    key: str | None = None  # the missing key of a KeyError (often a column name)
    same_as_input: bool = False  # a table equal to df: a change that changed nothing
    seconds: float = 0.0

    def feedback(self) -> str:
        """The failure as one line for the next prompt."""
        where = f" at {self.where}" if self.where else ""
        return f"{self.error}: {self.message}{where}".strip()


def pickle_tables(tables: Tables, directory: Path) -> Path:
    """Write the tables once for every run of one question (and its repairs)."""
    path = directory / harness.TABLES_FILE
    with path.open("wb") as handle:
        pickle.dump({"tables": tables.frames, "df": tables.df}, handle, protocol=5)
    return path


def run(
    code: str,
    tables_file: Path,
    dest: Path,
    *,
    chart: bool,
    title: str,
    keep_columns: bool = False,
    new_column: str | None = None,
    decimals: int | None = None,
    order: str | None = None,
) -> Outcome:
    """Run `code` on the pickled tables; copy result.csv / chart.png into `dest`.

    `keep_columns` puts back the columns a changed table dropped, and `new_column` names
    the one column it added (see `harness.with_all_columns`); `decimals` rounds a
    result table's fractional numbers; `order` ("asc"/"desc") sorts a Series of numbers.
    """
    size_mb = tables_file.stat().st_size // (1024 * 1024)
    limits = SandboxLimits(
        wall_seconds=WALL_SECONDS,
        cpu_seconds=int(WALL_SECONDS),
        memory_mb=max(2048, 1024 + 8 * size_mb),
        file_size_mb=max(64, 2 * size_mb + 16),
    )
    request = json.dumps(
        {
            "chart": chart,
            "title": title,
            "keep_columns": keep_columns,
            "new_column": new_column,
            "decimals": decimals,
            "order": order,
        },
        ensure_ascii=False,
    )
    with tempfile.TemporaryDirectory(prefix="support-system-ask-") as scratch:
        workdir = Path(scratch)
        result = run_sandboxed(
            ["python", "harness.py", request],
            workdir=workdir,
            inputs={
                "harness.py": _HARNESS_SOURCE,
                harness.CODE_FILE: code,
                harness.TABLES_FILE: tables_file,
            },
            limits=limits,
        )
        report_path = workdir / harness.RESULT_FILE
        if result.limit:
            return Outcome(
                False,
                error=f"limit:{result.limit}",
                seconds=result.seconds,
                message=f"the program was stopped: {result.limit} limit",
            )
        if not report_path.is_file() or report_path.is_symlink():
            tail = "\n".join(result.stderr.strip().splitlines()[-5:])
            return Outcome(
                False, error="Crash", message=tail or "no result", seconds=result.seconds
            )
        report = json.loads(report_path.read_text(encoding="utf-8"))
        outcome = _outcome(report, result.seconds)
        if outcome.ok:
            dest.mkdir(parents=True, exist_ok=True)
            outcome.table_csv = _copy(workdir / harness.OUT_DIR, report.get("table"), dest)
            outcome.chart_png = _copy(workdir / harness.OUT_DIR, report.get("chart"), dest)
        return outcome


def _outcome(report: dict[str, Any], seconds: float) -> Outcome:
    if not report.get("ok"):
        return Outcome(
            False,
            error=str(report.get("error", "Error")),
            message=str(report.get("message", "")),
            where=str(report.get("where", "")),
            key=report.get("key"),
            seconds=seconds,
        )
    return Outcome(
        True,
        value=report.get("value"),
        python_type=str(report.get("python_type", "")),
        shape=report.get("shape"),
        same_as_input=bool(report.get("same_as_input")),
        seconds=seconds,
    )


def _copy(source_dir: Path, name: Any, dest: Path) -> Path | None:
    if not isinstance(name, str):
        return None
    source = source_dir / name
    if not source.is_file() or source.is_symlink():
        return None
    target = dest / name
    shutil.copyfile(source, target)
    return target
