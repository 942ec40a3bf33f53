"""Charts from a CSV: a small tested script (`chart.py`) plus at most two model sentences.

The artifact is a program, not just a picture, so the person can redraw the chart when
the data changes: `python chart.py data.csv`. The script is a tested template filled
with the answers (columns, chart type, title); it reads the CSV robustly (UTF-8, BOM,
Shift_JIS), totals Y per X, draws chart.png with the exact column names and title, and
writes chart_alt.txt (the chart in words) and summary.md. Every number in those files
is computed by pandas inside the script and rendered by its template.

The model only adds one or two qualitative sentences to the summary ("the main store
sells the most"), held to a JSON schema and rejected by the facts check if they contain
any number, date, time, price, phone number, e-mail or URL absent from the data and
answers. Without a model (`fallback`) the summary simply has no comment.

`check` runs the script in the sandbox on the person's own file and compares its
numbers with pandas' in this process, so a chart is only delivered if it is right.
"""

from __future__ import annotations

import json
import pprint
import re
import shutil
import struct
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel, Field

from support_system.ai import prompts
from support_system.core.errors import InvalidUpload
from support_system.generators.base import (
    CheckResult,
    Draft,
    GenerationContext,
    ask_model,
    feedback_text,
)
from support_system.generators.checks.python import check_ast, check_ruff
from support_system.generators.facts import facts_check
from support_system.generators.sandbox import SandboxLimits, run_sandboxed
from support_system.jobs.tables import read_table

HERE = Path(__file__).parent
SCRIPT = "chart.py"
OUTPUT_FILES = ("chart.png", "chart_alt.txt", "summary.md")
CHART_TYPES = ("bar", "line", "pie")
COMMENT_TOKENS = 160
MIN_PNG_BYTES = 5_000
MIN_PNG_SIDE = 200
RUN_LIMITS = SandboxLimits(wall_seconds=90, cpu_seconds=90, memory_mb=2048)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

Sentence = Annotated[str, Field(min_length=1, max_length=120)]


class ChartComment(BaseModel):
    """What the model may add to the summary: one or two sentences, no numbers."""

    sentences: list[Sentence] = Field(min_length=1, max_length=2)


@dataclass
class ChartData:
    """The chart's numbers as pandas computes them here (the reference for checks)."""

    totals: pd.Series  # per category, in the chart's order
    rows: int
    skipped: int
    values: list[Any]  # every raw cell of the two columns (allowed in model text)

    @property
    def stats(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "skipped": self.skipped,
            "categories": int(len(self.totals)),
            "total": float(self.totals.sum()),
            "mean": float(self.totals.mean()),
            "max_label": str(self.totals.idxmax()),
            "max_value": float(self.totals.max()),
            "min_label": str(self.totals.idxmin()),
            "min_value": float(self.totals.min()),
        }


# --- the script ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _strings() -> dict[str, Any]:
    return yaml.safe_load((HERE / "strings.yaml").read_text(encoding="utf-8"))


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        undefined=StrictUndefined,
        autoescape=False,  # Python source: values go in through the `py` filter only
        variable_start_string="<<",
        variable_end_string=">>",
        block_start_string="<%",
        block_end_string="%>",
        keep_trailing_newline=True,
    )
    # pprint writes valid Python literals; a title like '"""; import os' stays a string.
    env.filters["py"] = lambda value: pprint.pformat(value, width=96, sort_dicts=False)
    return env


def render_script(answers: dict[str, Any], lang: str, comment: list[str]) -> str:
    """chart.py for these answers; `comment` is the model's sentences (or none)."""
    texts = _strings()["ja" if lang == "ja" else "en"]
    chart_type = answers.get("chart_type") or "bar"
    if chart_type not in CHART_TYPES:
        chart_type = "bar"
    return (
        _environment()
        .get_template(f"{SCRIPT}.j2")
        .render(
            texts=texts,
            x_column=str(answers["x_column"]),
            y_column=str(answers["y_column"]),
            chart_type=chart_type,
            title=str(answers.get("title") or texts["chart_names"][chart_type]),
            comment=[_clean_sentence(s) for s in comment],
        )
    )


def _clean_sentence(text: str) -> str:
    """One plain line of Markdown: no headings, lists or quotes from the model."""
    return re.sub(r"\s+", " ", text).strip().lstrip("#>*-+ ").strip()


# --- the reference numbers ---------------------------------------------------------------


def input_path(ctx: GenerationContext) -> Path:
    """The person's CSV file (relative answers resolve against the run's base dir)."""
    path = Path(str(ctx.answers["input_file"]))
    return path if path.is_absolute() else ctx.base_dir / path


