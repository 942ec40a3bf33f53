"""The tables a person asks questions about ("Ask your data"), loaded from their files.

`load_tables` reads CSV files and Excel workbooks (see `table_files` for encodings,
delimiters and file kinds, and `cells` for "¥1,200" and "2024年1月5日") into `Tables`:
one table per CSV file or per workbook sheet, plus which one `df` means. A question
usually refers to "the data" as one table, so when several files share columns (orders
and a customer list sharing "顧客ID") they are joined into one, the way a person would
do it with VLOOKUP: every row of the biggest table kept, columns looked up from the
others by a key that is unique in them.

Follow-up questions reread nothing: each file's tables are kept in a small in-process
cache keyed by path, size and modification time, so an edited file is read again.
Tables handed out are shallow copies (pandas copy-on-write), so a program that changes
`df` cannot change what the next question sees.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from support_system.analysis.table_files import FileTables, fail, read_file

JOINED = "joined"
"""The name `Tables.main` takes when `df` is the joined table."""
CACHE_SIZE = 4
"""Files kept in memory for follow-up questions (a few: tables can be large)."""

ProgressCallback = Callable[[float, str], None]
"""Called with the fraction of all files read (0.0 … 1.0) and the file being read."""

_cache: OrderedDict[tuple[str, int, int], FileTables] = OrderedDict()
_cache_lock = threading.Lock()  # Streamlit serves each session from its own thread


@dataclass
class Tables:
    """The loaded tables, named as a program asking about them would refer to them."""

    frames: dict[str, pd.DataFrame]
    """One per CSV file (its stem) or workbook sheet ("book:2024", or "2024" for one file)."""
    main: str
    """The table `df` means: the only one, the chosen sheet, or JOINED."""
    sources: dict[str, str]
    """Table name → what the person calls it: "sales.csv" or "book.xlsx, sheet 2024"."""
    join_keys: list[str] = field(default_factory=list)
    """The columns the tables were joined on ([] when not joined)."""
    joined: pd.DataFrame | None = field(default=None, repr=False)
    workbook_sheets: list[str] = field(default_factory=list)
    """The sheets of a single workbook with several non-empty sheets (see `sheets`)."""

    @property
    def df(self) -> pd.DataFrame:
        """The table a question is about by default."""
        if self.main == JOINED and self.joined is not None:
            return self.joined
        return self.frames[self.main]

    def sheets(self) -> list[str]:
        """Sheet names when the input is one workbook with several sheets, else [].

        They are also the names of those tables in `frames`. The caller decides whether to
        ask the person which sheet a question is about.
        """
        return list(self.workbook_sheets)


def load_tables(
    paths: Sequence[Path | str],
    *,
    sheet: str | None = None,
    progress: ProgressCallback | None = None,
) -> Tables:
    """Read the files at `paths` into Tables; `sheet` chooses `main` by sheet or table name.

    With `sheet` given, `df` is that table and nothing is joined: the person chose it.

    Raises InvalidUpload (errors.upload.*) naming the file that cannot be used, or the
    sheet that does not exist (with the list of sheets). Files are only read, never written.
    """
    files = [Path(path) for path in paths]
    if not files:
        raise ValueError("load_tables needs at least one file")
    report = progress or (lambda fraction, label: None)
    weights = [_size(path) or 1 for path in files]
    total, done = sum(weights), 0
    read: list[tuple[Path, FileTables]] = []
    for path, weight in zip(files, weights, strict=True):

        def file_progress(
            fraction: float, path: Path = path, start: int = done, weight: int = weight
        ) -> None:
            report((start + fraction * weight) / total, path.name)

        read.append((path, _read_cached(path, file_progress)))
        done += weight

    frames, sources, sheet_names = _name_tables(read)
    workbook_sheets = [s for s in sheet_names.values() if s is not None]
    if len(read) > 1 or len(workbook_sheets) < 2:
        workbook_sheets = []
    if sheet is not None:
        main = _chosen(sheet, read, frames, sheet_names)
        return Tables(frames, main, sources, workbook_sheets=workbook_sheets)
    first = next(iter(frames))
    joined, keys = _join(frames) if len(read) > 1 else (None, [])
    if joined is not None:
        return Tables(frames, JOINED, sources, keys, joined)
    return Tables(frames, first, sources, workbook_sheets=workbook_sheets)


def clear_cache() -> None:
    """Forget every cached file (the next question reads its files again)."""
    with _cache_lock:
        _cache.clear()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # read_file explains the problem


def _read_cached(path: Path, progress: Callable[[float], None]) -> FileTables:
    """The file's tables from the cache when it has not changed since, else read them."""
    try:
        stat = path.stat()
    except OSError:
        return read_file(path, progress)  # which explains the problem to the person
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
    if hit is not None:
        progress(1.0)
        return hit
    contents = read_file(path, progress)
    with _cache_lock:
        _cache[key] = contents
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return contents


