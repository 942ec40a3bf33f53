"""A program made by example: the planned spec made into a job with fixed questions.

As for custom pages (`jobs.page_plans`), the model only fills a small closed plan (one
input kind, one output kind, a title, a summary); the questions are derived here, so a
small model can never plan a question the wizard cannot ask. The questions ask for the
person's real input and for one or two examples (an input and the output they expect),
which become the program's tests before any code is written
(`generators.program.example_tests`).
"""

from __future__ import annotations

import re
from typing import Any

from support_system.core.i18n import t
from support_system.core.languages import LANGUAGES
from support_system.jobs.definitions import Job
from support_system.jobs.program_specs import ProgramSpec

GENERATOR = "example-program"
SOURCE = "source"  # the person's real input: a text, a table file or a folder
EXAMPLES = 2  # the first example is required, the second optional
TABLE_TYPES = [".csv", ".xlsx"]
MAX_EXAMPLE_TEXT = 4000
MAX_EXAMPLE_FILES = 20


def example_ids(number: int) -> tuple[str, str]:
    """The question ids of example `number` (1-based): (its input, its expected output)."""
    return f"example{number}_input", f"example{number}_output"


def file_id(question_id: str) -> str:
    """The optional upload beside a table example typed as CSV (the same table as a small
    CSV or Excel file instead)."""
    return f"{question_id}_file"


def _both(key: str, **params: Any) -> dict[str, str]:
    return {lang: t(key, lang, **params) for lang in LANGUAGES}


def _same(text: str) -> dict[str, str]:
    return dict.fromkeys(LANGUAGES, text)


def _file_fields() -> list[dict[str, Any]]:
    return [
        {"id": "name", "label": _both("custom_program.field.name")},
        {
            "id": "content",
            "label": _both("custom_program.field.content"),
            "type": "long_text",
            "required": False,
        },
    ]


def _source_question(spec: ProgramSpec) -> dict[str, Any]:
    question: dict[str, Any] = {
        "id": SOURCE,
        "label": _both(f"custom_program.question.source_{spec.input}"),
        "decide": "none",
    }
    if spec.input == "table":
        return question | {"type": "file", "file_types": TABLE_TYPES}
    if spec.input == "folder":
        return question | {"type": "text", "folder": True, "max_length": 500}
    return question | {"type": "long_text", "max_length": 20000}


def _example_questions(qid: str, side: str, kind: str, number: int, required: bool) -> list:
    """One side of an example: typed text, a list of files (name, content), or a table
    typed as CSV with, after it, the choice of uploading it as a small file instead
    (then the typed table may be left empty; `example_tests` says if both are)."""
    question = _example_question(qid, side, kind, number, required and kind != "table")
    if kind != "table":
        return [question]
    upload = {
        "id": file_id(qid),
        "type": "file",
        "label": _both(f"custom_program.question.{side}_table_file", number=number),
        "required": False,
        "decide": "none",
        "file_types": TABLE_TYPES,
    }
    return [question, upload]


def _example_question(qid: str, side: str, kind: str, number: int, required: bool) -> dict:
    """One side of an example: typed text, CSV text, or a list of files (name, content)."""
    question: dict[str, Any] = {
        "id": qid,
        "label": _both(f"custom_program.question.{side}_{kind}", number=number),
        "help": _both(f"custom_program.help.{kind}"),
        "required": required,
        "decide": "none",
    }
    if kind in ("folder", "files"):
        return question | {
            "type": "records",
            "fields": _file_fields(),
            "max_items": MAX_EXAMPLE_FILES,
        }
    return question | {"type": "long_text", "max_length": MAX_EXAMPLE_TEXT}


def job_from_spec(spec: ProgramSpec, request: str, lang: str, job_id: str) -> Job:
    """The spec as a job: the real input, then the examples (input, expected output)."""
    questions = [_source_question(spec)]
    for number in range(1, EXAMPLES + 1):
        input_id, output_id = example_ids(number)
        required = number == 1
        questions += _example_questions(input_id, "input", spec.input, number, required)
        questions += _example_questions(output_id, "output", spec.output, number, required)
    return Job.model_validate(
        {
            "id": job_id,
            "kind": "program",
            "icon": "🧪",
            "title": _same(spec.title),
            "description": _same(request.strip()[:300]),
            "help": _both("custom_program.help.job", summary=spec.summary),
            "generator": GENERATOR,
            "templates": ["by-example"],
            "checks": ["ast", "ruff", "policy", "tests"],
            "questions": questions,
            "program": spec.model_dump(),
        }
    )


_TABLE_CUES = re.compile(r"csv|excel|xlsx|spreadsheet|table|column|表|列|エクセル|シート", re.I)
_FOLDER_CUES = re.compile(r"folder|directory|files\b|フォルダ|ファイル.*(全部|すべて|一覧)", re.I)


# A request to change a table's rows or columns wants a table back ("keep only the rows
# where…", 「列の空白を取り除く」), unless it asks for a figure ("how many", 「合計は」).
_TABLE_CHANGE_CUES = re.compile(
    r"\brows?\b|\bcolumns?\b|\bsort|\bkeep only|\bremove|\badd a|行|列|並べ|残す|取り除|消す|追加",
    re.I,
)
_FIGURE_CUES = re.compile(
    r"how many|how much|\bcount\b|\btotal\b|\bsum\b|average|何件|何個|いくつ|合計は|平均|数を数え",
    re.I,
)


def grounded_spec(spec: ProgramSpec, request: str) -> ProgramSpec:
    """The model's spec with its kinds corrected where the request names them: a small
    model often plans "text" for "my sales CSV", or a text result for "keep only the
    rows where …" (measured with the 0.5B model, bench/open_requests.py's tune part),
    and the person's own words about their input and result are the better evidence."""
    if _FOLDER_CUES.search(request) and spec.input != "folder":
        spec = spec.model_copy(update={"input": "folder"})
    elif _TABLE_CUES.search(request) and spec.input == "text":
        spec = spec.model_copy(update={"input": "table"})
    if (
        spec.input == "table"
        and spec.output == "text"
        and _TABLE_CHANGE_CUES.search(request)
        and not _FIGURE_CUES.search(request)
    ):
        spec = spec.model_copy(update={"output": "table"})
    return spec


def fallback_spec(request: str, lang: str) -> ProgramSpec:
    """The spec used when the model cannot plan: the input kind the request's own words
    point to (a folder, a table, else a text), the same kind back (a folder gives a
    table listing it). The person sees and can still answer every question."""
    if _FOLDER_CUES.search(request):
        source, result = "folder", "table"
    elif _TABLE_CUES.search(request):
        source, result = "table", "table"
    else:
        source, result = "text", "text"
    summary = " ".join(request.split())[:200] or t("custom_program.fallback.title", lang)
    return ProgramSpec.model_validate(
        {
            "title": t("custom_program.fallback.title", lang),
            "summary": summary,
            "input": source,
            "output": result,
        }
    )