def _label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def chart_data(path: Path, x_column: str, y_column: str, chart_type: str = "bar") -> ChartData:
    """Totals of `y_column` per `x_column`, the same rules as chart.py, with read_table.

    The wizard already checked the column names; answers from a file (CLI) may not have
    been, so a missing column is explained here rather than failing as a KeyError.
    """
    frame = read_table(path)
    for column in (x_column, y_column):
        if column not in frame.columns:
            raise InvalidUpload(
                f"{path}: no column {column!r}",
                reason="errors.answer.not_a_column",
                file=path.name,
                value=column,
                columns=", ".join(str(name) for name in frame.columns),
            )
    values = pd.to_numeric(frame[y_column], errors="coerce")
    categories = frame[x_column]
    used = values.notna() & categories.notna()
    numeric = pd.api.types.is_numeric_dtype(categories)
    table = pd.DataFrame({"x": categories[used], "y": values[used]})
    totals = table.groupby("x", sort=chart_type == "line" and numeric)["y"].sum()
    totals.index = [_label(v) for v in totals.index]
    raw = [*frame[x_column].dropna().tolist(), *frame[y_column].dropna().tolist()]
    return ChartData(totals=totals, rows=int(used.sum()), skipped=int((~used).sum()), values=raw)


def number_text(value: float) -> str:
    """The same number formatting as chart.py (1234.5 → "1,234.5")."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def allowed_facts(answers: dict[str, Any], data: ChartData) -> list[Any]:
    """What model text may mention: the answers, the data and every computed number."""
    stats = data.stats
    numbers = [v for v in stats.values() if isinstance(v, int | float)]
    return [
        *[v for k, v in answers.items() if k != "input_file"],
        *data.values,
        *data.totals.index.tolist(),
        *data.totals.tolist(),
        *numbers,
        *[number_text(v) for v in numbers],
    ]


# --- the generator -----------------------------------------------------------------------


class ChartGenerator:
    """Generator for jobs of kind "data" (see generators.base.Generator)."""

    kind = "data"

    def draft(self, ctx: GenerationContext, out_dir: Path) -> Draft:
        data = chart_data(
            input_path(ctx),
            ctx.answers["x_column"],
            ctx.answers["y_column"],
            ctx.answers.get("chart_type") or "bar",
        )
        result = ask_model(
            ctx,
            prompts.render("data/summary", **self._prompt_vars(ctx, data)),
            ChartComment,
            max_tokens=COMMENT_TOKENS,
        )
        comment: ChartComment = result.parsed
        draft = self._write(ctx, out_dir, comment.sentences)
        draft.customised = ["comment"]
        draft.models = [result.model]
        draft.tokens_in, draft.tokens_out = result.tokens_in, result.tokens_out
        return draft

    def fallback(self, ctx: GenerationContext, out_dir: Path) -> Draft:
        draft = self._write(ctx, out_dir, [])
        draft.not_customised = ["comment"]
        return draft

    def _write(self, ctx: GenerationContext, out_dir: Path, sentences: list[str]) -> Draft:
        out_dir.mkdir(parents=True, exist_ok=True)
        script = out_dir / SCRIPT
        script.write_text(render_script(ctx.answers, ctx.lang, sentences), encoding="utf-8")
        return Draft(
            kind=self.kind,
            root=out_dir,
            main_file=out_dir / "chart.png",
            files=[script],
            meta={"sentences": list(sentences)},
        )

    def _prompt_vars(self, ctx: GenerationContext, data: ChartData) -> dict[str, str]:
        chart_type = ctx.answers.get("chart_type") or "bar"
        names = _strings()["ja" if ctx.lang == "ja" else "en"]["chart_names"]
        ranking = data.totals.sort_values(ascending=False).index.tolist()
        trend = ""
        if chart_type == "line" and len(data.totals) > 1:
            first, last = float(data.totals.iloc[0]), float(data.totals.iloc[-1])
            trend = "rising" if last > first else "falling" if last < first else "flat"
        feedback = feedback_text(ctx.feedback)
        return {
            "language": ctx.lang,
            "title": str(ctx.answers.get("title") or ""),
            "x_column": str(ctx.answers["x_column"]),
            "y_column": str(ctx.answers["y_column"]),
            "chart_name": names.get(chart_type, chart_type),
            "ranking": ", ".join(str(label) for label in ranking[:10]),
            "trend": trend or "-",
            "feedback": feedback,
        }

    # --- checking --------------------------------------------------------------------

    def check(self, ctx: GenerationContext, draft: Draft) -> list[CheckResult]:
        script = draft.root / SCRIPT
        results = [check_ast(script), check_ruff(script, root=draft.root)]
        data = chart_data(
            input_path(ctx),
            ctx.answers["x_column"],
            ctx.answers["y_column"],
            ctx.answers.get("chart_type") or "bar",
        )
        run = run_chart(script, input_path(ctx), draft.root, data)
        draft.notes.extend(m for m in run.messages if run.passed)
        results.append(run)
        sentences = draft.meta.get("sentences", [])
        results.append(facts_check("\n".join(sentences), allowed_facts(ctx.answers, data)))
        return results

    def run(self, ctx: GenerationContext, draft: Draft, output_dir: Path) -> CheckResult | None:
        data = chart_data(
            input_path(ctx),
            ctx.answers["x_column"],
            ctx.answers["y_column"],
            ctx.answers.get("chart_type") or "bar",
        )
        return run_chart(draft.root / SCRIPT, input_path(ctx), output_dir, data)


def run_chart(script: Path, source: Path, dest: Path, expected: ChartData) -> CheckResult:
    """Run chart.py in the sandbox on `source`, verify its outputs, copy them to `dest`.

    Verified: exit code 0; chart.png is a real PNG of a sensible size; chart_alt.txt is
    not empty; the script's numbers equal `expected` (pandas here); summary.md shows
    them. A missing Japanese font is reported as a note, not a failure: the chart is
    still right, and no model could fix the machine's fonts.
    """
    started = time.monotonic()
    suffix = source.suffix.lower() if source.suffix.lower() in (".csv", ".txt", ".tsv") else ".csv"
    with tempfile.TemporaryDirectory(prefix="support-system-chart-") as scratch:
        workdir = Path(scratch)
        result = run_sandboxed(
            ["python", SCRIPT, f"input{suffix}", "--out", "out"],
            workdir=workdir,
            inputs={SCRIPT: script, f"input{suffix}": source},
            limits=RUN_LIMITS,
        )
        out = workdir / "out"
        if not result.ok:
            reason = f"limit: {result.limit}" if result.limit else f"exit code {result.returncode}"
            tail = "\n".join(result.stderr.strip().splitlines()[-12:])
            return CheckResult(
                "run", False, [f"{SCRIPT} failed ({reason}): {tail}"], _since(started)
            )
        problems, notes = _verify(out, result.stdout, expected)
        if not problems:
            dest.mkdir(parents=True, exist_ok=True)
            for name in OUTPUT_FILES:
                shutil.copyfile(out / name, dest / name)
    return CheckResult("run", not problems, problems or notes, _since(started))


def _verify(out: Path, stdout: str, expected: ChartData) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    for name in OUTPUT_FILES:
        path = out / name
        if not path.is_file() or path.is_symlink():
            problems.append(f"{SCRIPT} did not write {name}")
    if problems:
        return problems, []
    problems += _png_problems(out / "chart.png")
    if not (out / "chart_alt.txt").read_text(encoding="utf-8").strip():
        problems.append("chart_alt.txt is empty")
    try:
        report = json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return [*problems, f"{SCRIPT} printed no JSON report"], []
    want = expected.stats
    for key, value in want.items():
        got = report.get(key)
        same = (
            got == value
            if isinstance(value, str)
            else (
                isinstance(got, int | float)
                and abs(float(got) - float(value)) <= 1e-9 * max(1.0, abs(value))
            )
        )
        if not same:
            problems.append(f"{key}: {SCRIPT} computed {got!r}, pandas computes {value!r}")
    summary = (out / "summary.md").read_text(encoding="utf-8")
    for key in ("total", "mean", "max_value", "min_value"):
        if number_text(want[key]) not in summary:
            problems.append(f"summary.md does not show the {key} {number_text(want[key])}")
    for key in ("max_label", "min_label"):
        if str(want[key]) not in summary:
            problems.append(f"summary.md does not name the {key} {want[key]}")
    notes = [str(n) for n in report.get("notes", [])]
    notes += [f"font: {g}" for g in report.get("missing_glyphs", [])][:5]
    return problems, notes


def png_size(path: Path) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk, or None if it is not a PNG."""
    head = path.read_bytes()[:24]
    if len(head) < 24 or not head.startswith(_PNG_SIGNATURE) or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def _png_problems(path: Path) -> list[str]:
    size = png_size(path)
    if size is None:
        return ["chart.png is not a PNG image"]
    problems = []
    if min(size) < MIN_PNG_SIDE:
        problems.append(f"chart.png is only {size[0]}x{size[1]} pixels")
    if path.stat().st_size < MIN_PNG_BYTES:
        problems.append(f"chart.png is only {path.stat().st_size} bytes (an empty picture?)")
    return problems


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)
