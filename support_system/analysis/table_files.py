"""Reading one file a person asks about (CSV or Excel workbook) into typed tables.

A CSV from Japanese Excel is usually cp932 (Shift_JIS plus 髙, ①, …); "CSV UTF-8" starts
with a BOM; other tools write plain UTF-8 and sometimes semicolons or tabs. The kind of
file is decided from its first bytes as well as its name, because people rename files:
an .xlsx saved as ".csv" is still read as a workbook, while an old .xls or a workbook
with an open password (both OLE2 containers, bytes D0 CF 11 E0) gets advice on what to
do in Excel. Cells are typed by `cells.clean_frame`.

Nothing is ever written: the file is opened for reading only. A file of CHUNK_BYTES or
more is read in chunks of CHUNK_ROWS rows so the page can show how far it got. Problems
are raised as `InvalidUpload` with a translated reason (`errors.upload.*`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from support_system.analysis.cells import clean_frame
from support_system.core.errors import InvalidUpload

CHUNK_BYTES = 100 * 1024 * 1024
"""Files at least this large are read in chunks, reporting progress after each one."""
CHUNK_ROWS = 200_000
MAX_BYTES = 2 * 1024 * 1024 * 1024
"""The largest CSV read: beyond it the table would not fit in memory on a usual PC."""
MAX_XLSX_BYTES = 200 * 1024 * 1024
"""Workbooks are compressed and parsed cell by cell: 200 MB already takes minutes."""
READ_SHARE = 0.6
"""The part of a CSV's progress bar for reading it; typing the cells takes the rest."""
SAMPLE_BYTES = 64 * 1024
"""The head of the file used to recognise its kind, encoding and delimiter."""

TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ""})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_OLE2 = b"\xd0\xcf\x11\xe0"
_ZIP = b"PK\x03\x04"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # a stream of an encrypted workbook
_DELIMITERS = ",;\t"
_SNIFF_LINES = 20

Progress = Callable[[float], None]
"""Called with the fraction of this file read so far (0.0 … 1.0)."""


@dataclass
class FileTables:
    """The tables of one file: one for a CSV, one per non-empty sheet of a workbook."""

    tables: list[tuple[str | None, pd.DataFrame]]  # (sheet name or None for a CSV, table)
    empty_sheets: list[str] = field(default_factory=list)
    is_workbook: bool = False


def fail(reason: str, path: Path, detail: str = "", **params: object) -> InvalidUpload:
    """The error for `reason` (a key under errors.upload), naming the file as the person does."""
    return InvalidUpload(
        detail or f"{path}: {reason}", reason=f"errors.upload.{reason}", file=path.name, **params
    )