def _name_tables(
    read: list[tuple[Path, FileTables]],
) -> tuple[dict[str, pd.DataFrame], dict[str, str], dict[str, str | None]]:
    """Tables, sources and sheet names, by table name.

    Names are unique ("sales (2)" for a second sales.csv) and, when there are several
    files and so maybe a join, never JOINED.
    """
    frames: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    sheet_names: dict[str, str | None] = {}
    for path, contents in read:
        for sheet, frame in contents.tables:
            if sheet is None:
                base, source = path.stem, path.name
            else:
                base = sheet if len(read) == 1 else f"{path.stem}:{sheet}"
                source = f"{path.name}, sheet {sheet}"
            name, n = base, 1
            while name in frames or (name == JOINED and len(read) > 1):
                n += 1
                name = f"{base} ({n})"
            frames[name] = frame.copy(deep=False)  # copy-on-write: the cache stays as read
            sources[name] = source
            sheet_names[name] = sheet
    return frames, sources, sheet_names


def _chosen(
    sheet: str,
    read: list[tuple[Path, FileTables]],
    frames: dict[str, pd.DataFrame],
    sheet_names: dict[str, str | None],
) -> str:
    """The table named by `sheet` (a sheet name or a table name)."""
    for wanted in (sheet, sheet.strip()):
        if wanted in frames:
            return wanted
        matches = [name for name, known in sheet_names.items() if known == wanted]
        if len(matches) == 1:
            return matches[0]
    path = read[0][0]
    for file, contents in read:
        if sheet.strip() in contents.empty_sheets:
            raise fail("sheet_empty", file, sheet=sheet)
        if contents.is_workbook:
            path = file
    known = [s for s in sheet_names.values() if s is not None] or list(frames)
    listed = {"ja": "、".join(f"「{s}」" for s in known), "en": ", ".join(f'"{s}"' for s in known)}
    raise fail("sheet_not_found", path, f"{path}: no sheet {sheet!r}", sheet=sheet, sheets=listed)


def _join(frames: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame | None, list[str]]:
    """The biggest table with the others' columns looked up by shared key columns.

    A table is joined only when the columns it shares with the biggest table identify
    its rows uniquely (else one row would become several and totals would be wrong),
    when the key types agree (numbers with numbers), and when it adds columns.
    Returns (None, []) when no table could be joined.
    """
    base_name = max(frames, key=lambda name: len(frames[name]))  # the first, on a tie
    joined = base = frames[base_name]
    keys_used: list[str] = []
    for name, other in frames.items():
        keys = [column for column in base.columns if column in other.columns]
        if name == base_name or not keys or len(keys) == len(other.columns):
            continue
        if not all(_same_kind(base[key], other[key]) for key in keys):
            continue
        lookup = other.dropna(subset=keys)
        if lookup.duplicated(subset=keys).any():
            continue
        joined = joined.merge(lookup, on=keys, how="left", suffixes=("", f" ({name})"))
        keys_used += [key for key in keys if key not in keys_used]
    if not keys_used:
        return None, []
    joined.attrs = {"source": JOINED, "units": _units(frames)}
    return joined, keys_used


def _same_kind(left: pd.Series, right: pd.Series) -> bool:
    def kind(column: pd.Series) -> str:
        if pd.api.types.is_datetime64_any_dtype(column):
            return "date"
        return "number" if pd.api.types.is_numeric_dtype(column) else "text"

    return kind(left) == kind(right)


def _units(frames: dict[str, pd.DataFrame]) -> dict[str, str]:
    units: dict[str, str] = {}
    for frame in frames.values():
        for column, unit in frame.attrs.get("units", {}).items():
            units.setdefault(column, unit)
    return units
