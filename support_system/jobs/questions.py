"""The question engine: which question comes next, what counts as a valid answer,
and "decide for me".

Optional questions and the skip marker
--------------------------------------
A person must see every question once, including optional ones (otherwise a photo or a
second colour would never be offered). So `answers` distinguishes three states:

- key absent            → not asked yet (`next_question` will ask it);
- key present, None     → asked and skipped (only allowed for optional questions);
- key present, a value  → answered (the canonical value, see `jobs.catalogue`).

None was chosen as the skip marker because it is plain JSON, cannot be a valid answer of
any type, and reads naturally for generators ("no photo"). `effective_answers` turns the
stored answers into what a generator needs: visible questions only, skipped or unasked
ones replaced by their default.

Validation turns what a UI or CLI hands over (strings, lists, dicts, a DataFrame from a
table editor) into the canonical value or raises `AnswerInvalid` with a specific reason
in both languages ("at most 30 items, you gave 31"), never a Python message.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, create_model

from support_system.core.errors import AnswerInvalid, InvalidUpload, ModelError
from support_system.core.languages import LANGUAGES
from support_system.core.logging import get_logger

if TYPE_CHECKING:
    from support_system.rag.retrieve import Hit

from support_system.jobs.catalogue import (
    CHOICE_TYPES,
    TEXT_TYPES,
    Job,
    Question,
    QuestionType,
)

log = get_logger(__name__)

SKIPPED = None
"""The stored value of a question that was shown and skipped (see the module doc)."""

# --- flow --------------------------------------------------------------------------------


def _matches(answer: Any, expected: Any) -> bool:
    options = expected if isinstance(expected, list) else [expected]
    if isinstance(answer, list):  # multi_choice / list: any selected item may match
        return any(item in options for item in answer)
    return answer in options


def visible_questions(job: Job, answers: Mapping[str, Any]) -> list[Question]:
    """The questions that apply given `answers`, in order.

    `show_if` is {question_id: value or [values]}; every entry must match, and the
    question it names must itself be visible (so hiding a question hides its followers).
    """
    visible: list[Question] = []
    shown: set[str] = set()
    for question in job.questions:
        conditions = question.show_if or {}
        if all(
            ref in shown and _matches(answers.get(ref), want) for ref, want in conditions.items()
        ):
            visible.append(question)
            shown.add(question.id)
    return visible


def is_answered(question: Question, answers: Mapping[str, Any]) -> bool:
    """Answered, or skipped when skipping is allowed."""
    if question.id not in answers:
        return False
    return answers[question.id] is not None or not question.required


def next_question(job: Job, answers: Mapping[str, Any]) -> Question | None:
    """The first visible question not answered yet (optional ones too, once); None when done."""
    for question in visible_questions(job, answers):
        if not is_answered(question, answers):
            return question
    return None


def progress(job: Job, answers: Mapping[str, Any]) -> tuple[int, int]:
    """(answered or skipped, total) over the questions visible now."""
    visible = visible_questions(job, answers)
    return sum(1 for q in visible if is_answered(q, answers)), len(visible)


def effective_answers(job: Job, answers: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """What a generator should use: visible questions only; skipped/unasked → default (or None)."""
    result: dict[str, Any] = {}
    for question in visible_questions(job, answers):
        value = answers.get(question.id)
        result[question.id] = question.default_for(lang) if value is None else value
    return result


# --- validation --------------------------------------------------------------------------


@dataclass
class _Context:
    lang: str
    base_dir: Path | None
    answers: Mapping[str, Any] | None


def _invalid(question: Question, reason: str, detail: str = "", **params: Any) -> AnswerInvalid:
    return AnswerInvalid(
        detail or f"{question.id}: {reason} {params}",
        reason=f"errors.answer.{reason}",
        question=question.label.model_dump(),
        **params,
    )


def _from_upload(question: Question, error: InvalidUpload) -> AnswerInvalid:
    """An unreadable file as an answer problem, keeping the file name and the exact reason."""
    problem = {lang: error.reason_text(lang) for lang in LANGUAGES}
    return _invalid(
        question,
        "unusable_file",
        detail=error.detail,
        file=error.params.get("file", ""),
        problem=problem,
    )


def _norm(text: str) -> str:
    """For matching what people type: full-width → half-width, case-insensitive, trimmed."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


