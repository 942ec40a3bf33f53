"""Whether a computed answer is the reference answer: the grader of the evaluation set.

Lenient about form, strict about content (the rules are in `analysis.evaluation`'s
docstring, next to the shapes of the values it grades). Kept apart from the question
set so that the rules can be read, and changed, on their own.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Protocol

import numpy as np
import pandas as pd

REL_TOLERANCE = 1e-4
ABS_TOLERANCE = 0.006  # half a cent/sen: a value shown with two decimals is still right


class GradedQuestion(Protocol):
    """What the grader reads of a question (`analysis.evaluation.Question` has it)."""

    kind: str
    ordered: bool
    decimals: int | None
    template: str | None


def from_json_value(obj: Any) -> Any:
    """The Series/DataFrame/scalar behind a JSON value (see `analysis.evaluation`)."""
    if isinstance(obj, dict) and obj.get("type") == "series":
        index = [tuple(i) if isinstance(i, list) else i for i in obj.get("index", [])]
        labels = (
            pd.MultiIndex.from_tuples(index) if index and isinstance(index[0], tuple) else index
        )
        return pd.Series(list(obj.get("values", [])), index=labels, name=obj.get("name"))
    if isinstance(obj, dict) and obj.get("type") == "frame":
        return pd.DataFrame([list(r) for r in obj.get("rows", [])], columns=obj.get("columns"))
    if isinstance(obj, list):
        return [from_json_value(item) for item in obj]
    if isinstance(obj, dict):
        return {key: from_json_value(value) for key, value in obj.items()}
    return obj


def same_answer(expected: object, got: object, q: GradedQuestion) -> bool:
    """Whether `got` is the answer `expected` is, under the rules of the module docstring."""
    return _Grader(q).same(_plain(expected), _plain(got))


class _Grader:
    """The comparison rules, with the question's own settings (order, decimals, template)."""

    def __init__(self, q: GradedQuestion) -> None:
        self.q = q
        self.decimals = q.decimals

    def same(self, expected: Any, got: Any) -> bool:
        if self.q.template and isinstance(got, str):
            inner = template_value(self.q.template, got)
            got = inner if inner is not None else got
        if isinstance(expected, pd.DataFrame):
            return self._frame(expected, got)
        if isinstance(expected, pd.Series):
            return self._series(expected, got)
        if isinstance(expected, list):
            return self._list(expected, got)
        return self._scalar_answer(expected, got)

    # scalars ----------------------------------------------------------------------------

    def _scalar_answer(self, expected: Any, got: Any) -> bool:
        """A scalar reference against whatever came back, unwrapping one-element answers."""
        if isinstance(got, pd.DataFrame):
            frame = _flat(_drop_stray_index(got, set()))
            if frame.shape == (1, 1):
                return self.scalar(expected, frame.iat[0, 0])
            if frame.shape == (1, 2):
                return self._one_pair(expected, frame.iat[0, 0], frame.iat[0, 1])
            return False
        if isinstance(got, pd.Series):
            return len(got) == 1 and self._one_pair(expected, got.index[0], got.iloc[0])
        if isinstance(got, list):
            if len(got) == 1:
                return self._scalar_answer(expected, got[0])
            return False
        return self.scalar(expected, got)

    def _one_pair(self, expected: Any, label: Any, value: Any) -> bool:
        """A one-entry label -> value answer: right if its value is, or (for a name or date
        asked for, as in "which month…") its label is."""
        if self.scalar(expected, value):
            return True
        return not _is_number(expected) and self.scalar(expected, label)

    def scalar(self, expected: Any, got: Any) -> bool:
        """Two cells/scalars: numbers within tolerance, text normalised, dates as dates."""
        expected, got = _unwrap(expected), _unwrap(got)
        if _missing(expected) or _missing(got):
            return _missing(expected) and _missing(got)
        if isinstance(expected, bool):
            flag = _as_bool(got)
            return flag is not None and flag == expected
        if _is_number(expected):
            number = _as_number(got)
            return number is not None and self._close(float(expected), number)
        if isinstance(expected, pd.Period):
            month = _month_number(got) if expected.freqstr == "M" else None
            if month is not None:  # "which month?" → 6 or "6月", within one year's data
                return month == expected.month
            period = _as_period(got, expected.freqstr)
            return period is not None and period == expected
        if isinstance(expected, dt.date):  # also datetime and pd.Timestamp
            day = _as_date(got)
            return day is not None and day == _as_date(expected)
        if isinstance(expected, str):
            if isinstance(got, str) and _norm(expected) == _norm(got):
                return True
            if _MONTH_TEXT.match(_norm(expected)):  # "2024-03" is a month, however written
                return self.scalar(_as_period(expected, "M"), got)
            if _as_date(expected) is not None:
                return self.scalar(_as_date(expected), got)
            if _is_number(got):
                number = _as_number(expected)
                return number is not None and self._close(number, float(got))
            if isinstance(got, dt.date | pd.Period):
                return self.scalar(got, expected)
            return False
        return _norm(str(expected)) == _norm(str(got))

    def _close(self, expected: float, got: float) -> bool:
        """Equal after rounding to the decimals asked for; else two whole numbers (counts,
        yen sums) exactly, since a relative tolerance would pass a sum missing one 50-yen
        row; else within the tolerances, for what floating point makes of the rest."""
        if self.decimals is not None:
            return bool(_roundings(expected, self.decimals) & _roundings(got, self.decimals))
        if expected.is_integer() and got.is_integer():
            return expected == got
        return math.isclose(expected, got, rel_tol=REL_TOLERANCE, abs_tol=ABS_TOLERANCE)

    def _rows_same(self, a: Sequence[Any], b: Sequence[Any]) -> bool:
        return len(a) == len(b) and all(self.scalar(x, y) for x, y in zip(a, b, strict=True))

    # lists ------------------------------------------------------------------------------

    def _list(self, expected: list[Any], got: Any) -> bool:
        if isinstance(got, pd.Series):
            return self._list(expected, list(got.index)) or self._list(expected, list(got))
        if isinstance(got, pd.DataFrame):
            frame = _flat(_drop_stray_index(got, set()))
            return any(self._list(expected, list(frame.iloc[:, i])) for i in range(frame.shape[1]))
        if not isinstance(got, list):
            return len(expected) == 1 and self.scalar(expected[0], got)
        if len(expected) != len(got):
            return False
        items_e = [(e,) for e in expected]
        items_g = [(g,) for g in got]
        if self.q.ordered:
            return all(self._rows_same(e, g) for e, g in zip(items_e, items_g, strict=True))
        return _match_unordered(items_e, items_g, self._rows_same)

    # series -----------------------------------------------------------------------------

    def _series(self, expected: pd.Series, got: Any) -> bool:
        pairs_e = list(zip(expected.index, expected.tolist(), strict=True))
        pairs_g = _pairs(got)
        if pairs_g is None:
            if isinstance(got, list) and len(got) == len(expected):
                return self._list(list(expected.index), got)  # the labels asked for
            return len(expected) == 1 and self._scalar_answer(expected.iloc[0], got)
        if len(pairs_e) != len(pairs_g):
            return False
        if self.q.ordered:
            return self._ordered_pairs(pairs_e, pairs_g)
        return _match_unordered(pairs_e, pairs_g, self._pair_same)

    def _pair_same(self, a: Sequence[Any], b: Sequence[Any]) -> bool:
        return self._label(a[0], b[0]) and self.scalar(a[1], b[1])

    def _label(self, expected: Any, got: Any) -> bool:
        if isinstance(expected, tuple) or isinstance(got, tuple):
            e = expected if isinstance(expected, tuple) else (expected,)
            g = got if isinstance(got, tuple) else (got,)
            return self._rows_same(e, g)
        return self.scalar(expected, got)

    def _ordered_pairs(self, pairs_e: list[Any], pairs_g: list[Any]) -> bool:
        """Pairs in order, except that entries tied on their value may come in any order
        (a ranking does not say which of two equal counts comes first)."""
        start = 0
        while start < len(pairs_e):
            end = start + 1
            while end < len(pairs_e) and self.scalar(pairs_e[start][1], pairs_e[end][1]):
                end += 1
            if not _match_unordered(pairs_e[start:end], pairs_g[start:end], self._pair_same):
                return False
            start = end
        return True

    # frames -----------------------------------------------------------------------------

    def _frame(self, expected: pd.DataFrame, got: Any) -> bool:
        expected = _flat(expected)
        if not isinstance(got, pd.DataFrame):
            if expected.shape[1] == 2 and _pairs(got) is not None:
                pairs = expected.set_index(expected.columns[0]).iloc[:, 0]
                return self._series(pairs, got)
            if expected.shape == (1, 1):
                return self._scalar_answer(expected.iat[0, 0], got)
            if expected.shape[1] == 1 and isinstance(got, list):
                return self._list(list(expected.iloc[:, 0]), got)
            return False
        got = _flat(_drop_stray_index(got, {_norm(str(c)) for c in expected.columns}))
        if len(expected) != len(got):
            return False
        order = self._column_order(expected, got)
        if order is None:
            return False
        rows_e = list(expected.itertuples(index=False, name=None))
        rows_g = [tuple(row[i] for i in order) for row in got.itertuples(index=False, name=None)]
        if self.q.ordered:
            return all(self._rows_same(e, g) for e, g in zip(rows_e, rows_g, strict=True))
        return _match_unordered(rows_e, rows_g, self._rows_same)

    def _column_order(self, expected: pd.DataFrame, got: pd.DataFrame) -> list[int] | None:
        """Position in `got` of each expected column: by normalised name; for a question
        that is not a transformation also by position, since there the names are ours."""
        names_e = [_norm(str(c)) for c in expected.columns]
        names_g = [_norm(str(c)) for c in got.columns]
        if sorted(names_e) == sorted(names_g) and len(set(names_g)) == len(names_g):
            return [names_g.index(name) for name in names_e]
        if self.q.kind != "transform" and len(names_e) == len(names_g):
            return list(range(len(names_e)))
        return None


