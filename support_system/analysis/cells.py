"""What the text in a cell means: a number, a date, or just text.

People type numbers the way they read them: "1,200", "¥1,200", "1,200円", "１，２００"
(full-width, from a Japanese input method), "－５", "12%"; and dates as "2024-01-05",
"2024/1/5" or "2024年1月5日". Read naively, all of these are text, so "total sales"
would fail (or glue strings together). Every column is therefore read as text and
converted here, and only when *every* filled cell fits one pattern: a half-converted
column would silently turn the odd cell into a missing value. Codes with leading zeros
(postal codes, phone numbers, "007") stay text, because they are names, not quantities.

The unit a number column was written with ("¥", "$", "€", "%") is kept in
`frame.attrs["units"]`, so an answer can say "¥12,000" rather than "12000". A
percentage keeps the number as written ("12%" → 12.0), as the person reads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime

import numpy as np
import pandas as pd

# Full-width ASCII (U+FF01-FF5E) → ASCII, the ideographic space → a space, and the
# other characters used for yen and minus. In Shift_JIS files the yen sign is byte 0x5C,
# which Python's cp932 decodes as a backslash, so "\1,200" is a yen amount too.
_NARROW = str.maketrans(
    {
        **{chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)},
        "\u3000": " ",
        "\uffe5": "¥",
        "\\": "¥",
        "\u2212": "-",  # minus sign
        "\u2010": "-",  # hyphen
        "\u2013": "-",  # en dash
        "△": "-",  # Japanese accounting for a negative amount
        "▲": "-",  # likewise
    }
)

# Written for pyarrow's RE2 (so a million cells take milliseconds): " *" rather than
# "\s*", which would make pandas fall back to Python's `re`, cell by cell.
_NUMBER = (
    r"(?P<sign>[-+])? *(?P<currency>[¥$€])? *(?P<sign2>[-+])?"
    r"(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)? *(?P<unit>円|%)?"
)
_LEADING_ZERO = r"[-+]? *[¥$€]? *[-+]?0[0-9]"
_DAY = r"([0-9]{4})(?:[-/.]|年 *)([0-9]{1,2})(?:[-/.]|月 *)([0-9]{1,2})日?"
_DATE = _DAY + r"(?:(?: +|T)[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
_UNITS = {"¥": "[¥円]", "$": r"\$", "€": "€", "%": "%"}
_PROBE = 1000  # cells tried first, so a column of names is rejected without a full pass


def clean_headers(names: Iterable[object]) -> list[str]:
    """Header names as text without surrounding spaces (full-width too), kept unique.

    Excel headers may be numbers (2023, 2024); a trailing space makes "売上 " differ from
    "売上" in a question. Otherwise they stay as written ("売上（円）" keeps its brackets).
    A name that becomes a duplicate gets ".1", as pandas does.
    """
    cleaned: list[str] = []
    for name in names:
        text = str(name).strip()  # str.strip() removes full-width spaces too
        unique, n = text, 0
        while unique in cleaned:
            n += 1
            unique = f"{text}.{n}"
        cleaned.append(unique)
    return cleaned


def clean_frame(
    frame: pd.DataFrame, progress: Callable[[float], None] | None = None
) -> pd.DataFrame:
    """Headers cleaned, blank rows and blank unnamed columns dropped, cells typed.

    Works on text columns (from a CSV) and on mixed object columns (from Excel, where a
    column can hold numbers and text typed as "１，２００"); numeric and datetime
    columns are kept as they are. `progress` gets the fraction of columns done: on a
    large file typing the cells takes about as long as reading them.
    """
    frame = frame.copy()
    frame.columns = pd.Index(clean_headers(frame.columns), dtype=object)
    units: dict[str, str] = {}
    for number, name in enumerate(frame.columns, start=1):
        if progress:
            progress((number - 1) / len(frame.columns))
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
            continue
        typed, unit = convert(_as_text(column))
        frame[name] = typed
        if unit:
            units[name] = unit
    frame = frame.dropna(how="all")
    blank = [name for name in frame.columns if name.startswith("Unnamed:")]
    frame = frame.drop(columns=[name for name in blank if frame[name].isna().all()])
    frame.attrs["units"] = units
    return frame.reset_index(drop=True)


def convert(column: pd.Series) -> tuple[pd.Series, str]:
    """The column as numbers, dates or (stripped) text, and the unit of a number column.

    `column` holds text or missing values. Blank cells (spaces only) become missing.
    """
    text = column.str.strip()
    text = text.where(text != "")
    filled = text.dropna()
    if filled.empty:
        return text, ""
    probe = [cell.translate(_NARROW).strip() for cell in filled.iloc[:_PROBE]]
    if not any(all(re.fullmatch(p, cell) for cell in probe) for p in (_NUMBER, _DATE)):
        return text, ""
    narrow = _narrow(filled)
    numbers = _numbers(narrow)
    if numbers is not None:
        return numbers.reindex(text.index), _unit(narrow)
    dates = _dates(narrow)
    if dates is not None:
        return dates.reindex(text.index), ""
    return text, ""


def _narrow(cells: pd.Series) -> pd.Series:
    """Full-width digits and signs as ASCII; only cells that have any are translated."""
    wide = ~cells.str.isascii() | cells.str.contains("\\", regex=False)
    if not wide.any():
        return cells
    cells = cells.copy()
    cells[wide] = cells[wide].str.translate(_NARROW).str.strip()
    return cells


def _numbers(cells: pd.Series) -> pd.Series | None:
    """Numbers when every cell is one and none is a code with a leading zero, else None."""
    if not cells.str.fullmatch(_NUMBER).all() or cells.str.match(_LEADING_ZERO).any():
        return None
    if len([unit for unit, pattern in _UNITS.items() if cells.str.contains(pattern).any()]) > 1:
        return None  # "¥100" beside "$3" or "5%": adding them up would be meaningless
    digits = cells.str.replace(r"[^0-9.+-]", "", regex=True)
    if digits.str.contains(r"[-+].*[-+]").any():
        return None  # "-¥-5"
    values = pd.to_numeric(digits, errors="coerce")
    return None if values.isna().any() else values


def _unit(cells: pd.Series) -> str:
    return next((unit for unit, pattern in _UNITS.items() if cells.str.contains(pattern).any()), "")


def _dates(cells: pd.Series) -> pd.Series | None:
    """Datetimes when every cell is a real date (2024-02-30 is not), else None."""
    if not cells.str.fullmatch(_DATE).all():
        return None
    iso = cells.str.replace("^" + _DAY, r"\1-\2-\3", regex=True)  # 2024-1-5, 9:30 kept
    values = pd.to_datetime(iso, format="ISO8601", errors="coerce")
    return None if values.isna().any() else values


def _as_text(column: pd.Series) -> pd.Series:
    """A column as text, so Excel's mixed cells (1200 beside "１，２００") are judged alike."""
    if isinstance(column.dtype, pd.StringDtype):
        return column
    return column.map(_cell_text, na_action="ignore").astype("str")


def _cell_text(cell: object) -> str:
    if isinstance(cell, float):
        return np.format_float_positional(cell, trim="-")
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    return str(cell)
