"""Mistakes in a program that the tables themselves reveal, found before it runs.

The commonest wrong answer of a small model is not an exception but a filter that
matches nothing: asked about 「東京」 it writes `df['city'] == 'Tokyo'` and returns 0.
Comparing the literals in the code with the column's real values catches that, and
the hint names the values to copy. A literal that the question itself uses is left
alone: "how many orders from Kyoto?" may rightly answer 0.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

import pandas as pd

from support_system.analysis.intent import normalized

_SHOWN_VALUES = 12


def unknown_values(code: str, frames: Iterable[pd.DataFrame], question: str) -> str:
    """A repair hint for filters on values no column holds, or "" when there are none."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return ""
    columns: dict[str, pd.Series] = {}
    for frame in frames:
        for name in frame.columns:
            columns.setdefault(str(name), frame[name])
    asked = normalized(question)
    for column, literal in _compared_literals(tree):
        series = columns.get(column)
        if series is None or not _is_text(series):
            continue
        values = [str(v) for v in series.dropna().unique()]
        known = {normalized(v) for v in values}
        if normalized(literal) in known or normalized(literal) in asked:
            continue
        shown = ", ".join(repr(v) for v in values[:_SHOWN_VALUES])
        return (
            f"{literal!r} is not a value of column {column!r}, so the filter matches nothing. "
            f"Its values are: {shown}. Copy the value exactly as written there."
        )
    return ""


def _is_text(series: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(series)


def _compared_literals(tree: ast.AST) -> list[tuple[str, str]]:
    """(column, text) for `x['col'] == 'text'`, `!=`, and `x['col'].isin(['a', 'b'])`."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and len(node.comparators) == 1:
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