def _is_empty(raw: Any) -> bool:
    if raw is None or type(raw).__name__ in ("NAType", "NaTType"):  # pandas' missing values
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, (list, tuple, dict, set)):
        return len(raw) == 0
    return False


def validate_answer(
    question: Question,
    raw: Any,
    lang: str,
    *,
    base_dir: Path | None = None,
    answers: Mapping[str, Any] | None = None,
) -> Any:
    """The canonical value for `raw`, or AnswerInvalid saying what to change.

    Empty input (None, "", [], only blank rows) is None for an optional question (= skip)
    and a "required" error otherwise. Relative file/folder paths resolve against
    `base_dir` (default: the current directory). Pass the `answers` given so far to check
    column names against the CSV chosen earlier (`columns_from`). `lang` is the language
    the error message uses when shown without an explicit language.
    """
    ctx = _Context(lang=lang, base_dir=base_dir, answers=answers)
    try:
        value = None if _is_empty(raw) else _VALIDATORS[question.type](question, raw, ctx)
        if _is_empty(value):
            if question.required:
                raise _invalid(question, "required")
            return SKIPPED
        return value
    except AnswerInvalid as error:
        error.lang = error.lang or lang
        raise


def _text(question: Question, raw: Any, ctx: _Context) -> str:
    if isinstance(raw, dict) and {"ja", "en"} <= set(raw):  # a per-language default
        raw = raw["ja" if ctx.lang == "ja" else "en"]
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise _invalid(question, "not_text")
    value = str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()
    if question.type == QuestionType.TEXT:
        value = re.sub(r"\s*\n\s*", " ", value)  # one line: newlines become spaces
    if question.max_length is not None and len(value) > question.max_length:
        raise _invalid(question, "too_long", max=question.max_length, count=len(value))
    if "email" in question.id:
        value = _email(question, value)
    elif "phone" in question.id:
        value = _phone(question, value)
    if question.folder:
        _folder(question, value, ctx)
    if question.columns_from is not None:
        if question.type == QuestionType.TEXT:
            value = _column(question, value, ctx)
        else:
            _placeholders(question, value, ctx)
    return value


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


def _email(question: Question, value: str) -> str:
    address = unicodedata.normalize("NFKC", value).strip()
    if not _EMAIL.match(address) or ".." in address:
        raise _invalid(question, "bad_email", value=value)
    return address


def _phone(question: Question, value: str) -> str:
    number = unicodedata.normalize("NFKC", value).strip().replace("ー", "-").replace("−", "-")
    digits = sum(ch.isdigit() for ch in number)
    if not re.fullmatch(r"\+?[0-9()\- ]+", number) or not 6 <= digits <= 15:
        raise _invalid(question, "bad_phone", value=value)
    return number


def _resolve(text: str, ctx: _Context) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else (ctx.base_dir or Path.cwd()) / path


def _folder(question: Question, value: str, ctx: _Context) -> None:
    if not _resolve(value.strip('"'), ctx).is_dir():
        raise _invalid(question, "folder_missing", path=value)


def _source_table(question: Question, ctx: _Context) -> tuple[Any, str] | None:
    """The DataFrame of the file question named by `columns_from`, or None when unknown."""
    from support_system.jobs.tables import read_table

    if ctx.answers is None or question.columns_from is None:
        return None  # validating without context (e.g. a default): nothing to check against
    source = ctx.answers.get(question.columns_from)
    if not source:
        raise _invalid(question, "needs_file_first")
    try:
        return read_table(_resolve(str(source), ctx)), Path(str(source)).name
    except InvalidUpload as error:
        raise _from_upload(question, error) from error


def _column_list(names: list[str]) -> dict[str, str]:
    return {"ja": "、".join(f"「{n}」" for n in names), "en": ", ".join(f'"{n}"' for n in names)}


