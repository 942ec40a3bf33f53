"""Mistakes in a program that the tables themselves reveal, found before it runs.

The commonest wrong answer of a small model is not an exception but a filter that
matches nothing: asked about 「東京」 it writes `df['city'] == 'Tokyo'` and returns 0.
Comparing the literals in the code with the column's real values catches that, and
the hint names the values to copy. A literal that the question itself uses is left
alone: "how many orders from Kyoto?" may rightly answer 0. The same comparison also
catches a part written as the whole: `month == '2024'` on '2024-01' text, or a date
column compared with '2024-05', which matches one day at most.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

import pandas as pd

from support_system.analysis.intent import normalized

_SHOWN_VALUES = 12
_PARTIAL_DATE = re.compile(r"^\d{4}(?:[-/]\d{1,2})?$")  # '2024' or '2024-05': not one day


def unknown_values(code: str, frames: Iterable[pd.DataFrame], question: str) -> str:
    """A repair hint for filters on values no column holds, or "" when there are none."""
    tree, columns = _parsed(code, frames)
    if tree is None:
        return ""
    asked = normalized(question)
    for column, literal in _compared_literals(tree):
        series = columns.get(column)
        if series is None:
            continue
        if pd.api.types.is_datetime64_any_dtype(series) and _PARTIAL_DATE.match(literal):
            return (
                f"{column!r} holds dates, so == {literal!r} matches only one exact day. "
                f"Compare a part of the date: df[{column!r}].dt.year == 2024, or "
                f"df[{column!r}].dt.to_period('M') == '2024-05'"
            )
        if not _is_text(series):
            continue
        values = [str(v) for v in series.dropna().unique()]
        known = {normalized(v) for v in values}
        if normalized(literal) in known:
            continue
        starting = [v for v in values if normalized(v).startswith(normalized(literal))]
        if starting:
            return (
                f"no value of column {column!r} is exactly {literal!r}; values such as "
                f"{starting[0]!r} start with it. To match them use "
                f"df[{column!r}].str.startswith({literal!r})"
            )
        if normalized(literal) in asked:
            continue
        shown = ", ".join(repr(v) for v in values[:_SHOWN_VALUES])
        return (
            f"{literal!r} is not a value of column {column!r}, so the filter matches nothing. "
            f"Its values are: {shown}. Copy the value exactly as written there."
        )
    return ""


def numbers_out_of_range(code: str, frames: Iterable[pd.DataFrame]) -> str:
    """A repair hint for `df['month'] == 2024` on a column holding 1…12, or ""."""
    tree, columns = _parsed(code, frames)
    if tree is None:
        return ""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Compare) and len(node.comparators) == 1):
            continue
        if not isinstance(node.ops[0], ast.Eq):
            continue
        column, other = _column(node.left), node.comparators[0]
        if not (isinstance(other, ast.Constant) and type(other.value) in (int, float)):
            continue
        series = columns.get(column or "")
        if series is None or not pd.api.types.is_numeric_dtype(series):
            continue
        values = series.dropna()
        if values.empty or values.min() <= other.value <= values.max():
            continue
        return (
            f"column {column!r} holds numbers from {values.min():g} to {values.max():g}, so "
            f"== {other.value!r} matches no row. Check which column holds what the question means"
        )
    return ""


def _parsed(
    code: str, frames: Iterable[pd.DataFrame]
) -> tuple[ast.AST | None, dict[str, pd.Series]]:
    """The program's syntax tree (None when it does not parse) and every column by name."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None, {}
    columns: dict[str, pd.Series] = {}
    for frame in frames:
        for name in frame.columns:
            columns.setdefault(str(name), frame[name])
    return tree, columns


def _is_text(series: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(series)


def _compared_literals(tree: ast.AST) -> list[tuple[str, str]]:
    """(column, text) for `x['col'] == 'text'`, `!=`, and `x['col'].isin(['a', 'b'])`."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Compare)
            and len(node.comparators) == 1
            and isinstance(node.ops[0], ast.Eq | ast.NotEq)
        ):
            column = _column(node.left)
            other = node.comparators[0]
            if column is None:
                column, other = _column(other), node.left
            if column and isinstance(other, ast.Constant) and isinstance(other.value, str):
                found.append((column, other.value))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "isin"
            and node.args
            and isinstance(node.args[0], ast.List | ast.Tuple | ast.Set)
        ):
            column = _column(node.func.value)
            for element in node.args[0].elts:
                if column and isinstance(element, ast.Constant) and isinstance(element.value, str):
                    found.append((column, element.value))
    return found


def _column(node: ast.AST) -> str | None:
    """'col' for `something['col']` or `something.str` chains on it, else None."""
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
    return None


_DATE_PARTS = {
    "year": (".dt.year", ".str[:4]"),
    "年": (".dt.year", ".str[:4]"),
    "month": (".dt.to_period('M')", ".str[:7]"),
    "月": (".dt.to_period('M')", ".str[:7]"),
    "year_month": (".dt.to_period('M')", ".str[:7]"),
    "day": (".dt.date", ".str[:10]"),
    "日": (".dt.date", ".str[:10]"),
    "weekday": (".dt.day_name()", ""),
    "曜日": (".dt.day_name()", ""),
}
_DATE_TEXT = re.compile(r"^\d{4}[-/]\d{1,2}")


def date_part(name: str, frame: pd.DataFrame) -> str:
    """How to compute a missing 'year' or 'month' column from the table's date column.

    A model asked for "visitors per year" groups by a column 'year' that does not
    exist; the table has the dates, as datetimes or as text like '2023-01'.
    """
    parts = _DATE_PARTS.get(normalized(name))
    if parts is None:
        return ""
    on_dates, on_text = parts
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            return f"df[{str(column)!r}]{on_dates}"
    for column in frame.columns:
        series = frame[column]
        if on_text and _is_text(series) and series.dropna().astype(str).str.match(_DATE_TEXT).all():
            if not series.dropna().empty:
                return f"df[{str(column)!r}]{on_text}"
    return ""


_ONCE_WORDS = re.compile(
    r"duplicate|\bonce\b|\bunique\b|\bdistinct\b|重複|1人として|一人として|1回として|ユニーク",
    re.I,
)
_DEDUPE_CALLS = ("drop_duplicates", "duplicated", "nunique", "unique(")


def ignores_duplicates(code: str, question: str) -> str:
    """A repair hint when the question says to count duplicates once and the code does not."""
    if not _ONCE_WORDS.search(normalized(question)) or any(c in code for c in _DEDUPE_CALLS):
        return ""
    return (
        "the question says to count duplicate rows only once, but the code keeps them: "
        "start with df = df.drop_duplicates()"
    )
