"""Reading the CSV files people bring, the way Excel in Japan writes them.

A Japanese Excel "CSV" is usually Shift_JIS (really cp932, which adds NEC/IBM
characters such as 髙 and ①); "CSV UTF-8" starts with a BOM; other tools write plain
UTF-8. We try UTF-8 (with or without BOM) first because valid UTF-8 is almost never
valid-but-wrong cp932, then cp932. Headers are kept as written (Japanese included),
quoted fields may contain commas, empty cells stay as missing values (NaN), and
columns of numbers (also "1,200") become numeric, while codes with leading zeros
(postal codes, phone numbers) stay text.

Problems are raised as `InvalidUpload` with a specific, translated reason (empty file,
not a CSV, unknown encoding, …) because the person who sees them cannot read a
pandas traceback.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import pandas as pd

from support_system.core.errors import InvalidUpload

ENCODINGS = ("utf-8-sig", "utf-8", "cp932")
"""Tried in this order; the one that worked is in `DataFrame.attrs["encoding"]`."""

MAX_BYTES = 50 * 1024 * 1024
_SNIFF_BYTES = 8192
_NUMBER = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_LEADING_ZERO = re.compile(r"^[-+]?0\d")


def _fail(reason: str, path: Path, detail: str = "", **params: object) -> InvalidUpload:
    return InvalidUpload(
        detail or f"{path}: {reason}", reason=f"errors.upload.{reason}", file=path.name, **params
    )


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    """The text and the encoding that decoded it (see ENCODINGS)."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    else:
        candidates = tuple(e for e in ENCODINGS if e != "utf-8-sig")
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise _fail("encoding", path, f"{path}: not UTF-8 or cp932")


def _looks_binary(data: bytes) -> bool:
    return b"\x00" in data[:_SNIFF_BYTES]


def _separator(text: str) -> str:
    """Comma, unless the header line is clearly tab-separated (a TSV saved as .csv)."""
    header = text.split("\n", 1)[0]
    return "\t" if "\t" in header and "," not in header else ","


def _numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn columns that hold only numbers ("980", "1,200", "-3.5") into numeric columns.

    Everything is read as text first and converted here, because pandas' own inference
    would drop leading zeros from postal codes and phone numbers ("0600001" → 600001)
    and its `thousands=","` would turn a text cell such as "3,5" into 35. A column is
    converted only when every filled cell is a well-formed number without a leading zero.
    """
    for name in frame.columns:
        filled = frame[name].dropna().astype(str).str.strip()
        if filled.empty:
            continue
        if filled.map(
            lambda cell: bool(_NUMBER.match(cell)) and not _LEADING_ZERO.match(cell)
        ).all():
            frame[name] = pd.to_numeric(
                frame[name].str.replace(",", "", regex=False).str.strip(), errors="coerce"
            )
    return frame


def read_table(path: Path | str) -> pd.DataFrame:
    """Read a CSV file into a DataFrame; `attrs["encoding"]` tells which encoding worked.

    Raises InvalidUpload (reasons: not_found, too_large, empty, no_rows, not_csv, excel,
    encoding, bad_rows) with the file name, for the person to act on.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _fail("too_large", path, megabytes=MAX_BYTES // (1024 * 1024))
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise _fail("not_found", path) from exc
    except IsADirectoryError as exc:
        raise _fail("not_csv", path, f"{path}: is a folder") from exc
    except OSError as exc:
        raise _fail("not_found", path, f"{path}: {exc}") from exc
    if not data.strip(b" \t\r\n" + codecs.BOM_UTF8):
        raise _fail("empty", path)
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _fail("excel", path, f"{path}: a spreadsheet (xlsx/xls), not CSV text")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: clear advice beats guessing a third encoding.
        raise _fail("encoding", path, f"{path}: UTF-16 text")
    if _looks_binary(data):
        raise _fail("not_csv", path, f"{path}: binary data")
    text, encoding = _decode(data, path)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=_separator(text),
            dtype=str,
            skipinitialspace=True,
            quoting=csv.QUOTE_MINIMAL,
        )
    except pd.errors.EmptyDataError as exc:
        raise _fail("empty", path) from exc
    except pd.errors.ParserError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise _fail(
            "bad_rows", path, f"{path}: {exc}", line=line.group(1) if line else "?"
        ) from exc
    frame.columns = [str(name).strip() for name in frame.columns]
    if len(frame) == 0:
        raise _fail("no_rows", path)
    frame = _numbers(frame)
    frame.attrs["encoding"] = encoding
    frame.attrs["source"] = str(path)
    return frame


def columns(path: Path | str) -> list[str]:
    """The column names (header row) of a CSV file, as read by `read_table`."""
    return [str(name) for name in read_table(path).columns]


def is_numeric_column(frame: pd.DataFrame, name: str) -> bool:
    """True when the column holds numbers (at least one), so it can be summed or plotted."""
    column = frame[name]
    return (
        pd.api.types.is_numeric_dtype(column)
        and not pd.api.types.is_bool_dtype(column)
        and column.notna().any()
    )