# --- helpers -----------------------------------------------------------------------------

_NUMBER_TEXT = re.compile(
    r"^[¥$]?\s*([-+]?\d+(?:\.\d+)?)\s*(?:円|%|件|人|個|回|点|名|本|日|days?|yen)?$", re.I
)
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?"
    r"(?:[T ](\d{1,2}:\d{2}(?::\d{2})?))?$"
)
_MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/年.]\s*(\d{1,2})\s*月?$")
_TRUE = {"true", "yes", "y", "はい", "○", "1"}
_FALSE = {"false", "no", "n", "いいえ", "×", "0"}


def _plain(value: Any) -> Any:
    """Python/JSON value -> DataFrame, Series, list or scalar (the forms the grader knows)."""
    if isinstance(value, dict) and value.get("type") in ("series", "frame"):
        return from_json_value(value)
    if isinstance(value, dict):
        return pd.Series(list(value.values()), index=list(value.keys()), dtype=object)
    if isinstance(value, pd.Index | np.ndarray | tuple | set | frozenset):
        value = list(value)
    if isinstance(value, list):
        if value and all(isinstance(v, dict) and "type" not in v for v in value):
            return pd.DataFrame(value)  # a list of row dicts
        return [_plain(v) if isinstance(v, dict) else v for v in value]
    return _unwrap(value)


