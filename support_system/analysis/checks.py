"""Checks on a program's result and on the sentence that states it.

A result that runs is not yet an answer: `None` from a function that changed `df` in
place, an empty table, or the whole table handed back for "how many…?" are all
wrong shapes a small model produces; each gets a precise line for the repair prompt.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from support_system.analysis import intent
from support_system.analysis.running import Outcome


def problem(outcome: Outcome, *, change: bool, chart: bool, rows: int) -> str | None:
    """What is wrong with a successful run's result, or None when it can be shown."""
    value, kind = outcome.value, outcome.python_type
    if kind == "figure":
        return None if chart else "returned a chart, but the question asks for a value"
    if value is None and kind in ("NoneType", ""):
        if change:
            return "returned None: return the whole new DataFrame"
        return "returned None: return the answer"
    if value is None:
        return "the result is empty (NaN): check the column names and the filter"
    if _is_empty(value):
        return "returned an empty result: check the filter values and the column names"
    if not change and _row_numbered(value):
        return (
            "the result is labelled by row numbers: group by the column the question is "
            "about (groupby) so that each value has its name"
        )
    if not change and _per_row(value, rows):
        return (
            "returned one value for every row, but the question asks for a result: "
            "aggregate it (.sum(), .mean(), .count(), .max()) or group it (groupby)"
        )
    if change and not (isinstance(value, dict) and value.get("type") == "frame"):
        return "this is a request to change the data: return the whole new DataFrame"
    if not change and not chart and isinstance(value, dict) and value.get("type") == "frame":
        if len(value["rows"]) == rows and rows > 1 and len(value["columns"]) > 2:
            return "returned the whole table unchanged: return only the answer to the question"
    if chart and outcome.chart_png is None:
        return "a chart is wanted: return a Series of the values to draw (labels as index)"
    return None


def _per_row(value: Any, rows: int) -> bool:
    """A Series as long as the table: a column computed but never summed or grouped."""
    if not (isinstance(value, dict) and value.get("type") == "series") or rows < 3:
        return False
    index = value["index"]
    return len(index) == rows and all(isinstance(i, int) for i in index)


def _row_numbered(value: Any) -> bool:
    """A Series picked from rows (nlargest on a column): its labels are row numbers."""
    if not (isinstance(value, dict) and value.get("type") == "series"):
        return False
    index = value["index"]
    unnamed = "index_name" in value and value["index_name"] is None
    return unnamed and len(index) > 1 and all(isinstance(i, int) for i in index)


def _is_empty(value: Any) -> bool:
    if isinstance(value, dict) and value.get("type") == "series":
        return not value["values"]
    if isinstance(value, dict) and value.get("type") == "frame":
        return not value["rows"]
    if isinstance(value, list | str):
        return not value
    return False


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s,、]", "", text)


def states_value(sentence: str, shown_value: str) -> bool:
    """True when the sentence contains the shown value exactly (ignoring separators)."""
    if not sentence.strip() or not shown_value.strip():
        return False
    return _plain(shown_value) in _plain(sentence)


def agree(first: Any, second: Any) -> bool:
    """Whether two results (harness JSON) are the same value, ignoring float noise and the
    order of a table's rows or a series' labels."""
    return _canonical(first) == _canonical(second)


def _canonical(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return round(float(value), 6)
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, dict) and value.get("type") == "series":
        pairs = zip(value["index"], value["values"], strict=False)
        return ("series", sorted((str(i), repr(_canonical(v))) for i, v in pairs))
    if isinstance(value, dict) and value.get("type") == "frame":
        rows = sorted(repr([_canonical(v) for v in row]) for row in value["rows"])
        return ("frame", sorted(map(str, value["columns"])), rows)
    return repr(value)


def against_question(
    outcome: Outcome, *, question: str, columns: list[str], change: bool
) -> str | None:
    """What the result misses of what the question plainly asks, or None.

    These are the shape mistakes a small model makes most after the ones `problem`
    catches: one total when the question says "per month", a change that changed
    nothing (`fillna(inplace=True)` on a copy), a new table that silently lost the
    other columns, a new column under a name the person did not give.
    """
    value = outcome.value
    if not change:
        group = intent.grouped_by(question, columns)
        if group and not isinstance(value, dict | list):
            return (
                f"the question asks for one value per {group}, but the result is a single "
                f"value: group by {group} (groupby) and return a Series with one value for each"
            )
        names = value.get("index_names") or [] if isinstance(value, dict) else []
        if group in columns and group in names and len(names) > 1:
            return (
                f"the question asks for one value per {group}, but the result is grouped by "
                f"{names}: group by {group!r} alone"
            )
        return None
    if not (isinstance(value, dict) and value.get("type") == "frame"):
        return None
    if outcome.same_as_input:
        return (
            "the returned table is the same as the original: nothing was changed. Do not use "
            "inplace=True; assign the changed table (df = df....) and return it"
        )
    after = [str(c) for c in value["columns"]]
    if intent.keeps_columns(question):
        text = intent.normalized(question)
        lost = [c for c in columns if c not in after and intent.normalized(c) not in text]
        if lost:
            return (
                f"the new table lost the columns {lost}: return every column of the table "
                "with the change applied, not only the changed ones"
            )
    name = intent.new_column_name(question, columns)
    if name and name not in after:
        return f"name the new column {name!r}, exactly as the question writes it"
    return None


def one_value_wanted(outcome: Outcome, *, template: str | None) -> str | None:
    """An answer template ("answer as @product[name]") holds one value, not a list."""
    value = outcome.value
    if template is None:
        return None
    many = isinstance(value, list) and len(value) > 1
    if isinstance(value, dict):
        many = len(value.get("index") or value.get("rows") or []) > 1
    if not many:
        return None
    return (
        f"the answer must fill the template {template!r} with one value, but the result has "
        "several: return only the single value asked for (for example idxmax() for the largest)"
    )