def _column(question: Question, value: str, ctx: _Context) -> str:
    from support_system.jobs.tables import is_numeric_column

    table = _source_table(question, ctx)
    if table is None:
        return value
    frame, file_name = table
    names = [str(c) for c in frame.columns]
    match = value if value in names else next((n for n in names if _norm(n) == _norm(value)), None)
    if match is None:
        raise _invalid(
            question, "not_a_column", value=value, file=file_name, columns=_column_list(names)
        )
    if question.column_type == "number" and not is_numeric_column(frame, match):
        numeric = [n for n in names if is_numeric_column(frame, n)]
        raise _invalid(question, "column_not_numeric", value=match, columns=_column_list(numeric))
    return match


def _placeholders(question: Question, value: str, ctx: _Context) -> None:
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(value) if name is not None]
    except ValueError as exc:
        raise _invalid(question, "bad_placeholder", detail=f"{question.id}: {exc}") from exc
    table = _source_table(question, ctx)
    if table is None:
        return
    frame, file_name = table
    columns = [str(c) for c in frame.columns]
    unknown = [name for name in names if name not in columns]
    if unknown:
        raise _invalid(
            question,
            "unknown_placeholder",
            placeholders=", ".join("{" + n + "}" for n in unknown),
            file=file_name,
            columns=", ".join("{" + c + "}" for c in columns),
        )


_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(text: str) -> int | float | None:
    """ "1,200円", "１２００", "¥980", "-3.5" → a number; None when it is not one."""
    cleaned = unicodedata.normalize("NFKC", text).strip().replace("−", "-")
    cleaned = re.sub(
        r"^[¥$€£]\s*|\s*(円|yen|ドル|個|点|件|人|名)$", "", cleaned, flags=re.I
    ).strip()
    if _GROUPED.match(cleaned):
        cleaned = cleaned.replace(",", "")
    if not _NUMBER.match(cleaned):
        return None
    number = float(cleaned)
    return int(number) if number.is_integer() and "." not in cleaned else number


def _as_number(raw: Any) -> int | float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        number: int | float | None = raw
    elif isinstance(raw, str):
        number = parse_number(raw)
    else:
        number = None
    if number is None or (isinstance(number, float) and not math.isfinite(number)):
        return None
    return int(number) if isinstance(number, float) and number.is_integer() else number


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _number(question: Question, raw: Any, ctx: _Context) -> int | float:
    number = _as_number(raw)
    if number is None:
        raise _invalid(question, "not_a_number", value=raw)
    if question.min is not None and number < question.min:
        raise _invalid(question, "below_min", min=_fmt(question.min), value=_fmt(number))
    if question.max is not None and number > question.max:
        raise _invalid(question, "above_max", max=_fmt(question.max), value=_fmt(number))
    return number


def _choice_labels(question: Question) -> dict[str, str]:
    return {
        "ja": "、".join(f"「{c.label.ja}」" for c in question.choices),
        "en": ", ".join(f'"{c.label.en}"' for c in question.choices),
    }


