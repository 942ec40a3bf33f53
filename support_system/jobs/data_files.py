"""The tables a person asks questions about: where they are kept and where they come from.

The "Ask your data" page (and Home, which hands a file over to it) needs three small
things that must not wait for pandas or a model, so they live here rather than in
`support_system.analysis`:

* `save_table` keeps an uploaded CSV or Excel file under
  `<state_dir>/analysis/uploads/<user id>/`, so a page rerun, a reload or a follow-up
  question never loses it (the same content under the same name is stored once);
* `known_tables` lists the CSV and Excel files the person already has here: in their
  projects (what they uploaded to a wizard, tables a data job made) and what they
  uploaded earlier to ask about, so a reload or another day needs no new upload;
* `sounds_like_data_question` tells whether a request reads like a question about a
  table ("何月が一番売れた？", "total sales per store"), so Home can offer the page.

Reading the files is the analysis service's job: an empty or broken file is accepted
here and explained, in the person's language, when a question is asked about it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from support_system.core.errors import InvalidUpload
from support_system.core.settings import get_settings
from support_system.jobs import workspace

TABLE_TYPES = (".csv", ".xlsx")
"""The kinds of file questions can be asked about (the uploaders offer only these)."""


def is_table_file(name: str | Path) -> bool:
    """Whether `name` is a CSV or Excel workbook, by its extension."""
    return Path(str(name)).suffix.lower() in TABLE_TYPES


def uploads_dir(user_id: int) -> Path:
    """`<state_dir>/analysis/uploads/<user id>`: the tables a person gave to ask about."""
    return get_settings().state_dir / "analysis" / "uploads" / str(user_id)


def save_table(user_id: int, filename: str, data: bytes) -> Path:
    """Keep an uploaded table and return its absolute path.

    Refused before anything is written (InvalidUpload): a file that is not CSV or xlsx
    ("wrong_type") and one above the upload limit ("too_large"). The same content under
    the same name returns the file already kept; other content under a taken name is
    kept beside it as `name-2.csv`, so no earlier upload is ever overwritten.
    """
    name = workspace.safe_filename(filename)
    if not is_table_file(name):
        raise InvalidUpload(
            f"{filename!r}: not one of {TABLE_TYPES}",
            reason="errors.upload.wrong_type",
            file=name,
            types=", ".join(TABLE_TYPES),
        )
    if len(data) > workspace.MAX_UPLOAD_BYTES:
        raise InvalidUpload(
            f"{filename!r}: {len(data)} bytes > {workspace.MAX_UPLOAD_BYTES}",
            reason="errors.upload.too_large",
            file=name,
            megabytes=workspace.MAX_UPLOAD_BYTES // (1024 * 1024),
            size_megabytes=round(len(data) / (1024 * 1024), 1),
        )
    # The wizard's storing rules: same content kept once, never overwritten, never half.
    return workspace._store(uploads_dir(user_id).resolve(), name, data)  # noqa: SLF001


@dataclass(frozen=True)
class KnownTable:
    """A CSV or Excel file the person already has here."""

    project: str | None  # the project's name; None: uploaded earlier to ask about it
    path: Path

    @property
    def name(self) -> str:
        return self.path.name


def _tables_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    found = (p for p in folder.rglob("*") if p.is_file() and is_table_file(p.name))
    return sorted((p.resolve() for p in found), key=lambda p: (p.name, str(p)))


def known_tables(user_id: int) -> list[KnownTable]:
    """The tables the person can ask about without uploading again: those in their
    projects (wizard uploads and generated outputs), newest project first, then the
    ones they uploaded earlier to ask about; by file name within each."""
    found = [
        KnownTable(project.name, path)
        for project in workspace.list_projects(user_id)
        for path in _tables_in(workspace.project_dir(project.id))
    ]
    return found + [KnownTable(None, path) for path in _tables_in(uploads_dir(user_id))]


# Words of questions about a table, in both languages (matched on NFKC, lower case).
# A match only makes Home *offer* the page; the analysis service decides for itself.
_DATA_WORDS = (
    # Japanese: totals, averages, rankings, counts, months, and the file itself.
    "合計", "平均", "最大", "最小", "一番", "いちばん", "最も", "何月", "何件", "件数",
    "何人", "集計", "売上", "売り上げ", "売れ", "割合", "ランキング", "上位", "下位",
    "グラフ", "データ", "ファイル", "csv", "エクセル", "excel", "xlsx", "スプレッドシート",
    # English.
    "total", "sum", "add up", "average", "mean", "median", "maximum", "minimum",
    "highest", "lowest", "how many", "count", "which month", "per month", "per store",
    "sales", "sold", "rows", "column", "table", "spreadsheet", "data", "chart", "graph",
)  # fmt: skip
_DATA_PATTERNS = tuple(
    re.compile(rf"\b{re.escape(word)}(?:s|es)?\b" if word.isascii() else re.escape(word))
    for word in _DATA_WORDS
)
_QUESTION = re.compile(
    r"[?？]|^(?:what|which|how|when|who|where|is|are|do|does)\b|何|どの|どれ|いつ|ですか|ますか"
)


def sounds_like_data_question(text: str) -> bool:
    """True when `text` reads like a question about a table: it names something one
    computes from a table (a total, an average, a month, sales, a column…).

    "何月が一番売れた？" and "What is the total of sales?" are; "パン屋のページを作りたい"
    and "a page for my bakery" are not. A request with two such words ("売上を集計して")
    counts too: a request to compute is a question without the question mark. English
    words match whole ("sum", not "summer").
    """
    normal = unicodedata.normalize("NFKC", text).strip().lower()
    if not normal:
        return False
    words = sum(1 for pattern in _DATA_PATTERNS if pattern.search(normal))
    return words >= 2 or (words == 1 and bool(_QUESTION.search(normal)))
