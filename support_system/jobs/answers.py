"""What counts as a valid answer: turn what a UI or CLI hands over into the canonical value.

Strings, lists, dicts and a DataFrame from a table editor become the canonical value of
the question's type (see `jobs.definitions`), or `AnswerInvalid` with a specific reason in
both languages ("at most 30 items, you gave 31"), never a Python message. Checks that read
the disk (folders, files, a CSV's columns) live in `jobs.answer_sources`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from support_system.core.errors import AnswerInvalid
from support_system.core.languages import LANGUAGES, supported
from support_system.jobs.answer_sources import (
    AnswerContext,
    check_column,
    check_file,
    check_folder,
    check_placeholders,
    invalid_answer,
    normalised,
)
from support_system.jobs.definitions import Question, QuestionType
from support_system.jobs.flow import SKIPPED


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
    ctx = AnswerContext(lang=lang, base_dir=base_dir, answers=answers)
    try:
        value = None if _is_empty(raw) else _VALIDATORS[question.type](question, raw, ctx)
        if _is_empty(value):
            if question.required:
                raise invalid_answer(question, "required")
            return SKIPPED
        return value
    except AnswerInvalid as error:
        error.lang = error.lang or lang
        raise


def _text(question: Question, raw: Any, ctx: AnswerContext) -> str:
    if isinstance(raw, dict) and set(LANGUAGES) <= set(raw):  # a per-language default
        raw = raw[supported(ctx.lang)]
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise invalid_answer(question, "not_text")
    value = str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()
    if question.type == QuestionType.TEXT:
        value = re.sub(r"\s*\n\s*", " ", value)  # one line: newlines become spaces
    if question.max_length is not None and len(value) > question.max_length:
        raise invalid_answer(question, "too_long", max=question.max_length, count=len(value))
    if "email" in question.id:
        value = _email(question, value)
    elif "phone" in question.id:
        value = _phone(question, value)
    if question.folder:
        check_folder(question, value, ctx)
    if question.columns_from is not None:
        if question.type == QuestionType.TEXT:
            value = check_column(question, value, ctx)
        else:
            check_placeholders(question, value, ctx)
    return value


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


def _email(question: Question, value: str) -> str:
    address = unicodedata.normalize("NFKC", value).strip()
    if not _EMAIL.match(address) or ".." in address:
        raise invalid_answer(question, "bad_email", value=value)
    return address


def _phone(question: Question, value: str) -> str:
    number = unicodedata.normalize("NFKC", value).strip().replace("ー", "-").replace("−", "-")
    digits = sum(ch.isdigit() for ch in number)
    if not re.fullmatch(r"\+?[0-9()\- ]+", number) or not 6 <= digits <= 15:
        raise invalid_answer(question, "bad_phone", value=value)
    return number


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


def _number(question: Question, raw: Any, ctx: AnswerContext) -> int | float:
    number = _as_number(raw)
    if number is None:
        raise invalid_answer(question, "not_a_number", value=raw)
    if question.min is not None and number < question.min:
        raise invalid_answer(question, "below_min", min=_fmt(question.min), value=_fmt(number))
    if question.max is not None and number > question.max:
        raise invalid_answer(question, "above_max", max=_fmt(question.max), value=_fmt(number))
    return number


def _choice_labels(question: Question) -> dict[str, str]:
    return {
        "ja": "、".join(f"「{c.label.ja}」" for c in question.choices),
        "en": ", ".join(f'"{c.label.en}"' for c in question.choices),
    }


def _choice_value(question: Question, raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise invalid_answer(question, "not_a_choice", value=raw, choices=_choice_labels(question))
    key = normalised(str(raw))
    for choice in question.choices:
        if key in (
            normalised(choice.value),
            normalised(choice.label.ja),
            normalised(choice.label.en),
        ):
            return choice.value
    if key.isdigit() and 1 <= int(key) <= len(question.choices):  # "2" = the second choice
        return question.choices[int(key) - 1].value
    raise invalid_answer(question, "not_a_choice", value=raw, choices=_choice_labels(question))


def _choice(question: Question, raw: Any, ctx: AnswerContext) -> str:
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
        raise invalid_answer(question, "too_few_items", min=question.min_items, count=count)
    if question.max_items is not None and count > question.max_items:
        raise invalid_answer(question, "too_many_items", max=question.max_items, count=count)


def _unique(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _multi_choice(question: Question, raw: Any, ctx: AnswerContext) -> list[str]:
    values = _unique([_choice_value(question, item) for item in _items(raw) if not _is_empty(item)])
    _count_check(question, len(values))
    return values


def _list(question: Question, raw: Any, ctx: AnswerContext) -> list[str]:
    items: list[str] = []
    for item in _items(raw, lines_only=True):
        if _is_empty(item):
            continue
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise invalid_answer(question, "not_text")
        text = re.sub(r"\s*\n\s*", " ", str(item).strip())
        if question.max_length is not None and len(text) > question.max_length:
            raise invalid_answer(question, "too_long", max=question.max_length, count=len(text))
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
    raise invalid_answer(question, "not_records")


def _records(question: Question, raw: Any, ctx: AnswerContext) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for row_number, row in enumerate(_rows(question, raw), start=1):
        if isinstance(row, (list, tuple)):
            row = dict(zip((f.id for f in question.fields), row, strict=False))
        if not isinstance(row, dict):
            raise invalid_answer(question, "not_records")
        by_key = {normalised(str(k)): v for k, v in row.items()}
        cells = {
            f.id: row.get(
                f.id, by_key.get(normalised(f.label.ja), by_key.get(normalised(f.label.en)))
            )
            for f in question.fields
        }
        if all(_is_empty(cell) for cell in cells.values()):
            continue  # a blank row left in a table editor
        record: dict[str, Any] = {}
        for f in question.fields:
            cell = cells[f.id]
            if _is_empty(cell):
                if f.required:
                    raise invalid_answer(
                        question, "record_field_missing", row=row_number, field=f.label.model_dump()
                    )
                record[f.id] = None
            elif f.type == "number":
                number = _as_number(cell)
                if number is None:
                    raise invalid_answer(
                        question,
                        "record_not_a_number",
                        row=row_number,
                        field=f.label.model_dump(),
                        value=cell,
                    )
                record[f.id] = number
            elif f.type == "price":
                record[f.id] = _price(question, cell, row_number, f.label.model_dump())
            elif f.type == "long_text":
                text = str(cell).replace("\r\n", "\n").strip("\n")
                # Typed one row per line, a line break inside the cell is written "\n".
                record[f.id] = text if "\n" in text else text.replace("\\n", "\n")
            else:
                record[f.id] = re.sub(r"\s*\n\s*", " ", str(cell).strip())
        records.append(record)
    _count_check(question, len(records))
    return records


def _price(question: Question, cell: Any, row_number: int, field: dict[str, str]) -> str:
    """A price as the person wrote it ("$12.50", "1,200円", "from 3,000"): the text is
    kept, only checked to hold a digit. A number from a table editor becomes its text."""
    if isinstance(cell, bool):
        cell = str(cell)
    if isinstance(cell, (int, float)):
        return _fmt(cell)
    text = re.sub(r"\s+", " ", str(cell).strip())
    if not any(ch.isdigit() for ch in text):
        raise invalid_answer(
            question, "record_not_a_price", row=row_number, field=field, value=cell
        )
    return text


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
    key = re.sub(r"\s+", "", normalised(text))
    for name in (key, re.sub(r"(色|いろ)$", "", key)):
        if name in COLOR_NAMES:
            return COLOR_NAMES[name]
    match = _HEX.match(key)
    if not match:
        return None
    digits = match.group(1)
    return "#" + ("".join(ch * 2 for ch in digits) if len(digits) == 3 else digits)


def _color(question: Question, raw: Any, ctx: AnswerContext) -> str:
    color = parse_color(raw) if isinstance(raw, str) else None
    if color is None:
        raise invalid_answer(question, "bad_color", value=raw)
    return color


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


def _yes_no(question: Question, raw: Any, ctx: AnswerContext) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    key = normalised(str(raw)) if isinstance(raw, str) else None
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise invalid_answer(question, "not_yes_no", value=raw)


_VALIDATORS: dict[QuestionType, Callable[[Question, Any, AnswerContext], Any]] = {
    QuestionType.TEXT: _text,
    QuestionType.LONG_TEXT: _text,
    QuestionType.NUMBER: _number,
    QuestionType.CHOICE: _choice,
    QuestionType.MULTI_CHOICE: _multi_choice,
    QuestionType.LIST: _list,
    QuestionType.RECORDS: _records,
    QuestionType.COLOR: _color,
    QuestionType.FILE: check_file,
    QuestionType.YES_NO: _yes_no,
}