def _unwrap(value: Any) -> Any:
    """A numpy scalar as the Python/pandas scalar it stands for."""
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value)
    if isinstance(value, np.timedelta64):
        return pd.Timedelta(value)
    return value.item() if isinstance(value, np.generic) else value


def _is_number(value: Any) -> bool:
    value = _unwrap(value)
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    return False


def _norm(text: str) -> str:
    """NFKC (full-width → half-width), trimmed, one space between words, case-folded."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _as_number(value: Any) -> float | None:
    value = _unwrap(value)
    if _is_number(value):
        return float(value)
    if isinstance(value, pd.Timedelta | dt.timedelta):
        return pd.Timedelta(value).total_seconds() / 86400
    if not isinstance(value, str):
        return None
    text = _norm(value).replace(",", "").replace(" ", "")
    days = re.match(r"^(-?\d+)days?(?:\d{2}:\d{2}:\d{2})?$", text)
    if days:
        return float(days.group(1))
    match = _NUMBER_TEXT.match(text)
    return float(match.group(1)) if match else None


def _as_bool(value: Any) -> bool | None:
    value = _unwrap(value)
    if isinstance(value, bool):
        return value
    if _is_number(value) and float(value) in (0.0, 1.0):
        return bool(value)
    if isinstance(value, str):
        text = _norm(value)
        return True if text in _TRUE else False if text in _FALSE else None
    return None


def _as_date(value: Any) -> dt.date | None:
    value = _unwrap(value)
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        match = _DATE_TEXT.match(_norm(value).upper())
        if match:
            try:
                return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                return None
    return None


def _as_period(value: Any, freq: str) -> pd.Period | None:
    value = _unwrap(value)
    if isinstance(value, pd.Period):
        return value.asfreq(freq) if value.freqstr != freq else value
    day = _as_date(value)
    if day is not None:
        return pd.Period(day, freq=freq)
    if isinstance(value, str):
        text = _norm(value)
        month = _MONTH_TEXT.match(text)
        try:
            if month:
                return pd.Period(f"{month.group(1)}-{int(month.group(2)):02d}", freq=freq)
            return pd.Period(text, freq=freq)
        except (ValueError, TypeError):
            return None
    return None


def _month_number(value: Any) -> int | None:
    """A month given as just its number: 6, "6", "6月"."""
    value = _unwrap(value)
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{1,2})\s*月?", _norm(value))
        value = int(match.group(1)) if match else None
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 12:
        return value
    return None


def _roundings(number: float, decimals: int) -> set[float]:
    """`number` rounded to `decimals` both half-up (as people round) and as Python does,
    so a reference rounded one way still equals an answer rounded the other way."""
    results = {round(number, decimals) + 0.0}
    try:
        step = Decimal(1).scaleb(-decimals)
        results.add(float(Decimal(repr(number)).quantize(step, rounding=ROUND_HALF_UP)))
    except InvalidOperation:
        pass
    return results


def _pairs(value: Any) -> list[tuple[Any, Any]] | None:
    """A label -> value answer as (label, value) pairs, or None when it is not one."""
    if isinstance(value, pd.Series):
        return list(zip(value.index, value.tolist(), strict=True))
    if isinstance(value, pd.DataFrame):
        frame = _flat(_drop_stray_index(value, set()))
        if frame.shape[1] != 2:
            return None
        return list(zip(frame.iloc[:, 0], frame.iloc[:, 1], strict=True))
    if (
        isinstance(value, list)
        and value
        and all(isinstance(item, list | tuple) and len(item) == 2 for item in value)
    ):
        return [(item[0], item[1]) for item in value]
    return None


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """Index and column levels as plain columns: a named or non-integer index is data
    (a groupby key), an unnamed integer index (left by a filter) is not."""
    if isinstance(frame.columns, pd.MultiIndex):
        frame = frame.copy()
        frame.columns = [" ".join(str(p) for p in c if str(p)) for c in frame.columns]
    index = frame.index
    named = any(name is not None for name in index.names)
    if named or not pd.api.types.is_integer_dtype(index.dtype):
        if not (isinstance(index, pd.RangeIndex) or len(frame) == 0):
            return frame.reset_index()
    return frame.reset_index(drop=True)


def _drop_stray_index(frame: pd.DataFrame, wanted: set[str]) -> pd.DataFrame:
    """Drop the "index"/"level_0" column a reset_index() of a filtered frame leaves behind
    (the harness does that), unless the reference has such a column itself."""
    stray = [c for c in frame.columns if str(c) in ("index", "level_0") and str(c) not in wanted]
    return frame.drop(columns=stray) if stray else frame


def _sort_key(row: Sequence[Any]) -> tuple[Any, ...]:
    """A key under which equal rows (by the grader's rules) usually sort to the same place."""
    key: list[tuple[int, Any]] = []
    for cell in row:
        cell = _unwrap(cell)
        if isinstance(cell, tuple):
            key.append((5, str(_sort_key(cell))))
        elif _missing(cell):
            key.append((0, ""))
        elif isinstance(cell, bool):
            key.append((1, float(cell)))
        elif _is_number(cell) or (isinstance(cell, str) and _as_number(cell) is not None):
            key.append((1, round(float(_as_number(cell) or 0.0), 2)))
        elif _as_date(cell) is not None:
            key.append((2, str(_as_date(cell))))
        else:
            key.append((3, _norm(str(cell))))
    return tuple(key)


def _match_unordered(expected: list[Any], got: list[Any], same: Callable[[Any, Any], bool]) -> bool:
    """Whether the items match one to one in some order: sorted first (fast), else greedily."""
    if len(expected) != len(got):
        return False
    by_key_e = sorted(expected, key=_sort_key)
    by_key_g = sorted(got, key=_sort_key)
    if all(same(e, g) for e, g in zip(by_key_e, by_key_g, strict=True)):
        return True
    free = list(range(len(got)))
    for item in by_key_e:
        match = next((i for i in free if same(item, by_key_g[i])), None)
        if match is None:
            return False
        free.remove(match)
    return True


def template_value(template: str, text: str) -> str | None:
    """The {value} part of `text` when it has the template's form ("@product[Mug]" → "Mug")."""
    before, _, after = template.partition("{value}")
    match = re.fullmatch(re.escape(before) + r"\s*(.*?)\s*" + re.escape(after), text.strip())
    return match.group(1) if match else None
