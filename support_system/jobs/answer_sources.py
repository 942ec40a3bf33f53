"""Answers checked against things on this computer: folders, files and a CSV's columns.

`jobs.tables` (pandas, about a second to import) is imported inside the functions that
read a CSV, so pages that never look at a table do not wait for it.

Kept apart from `jobs.answers` (the per-type parsing) because these checks read the disk
and pandas tables; `AnswerContext` carries what they need (the base folder and the
answers given so far), and `invalid_answer` builds the translated error both modules raise.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support_system.core.errors import AnswerInvalid, InvalidUpload
from support_system.core.languages import LANGUAGES
from support_system.jobs.definitions import Question


@dataclass
class AnswerContext:
    """What an answer is checked against besides the question itself."""

    lang: str
    base_dir: Path | None
    answers: Mapping[str, Any] | None


def invalid_answer(
    question: Question, reason: str, detail: str = "", **params: Any
) -> AnswerInvalid:
    return AnswerInvalid(
        detail or f"{question.id}: {reason} {params}",
        reason=f"errors.answer.{reason}",
        question=question.label.model_dump(),
        **params,
    )


def upload_problem(question: Question, error: InvalidUpload) -> AnswerInvalid:
    """An unreadable file as an answer problem, keeping the file name and the exact reason."""
    problem = {lang: error.reason_text(lang) for lang in LANGUAGES}
    return invalid_answer(
        question,
        "unusable_file",
        detail=error.detail,
        file=error.params.get("file", ""),
        problem=problem,
    )


def normalised(text: str) -> str:
    """For matching what people type: full-width → half-width, case-insensitive, trimmed."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


def _resolve(text: str, ctx: AnswerContext) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else (ctx.base_dir or Path.cwd()) / path


def check_folder(question: Question, value: str, ctx: AnswerContext) -> None:
    if not _resolve(value.strip('"'), ctx).is_dir():
        raise invalid_answer(question, "folder_missing", path=value)


def source_table(question: Question, ctx: AnswerContext) -> tuple[Any, str] | None:
    """The DataFrame of the file question named by `columns_from`, or None when unknown."""
    from support_system.jobs.tables import read_table

    if ctx.answers is None or question.columns_from is None:
        return None  # validating without context (e.g. a default): nothing to check against
    source = ctx.answers.get(question.columns_from)
    if not source:
        raise invalid_answer(question, "needs_file_first")
    try:
        return read_table(_resolve(str(source), ctx)), Path(str(source)).name
    except InvalidUpload as error:
        raise upload_problem(question, error) from error


def _column_list(names: list[str]) -> dict[str, str]:
    return {"ja": "、".join(f"「{n}」" for n in names), "en": ", ".join(f'"{n}"' for n in names)}


def check_column(question: Question, value: str, ctx: AnswerContext) -> str:
    from support_system.jobs.tables import is_numeric_column

    table = source_table(question, ctx)
    if table is None:
        return value
    frame, file_name = table
    names = [str(c) for c in frame.columns]
    match = (
        value
        if value in names
        else next((n for n in names if normalised(n) == normalised(value)), None)
    )
    if match is None:
        raise invalid_answer(
            question, "not_a_column", value=value, file=file_name, columns=_column_list(names)
        )
    if question.column_type == "number" and not is_numeric_column(frame, match):
        numeric = [n for n in names if is_numeric_column(frame, n)]
        raise invalid_answer(
            question, "column_not_numeric", value=match, columns=_column_list(numeric)
        )
    return match


def check_placeholders(question: Question, value: str, ctx: AnswerContext) -> None:
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(value) if name is not None]
    except ValueError as exc:
        raise invalid_answer(question, "bad_placeholder", detail=f"{question.id}: {exc}") from exc
    table = source_table(question, ctx)
    if table is None:
        return
    frame, file_name = table
    columns = [str(c) for c in frame.columns]
    unknown = [name for name in names if name not in columns]
    if unknown:
        raise invalid_answer(
            question,
            "unknown_placeholder",
            placeholders=", ".join("{" + n + "}" for n in unknown),
            file=file_name,
            columns=", ".join("{" + c + "}" for c in columns),
        )


_IMAGE_SIGNATURES = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
}


def _types_text(question: Question) -> str:
    return ", ".join(question.file_types)


def check_file(question: Question, raw: Any, ctx: AnswerContext) -> str:
    if not isinstance(raw, (str, Path)):
        raise invalid_answer(question, "not_text")
    text = str(raw).strip().strip('"').strip("'")
    path = _resolve(text, ctx)
    suffix = path.suffix.lower()
    if question.file_types and suffix not in question.file_types:
        if suffix in (".xlsx", ".xls") and ".csv" in question.file_types:
            raise invalid_answer(question, "excel_not_csv", path=path.name)
        raise invalid_answer(question, "file_type", path=path.name, types=_types_text(question))
    if not path.is_file():
        raise invalid_answer(question, "file_missing", path=text)
    if suffix == ".csv":
        from support_system.jobs.tables import read_table  # pandas: only for a CSV

        try:
            read_table(path)
        except InvalidUpload as error:
            raise upload_problem(question, error) from error
    elif suffix in _IMAGE_SIGNATURES:
        with path.open("rb") as handle:
            head = handle.read(16)
        if not head.startswith(_IMAGE_SIGNATURES[suffix]):
            raise invalid_answer(question, "file_unreadable", path=path.name, types=suffix)
    return text


def column_choices(
    question: Question, answers: Mapping[str, Any], *, base_dir: Path | None = None
) -> list[str]:
    """Column names a `columns_from` question can take (for a select box); [] if unknown.

    Only columns of the right kind are listed for `column_type: number`.
    """
    from support_system.jobs.tables import is_numeric_column

    try:
        table = source_table(question, AnswerContext(lang="en", base_dir=base_dir, answers=answers))
    except AnswerInvalid:
        return []
    if table is None:
        return []
    frame = table[0]
    names = [str(c) for c in frame.columns]
    if question.column_type == "number":
        return [n for n in names if is_numeric_column(frame, n)]
    return names