def _choice_value(question: Question, raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise _invalid(question, "not_a_choice", value=raw, choices=_choice_labels(question))
    key = _norm(str(raw))
    for choice in question.choices:
        if key in (_norm(choice.value), _norm(choice.label.ja), _norm(choice.label.en)):
            return choice.value
    if key.isdigit() and 1 <= int(key) <= len(question.choices):  # "2" = the second choice
        return question.choices[int(key) - 1].value
    raise _invalid(question, "not_a_choice", value=raw, choices=_choice_labels(question))


def _choice(question: Question, raw: Any, ctx: _Context) -> str:
    return _choice_value(question, raw)


_SPLIT_ITEMS = re.compile(r"\s*[,、，;；\n]\s*")


def _items(raw: Any, *, lines_only: bool = False) -> list[Any]:
    if isinstance(raw, str):
        text = raw.replace("\r\n", "\n").strip()
        if lines_only and "\n" in text:
            return text.split("\n")
        return _SPLIT_ITEMS.split(text)
    if isinstance(raw, (list, tuple, set)):
        return list(raw)
    return [raw]


def _count_check(question: Question, count: int) -> None:
    if question.min_items is not None and count < question.min_items and count > 0:
        raise _invalid(question, "too_few_items", min=question.min_items, count=count)
    if question.max_items is not None and count > question.max_items:
        raise _invalid(question, "too_many_items", max=question.max_items, count=count)


def _unique(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _multi_choice(question: Question, raw: Any, ctx: _Context) -> list[str]:
    values = _unique([_choice_value(question, item) for item in _items(raw) if not _is_empty(item)])
    _count_check(question, len(values))
    return values


def _list(question: Question, raw: Any, ctx: _Context) -> list[str]:
    items: list[str] = []
    for item in _items(raw, lines_only=True):
        if _is_empty(item):
            continue
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise _invalid(question, "not_text")
        text = re.sub(r"\s*\n\s*", " ", str(item).strip())
        if question.max_length is not None and len(text) > question.max_length:
            raise _invalid(question, "too_long", max=question.max_length, count=len(text))
        items.append(text)
    items = _unique(items)
    _count_check(question, len(items))
    return items


def _rows(question: Question, raw: Any) -> list[Any]:
    if hasattr(raw, "to_dict") and not isinstance(raw, dict):  # a DataFrame from a table editor
        return list(raw.to_dict("records"))
    if isinstance(raw, str):
        rows: list[Any] = []
        for line in raw.replace("\r\n", "\n").split("\n"):
            if not line.strip():
                continue
            separator = "\t" if "\t" in line else None
            if separator:
                rows.append(line.split("\t", len(question.fields) - 1))
            else:
                rows.append(
                    re.split(r"\s*[,、，]\s*", line.strip(), maxsplit=len(question.fields) - 1)
                )
        return rows
    if isinstance(raw, dict):
        return [raw]
    if isinstance(raw, (list, tuple)):
        return list(raw)
    raise _invalid(question, "not_records")


def _records(question: Question, raw: Any, ctx: _Context) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for row_number, row in enumerate(_rows(question, raw), start=1):
        if isinstance(row, (list, tuple)):
            row = dict(zip((f.id for f in question.fields), row, strict=False))
        if not isinstance(row, dict):
            raise _invalid(question, "not_records")
        by_key = {_norm(str(k)): v for k, v in row.items()}
        cells = {
            f.id: row.get(f.id, by_key.get(_norm(f.label.ja), by_key.get(_norm(f.label.en))))
            for f in question.fields
        }
        if all(_is_empty(cell) for cell in cells.values()):
            continue  # a blank row left in a table editor
        record: dict[str, Any] = {}
        for f in question.fields:
            cell = cells[f.id]
            if _is_empty(cell):
                if f.required:
                    raise _invalid(
                        question, "record_field_missing", row=row_number, field=f.label.model_dump()
                    )
                record[f.id] = None
            elif f.type == "number":
                number = _as_number(cell)
                if number is None:
                    raise _invalid(
                        question,
                        "record_not_a_number",
                        row=row_number,
                        field=f.label.model_dump(),
                        value=cell,
                    )
                record[f.id] = number
            else:
                record[f.id] = re.sub(r"\s*\n\s*", " ", str(cell).strip())
        records.append(record)
    _count_check(question, len(records))
    return records


# Common colour names people type, in English and Japanese (CSS values where one exists).
COLOR_NAMES: dict[str, str] = {}
for _hex, _names in {
    "#ff0000": "red 赤 あか レッド",
    "#0000ff": "blue 青 あお ブルー",
    "#008000": "green 緑 みどり グリーン",
    "#ffff00": "yellow 黄 黄色 きいろ イエロー",
    "#ffa500": "orange 橙 だいだい オレンジ",
    "#800080": "purple 紫 むらさき パープル",
    "#ffc0cb": "pink 桃 もも ピンク",
    "#a52a2a": "brown 茶 ちゃ ブラウン",
    "#000000": "black 黒 くろ ブラック",
    "#ffffff": "white 白 しろ ホワイト",
    "#808080": "gray grey 灰 はい 灰色 はいいろ ねずみ グレー グレイ",
    "#000080": "navy 紺 こん ネイビー",
    "#87ceeb": "skyblue 空 そら 水 みず スカイブルー",
    "#add8e6": "lightblue ライトブルー",
    "#f5f5dc": "beige ベージュ",
    "#ffd700": "gold 金 きん ゴールド",
    "#c0c0c0": "silver 銀 ぎん シルバー",
    "#008080": "teal ティール",
    "#165e83": "藍 あい インディゴ indigo",
    "#c5c56a": "抹茶 まっちゃ matcha",
    "#fef4f4": "桜 さくら",
}.items():
    for _name in _names.split():
        COLOR_NAMES[_name] = _hex
_HEX = re.compile(r"^#?([0-9a-f]{3}|[0-9a-f]{6})$")


def parse_color(text: str) -> str | None:
    """ "#ABC", "aabbcc", "red", "赤", "赤色", "sky blue" → "#rrggbb"; None when not a colour."""
    key = re.sub(r"\s+", "", _norm(text))
    for name in (key, re.sub(r"(色|いろ)$", "", key)):
        if name in COLOR_NAMES:
            return COLOR_NAMES[name]
    match = _HEX.match(key)
    if not match:
        return None
    digits = match.group(1)
    return "#" + ("".join(ch * 2 for ch in digits) if len(digits) == 3 else digits)


def _color(question: Question, raw: Any, ctx: _Context) -> str:
    color = parse_color(raw) if isinstance(raw, str) else None
    if color is None:
        raise _invalid(question, "bad_color", value=raw)
    return color


_IMAGE_SIGNATURES = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
}


def _types_text(question: Question) -> str:
    return ", ".join(question.file_types)


def _file(question: Question, raw: Any, ctx: _Context) -> str:
    if not isinstance(raw, (str, Path)):
        raise _invalid(question, "not_text")
    text = str(raw).strip().strip('"').strip("'")
    path = _resolve(text, ctx)
    suffix = path.suffix.lower()
    if question.file_types and suffix not in question.file_types:
        if suffix in (".xlsx", ".xls") and ".csv" in question.file_types:
            raise _invalid(question, "excel_not_csv", path=path.name)
        raise _invalid(question, "file_type", path=path.name, types=_types_text(question))
    if not path.is_file():
        raise _invalid(question, "file_missing", path=text)
    if suffix == ".csv":
        from support_system.jobs.tables import read_table

        try:
            read_table(path)
        except InvalidUpload as error:
            raise _from_upload(question, error) from error
    elif suffix in _IMAGE_SIGNATURES:
        with path.open("rb") as handle:
            head = handle.read(16)
        if not head.startswith(_IMAGE_SIGNATURES[suffix]):
            raise _invalid(question, "file_unreadable", path=path.name, types=suffix)
    return text


_YES = {
    "yes",
    "y",
    "true",
    "1",
    "on",
    "ok",
    "はい",
    "うん",
    "する",
    "します",
    "オン",
    "有",
    "あり",
    "可",
}
_NO = {
    "no",
    "n",
    "false",
    "0",
    "off",
    "いいえ",
    "いや",
    "しない",
    "しません",
    "オフ",
    "無",
    "なし",
    "不可",
}


def _yes_no(question: Question, raw: Any, ctx: _Context) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    key = _norm(str(raw)) if isinstance(raw, str) else None
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise _invalid(question, "not_yes_no", value=raw)


_VALIDATORS: dict[QuestionType, Callable[[Question, Any, _Context], Any]] = {
    QuestionType.TEXT: _text,
    QuestionType.LONG_TEXT: _text,
    QuestionType.NUMBER: _number,
    QuestionType.CHOICE: _choice,
    QuestionType.MULTI_CHOICE: _multi_choice,
    QuestionType.LIST: _list,
    QuestionType.RECORDS: _records,
    QuestionType.COLOR: _color,
    QuestionType.FILE: _file,
    QuestionType.YES_NO: _yes_no,
}


def column_choices(
    question: Question, answers: Mapping[str, Any], *, base_dir: Path | None = None
) -> list[str]:
    """Column names a `columns_from` question can take (for a select box); [] if unknown.

    Only columns of the right kind are listed for `column_type: number`.
    """
    from support_system.jobs.tables import is_numeric_column

    try:
        table = _source_table(question, _Context(lang="en", base_dir=base_dir, answers=answers))
    except AnswerInvalid:
        return []
    if table is None:
        return []
    frame = table[0]
    names = [str(c) for c in frame.columns]
    if question.column_type == "number":
        return [n for n in names if is_numeric_column(frame, n)]
    return names


# --- decide for me -----------------------------------------------------------------------


def _default_proposal(
    question: Question, answers: Mapping[str, Any], lang: str, base_dir: Path | None
) -> Any:
    default = question.default_for(lang)
    if default is not None:
        return default
    if question.type == QuestionType.CHOICE and question.choices:
        return question.choices[0].value
    if question.type == QuestionType.MULTI_CHOICE and question.choices:
        return [question.choices[0].value]
    if question.columns_from is not None and question.type == QuestionType.TEXT:
        return _column_proposal(question, answers, base_dir)
    return None


def _column_proposal(
    question: Question, answers: Mapping[str, Any], base_dir: Path | None
) -> str | None:
    """A column of the right kind that no other answer uses yet (x and y should differ)."""
    from support_system.jobs.tables import is_numeric_column

    try:
        table = _source_table(question, _Context(lang="en", base_dir=base_dir, answers=answers))
    except AnswerInvalid:
        return None
    if table is None:
        return None
    frame = table[0]
    used = {v for k, v in answers.items() if k != question.id and isinstance(v, str)}
    names = [str(c) for c in frame.columns]
    if question.column_type == "number":
        fitting = [n for n in names if is_numeric_column(frame, n)]
    elif question.column_type == "text":
        fitting = [n for n in names if not is_numeric_column(frame, n)]
    else:
        fitting = names
    candidates = [n for n in fitting if n not in used] or fitting
    return candidates[0] if candidates else None


_VALUE_TYPES: dict[QuestionType, str] = {
    QuestionType.TEXT: "one short line of text",
    QuestionType.LONG_TEXT: "a few sentences of text",
    QuestionType.NUMBER: "a number",
    QuestionType.CHOICE: "exactly one of the choices' values",
    QuestionType.MULTI_CHOICE: "a list of the choices' values",
    QuestionType.LIST: "a short list of items",
    QuestionType.COLOR: 'a colour as a hex code like "#2e7d32"',
    QuestionType.YES_NO: "true or false",
}


def proposal_schema(question: Question, columns: list[str] | None = None) -> type[BaseModel]:
    """A pydantic model {"value": …} whose JSON schema constrains the model to a valid shape."""
    annotation: Any
    field: Any = ...
    values = tuple(c.value for c in question.choices)
    match question.type:
        case QuestionType.TEXT | QuestionType.LONG_TEXT if columns:
            annotation = Literal[tuple(columns)]  # type: ignore[valid-type]
        case QuestionType.TEXT | QuestionType.LONG_TEXT:
            annotation = str
            field = Field(min_length=1, max_length=question.max_length or 2000)
        case QuestionType.NUMBER:
            annotation = float
        case QuestionType.CHOICE:
            annotation = Literal[values]  # type: ignore[valid-type]
        case QuestionType.MULTI_CHOICE:
            annotation = list[Literal[values]]  # type: ignore[valid-type]
        case QuestionType.LIST:
            annotation = list[str]
        case QuestionType.COLOR:
            annotation = str
            field = Field(pattern=r"^#[0-9a-fA-F]{6}$")
        case QuestionType.YES_NO:
            annotation = bool
        case _:
            raise ValueError(f"a model cannot propose a {question.type} answer")
    return create_model("Proposal", value=(annotation, field))


def _answers_text(job: Job, answers: Mapping[str, Any], lang: str) -> str:
    lines = []
    for q in visible_questions(job, answers):
        value = answers.get(q.id)
        if value is None or q.type == QuestionType.FILE:
            continue
        if q.type == QuestionType.CHOICE:
            value = q.choice(value).label.get(lang)
        lines.append(f"- {q.label.get(lang)}: {value}")
    return "\n".join(lines) or "(none yet)"


_FACT_TOKENS = re.compile(r"\d+|[\w.+-]+@[\w-]+\.[\w.]+|https?://\S+|www\.\S+")


def invents_facts(value: Any, answers: Mapping[str, Any], documents: str = "") -> bool:
    """True when a proposed text has numbers, e-mail addresses or URLs the person never gave.

    Small models invent opening hours and prices (see DESIGN §5); a proposal may only
    repeat such facts from the answers or from the person's own `documents` text.
    """
    texts = value if isinstance(value, list) else [value]
    known = unicodedata.normalize(
        "NFKC", " ".join([*(str(v) for v in answers.values() if v is not None), documents])
    )
    for text in texts:
        if not isinstance(text, str):
            continue
        for token in _FACT_TOKENS.findall(unicodedata.normalize("NFKC", text)):
            if token not in known:
                return True
    return False


def propose_answer(
    job: Job,
    question: Question,
    answers: Mapping[str, Any],
    lang: str,
    *,
    use_llm: bool = True,
    model: str | None = None,
    base_dir: Path | None = None,
    knowledge: Sequence[Hit] = (),
) -> Any:
    """ "Decide for me": a valid answer to offer (the person still confirms it), or None.

    `decide: none` questions (facts: names, prices, addresses) get None — nobody but the
    person may decide them. `decide: default` gives the default, the first choice, or a
    fitting column. `decide: llm` asks the model for a value held to a schema, validates
    it like a typed answer, rejects invented numbers/addresses, and falls back to the
    default on any model error or bad proposal, so the button always does something sane.
    `knowledge` (passages of the person's own documents, see `rag.context`) is shown to
    the model, and facts it contains count as given.
    """
    if question.decide == "none":
        return None
    fallback = _default_proposal(question, answers, lang, base_dir)
    if question.decide == "default" or not use_llm:
        return fallback
    try:
        proposal = _ask_model(job, question, answers, lang, model, base_dir, knowledge)
        value = validate_answer(question, proposal, lang, base_dir=base_dir, answers=answers)
    except (ModelError, AnswerInvalid) as error:
        log.info(
            "proposal_rejected",
            job=job.id,
            question=question.id,
            error=type(error).__name__,
            detail=error.detail,
        )
        return fallback
    documents = " ".join(hit.text for hit in knowledge)
    problem = proposal_problem(question, value, answers, documents)
    if problem:
        log.info("proposal_rejected", job=job.id, question=question.id, error=problem)
        return fallback
    return value


def proposal_problem(
    question: Question, value: Any, answers: Mapping[str, Any], documents: str = ""
) -> str | None:
    """Why a valid-looking proposal is still not worth offering, or None."""
    if value is None:
        return "empty"
    if question.type not in (*TEXT_TYPES, QuestionType.LIST) or question.columns_from:
        return None  # colours, numbers, choices and column names carry no invented facts
    if invents_facts(value, answers, documents):
        return "invented_facts"
    examples = {question.example.ja, question.example.en} if question.example else set()
    if value in examples or value in answers.values():
        return "copied"  # the example or another answer repeated is no suggestion
    return None


def _ask_model(
    job: Job,
    question: Question,
    answers: Mapping[str, Any],
    lang: str,
    model: str | None,
    base_dir: Path | None,
    knowledge: Sequence[Hit] = (),
) -> Any:
    from support_system.ai import generate
    from support_system.ai.prompts import render
    from support_system.rag.context import passages_text

    columns = column_choices(question, answers, base_dir=base_dir) if question.columns_from else []
    if question.choices:
        choices = "\n".join(f"- {c.value}: {c.label.get(lang)}" for c in question.choices)
    elif columns:
        choices = "\n".join(f"- {name}" for name in columns)
    else:
        choices = ""
    prompt = render(
        "jobs/propose_answer",
        language=lang,
        job_title=job.title.get(lang),
        job_description=job.description.get(lang),
        question=question.label.get(lang),
        help=question.help.get(lang) if question.help else "",
        example=question.example.get(lang) if question.example else "",
        value_type=_VALUE_TYPES.get(question.type, "text"),
        choices=choices,
        answers=_answers_text(job, answers, lang),
        knowledge=passages_text(list(knowledge)),
    )
    long = question.type in (QuestionType.LONG_TEXT, QuestionType.LIST)
    result = generate(
        prompt,
        model,
        schema=proposal_schema(question, columns or None),
        max_tokens=200 if long else 80,
        temperature=0.3,
        purpose="propose-answer",
    )
    return result.parsed.value


__all__ = [
    "CHOICE_TYPES",
    "SKIPPED",
    "TEXT_TYPES",
    "column_choices",
    "effective_answers",
    "invents_facts",
    "is_answered",
    "next_question",
    "parse_color",
    "parse_number",
    "progress",
    "propose_answer",
    "proposal_schema",
    "validate_answer",
    "visible_questions",
]