def read_file(path: Path, progress: Progress) -> FileTables:
    """Every table in the file at `path`; raises InvalidUpload when it cannot be used."""
    try:
        if path.is_dir():
            raise fail("not_csv", path, f"{path}: is a folder")
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(SAMPLE_BYTES)
    except FileNotFoundError as exc:
        raise fail("not_found", path) from exc
    except OSError as exc:
        raise fail("not_found", path, f"{path}: {exc}") from exc
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES | XLSX_SUFFIXES | {".xls"}:
        raise fail("unsupported", path, suffix=suffix)
    if size == 0 or (size <= SAMPLE_BYTES and not head.strip(b" \t\r\n" + codecs.BOM_UTF8)):
        raise fail("empty", path)
    if head.startswith(_OLE2):
        encrypted = _ENCRYPTED in head or suffix in XLSX_SUFFIXES
        raise fail("encrypted" if encrypted else "old_excel", path)
    if head.startswith(_ZIP):
        return _read_workbook(path, size, progress)
    if suffix == ".xls":
        raise fail("old_excel", path)
    if suffix in XLSX_SUFFIXES:
        raise fail("corrupt", path, f"{path}: not a zip container")
    if size > MAX_BYTES:
        raise fail("too_large", path, megabytes=MAX_BYTES // (1024 * 1024))
    return FileTables([(None, _read_csv(path, size, head, progress))])


def _read_workbook(path: Path, size: int, progress: Progress) -> FileTables:
    """Every sheet as a table; sheets without data are listed in `empty_sheets`."""
    if size > MAX_XLSX_BYTES:
        raise fail("too_large", path, megabytes=MAX_XLSX_BYTES // (1024 * 1024))
    from openpyxl.utils.exceptions import InvalidFileException  # only needed for workbooks

    progress(0.0)
    sheets: list[tuple[str, pd.DataFrame]] = []
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            names = [str(name) for name in book.sheet_names]
            for name in names:
                sheets.append((name, pd.read_excel(book, sheet_name=name, dtype=object)))
                progress(0.9 * len(sheets) / len(names))  # typing the cells takes the rest
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, SyntaxError) as exc:
        # Not a workbook inside (a renamed .docx), a damaged zip, or broken XML in it.
        raise fail("corrupt", path, f"{path}: {type(exc).__name__}: {exc}") from exc
    result = FileTables([], is_workbook=True)
    for name, frame in sheets:
        frame = clean_frame(frame) if len(frame.columns) else frame
        if len(frame) and len(frame.columns):
            frame.attrs["source"] = str(path)
            result.tables.append((name, frame))
        else:
            result.empty_sheets.append(name)
    progress(1.0)
    if not result.tables:
        raise fail("empty", path, f"{path}: every sheet is empty")
    return result


def _read_csv(path: Path, size: int, head: bytes, progress: Progress) -> pd.DataFrame:
    """The table of a CSV, trying each plausible encoding until one reads the whole file.

    Which encoding is right is judged from the head; when a later part does not decode
    (a UTF-8-looking head, then a cp932 name further down) the next one is tried.
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)  # Excel's "Unicode text": tab-separated
    elif b"\x00" in head:
        raise fail("not_csv", path, f"{path}: binary data")
    elif head.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "cp932")
    for encoding in encodings:
        sample = _decode_head(head, encoding, whole=size <= len(head))
        if sample is None:
            continue
        try:
            frame = _parse(path, encoding, _delimiter(sample), size, progress)
        except UnicodeDecodeError:
            continue
        frame.attrs["encoding"] = encoding
        return frame
    raise fail("encoding", path, f"{path}: not {' or '.join(encodings)}")


def _decode_head(head: bytes, encoding: str, *, whole: bool) -> str | None:
    """The head as text, or None when it is not in `encoding` (a cut last character is fine)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        return decoder.decode(head, final=whole)
    except UnicodeDecodeError:
        return None


def _delimiter(sample: str) -> str:
    """Comma, semicolon or tab: csv.Sniffer's guess, checked against the header line."""
    lines = sample.splitlines()[:_SNIFF_LINES]
    header = lines[0] if lines else ""
    try:
        sniffed: str | None = csv.Sniffer().sniff("\n".join(lines), _DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    counts = {delimiter: header.count(delimiter) for delimiter in _DELIMITERS}
    if sniffed in counts and (counts[sniffed] or not any(counts.values())):
        return sniffed
    return max(_DELIMITERS, key=counts.__getitem__)  # ties and nothing found: the comma


def _parse(path: Path, encoding: str, sep: str, size: int, progress: Progress) -> pd.DataFrame:
    """Read the file once as text columns (in chunks when large), then type the cells."""
    progress(0.0)
    chunked = size >= CHUNK_BYTES
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as text:
        try:
            reader = pd.read_csv(
                text,
                sep=sep,
                dtype=str,
                skipinitialspace=True,
                chunksize=CHUNK_ROWS if chunked else None,
            )
            if isinstance(reader, pd.DataFrame):
                chunks = [reader]
            else:
                chunks = []
                with reader:
                    for chunk in reader:
                        chunks.append(chunk)
                        progress(READ_SHARE * min(raw.tell() / size, 1.0))
        except pd.errors.EmptyDataError as exc:
            raise fail("empty", path) from exc
        except pd.errors.ParserError as exc:
            line = re.search(r"line (\d+)", str(exc))
            raise fail(
                "bad_rows", path, f"{path}: {exc}", line=line.group(1) if line else "?"
            ) from exc
    if not all(isinstance(chunk.index, pd.RangeIndex) for chunk in chunks):
        # pandas silently makes the first column the index when the rows have one more
        # field than the header; every value would then sit under the wrong heading.
        raise fail("bad_rows", path, f"{path}: more fields than headers", line="2")
    frame = chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
    frame = clean_frame(frame, lambda done: progress(READ_SHARE + (1 - READ_SHARE) * done))
    if not len(frame):
        raise fail("no_rows", path)
    frame.attrs.update(source=str(path), delimiter=sep)
    progress(1.0)
    return frame
