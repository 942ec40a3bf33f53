"""Read one file into sections of plain text, each with where it came from.

A section is the unit a citation can point at: a PDF page, a Markdown/HTML/Word
heading's section, a block of CSV rows. Loaders yield sections one at a time so a
large PDF is never held in memory twice. Every failure becomes a typed
`DocumentError` naming the file (corrupt, encrypted, empty, unknown encoding), which
ingestion reports and then moves on.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from support_system.rag.errors import (
    CorruptDocument,
    EmptyDocument,
    EncryptedDocument,
    UnknownEncoding,
    UnsupportedFileType,
)

CSV_ROWS_PER_SECTION = 20
# pypdf logs every repair it attempts ("EOF marker not found"); a damaged file is
# reported once, translated, by CorruptDocument instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Section:
    """A piece of a document with its location: page (PDF) and/or heading."""

    text: str
    page: int | None = None
    heading: str | None = None
    rows: str | None = None  # "1-20" for CSV blocks


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), else Shift_JIS/CP932 — what Japanese Windows writes."""
    for encoding in ("utf-8-sig", "cp932", "euc-jp"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnknownEncoding("not UTF-8, CP932 or EUC-JP", file=name)


def load_text(path: Path) -> Iterator[Section]:
    yield Section(decode(path.read_bytes(), path.name))


_ATX = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def load_markdown(path: Path) -> Iterator[Section]:
    """Sections per heading; the heading path ("Publish › Zip") is the citation location."""
    text = decode(path.read_bytes(), path.name)
    trail: list[str] = []
    lines: list[str] = []
    headings = 0  # how many leading entries of `lines` are headings
    in_code = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        match = None if in_code else _ATX.match(line)
        if match:
            if len(lines) > headings and "".join(lines[headings:]).strip():
                yield Section("\n".join(lines).strip(), heading=" › ".join(trail) or None)
                lines, headings = [], 0
            # A heading with no text of its own (a title right above a subheading)
            # stays as the first line of the next section instead of a chunk alone.
            level = len(match.group(1))
            trail = [*trail[: level - 1], match.group(2)]
            lines.append(match.group(2))
            headings = len(lines)
        else:
            lines.append(line)
    if "".join(lines).strip():
        yield Section("\n".join(lines).strip(), heading=" › ".join(trail) or None)


class _HTMLSections(HTMLParser):
    """Collects visible text, starting a new section at each h1–h6."""

    _SKIP = {"script", "style", "noscript", "template", "head"}
    _BLOCK = {"p", "div", "li", "br", "tr", "section", "article", "ul", "ol", "table", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[Section] = []
        self._parts: list[str] = []
        self._heading: str | None = None
        self._in_heading = False
        self._heading_parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip_depth += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._in_heading, self._heading_parts = True, []
        elif tag in self._BLOCK:
            self._parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif re.fullmatch(r"h[1-6]", tag) and self._in_heading:
            self._in_heading = False
            self._heading = " ".join("".join(self._heading_parts).split()) or None
            self._parts.append((self._heading or "") + "\n")
        elif tag in self._BLOCK:
            self._parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        (self._heading_parts if self._in_heading else self._parts).append(data)

    def _flush(self) -> None:
        text = re.sub(r"[ \t]+", " ", "".join(self._parts))
        text = re.sub(r"\s*\n\s*", "\n", text).strip()
        if text:
            self.sections.append(Section(text, heading=self._heading))
        self._parts = []

    def close(self) -> None:
        super().close()
        self._flush()


def load_html(path: Path) -> Iterator[Section]:
    parser = _HTMLSections()
    parser.feed(decode(path.read_bytes(), path.name))
    parser.close()
    yield from parser.sections


def load_pdf(path: Path) -> Iterator[Section]:
    """One section per page (page numbers from 1); encrypted files are refused clearly."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise EncryptedDocument("password required", file=path.name)
        pages = reader.pages
        for number, page in enumerate(pages, start=1):
            text = page.extract_text() or ""
            if text.strip():
                yield Section(text, page=number)
    except EncryptedDocument:
        raise
    except FileNotDecryptedError as exc:
        raise EncryptedDocument(str(exc), file=path.name) from exc
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError) as exc:
        raise CorruptDocument(f"{type(exc).__name__}: {exc}", file=path.name) from exc


def load_docx(path: Path) -> Iterator[Section]:
    """Sections per Word heading style ("Heading 1", 「見出し 1」); tables as rows."""
    from zipfile import BadZipFile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise CorruptDocument(f"{type(exc).__name__}: {exc}", file=path.name) from exc
    heading: str | None = None
    lines: list[str] = []
    for paragraph in document.paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style.startswith(("Heading", "見出し", "Title")) and paragraph.text.strip():
            if "".join(lines).strip():
                yield Section("\n".join(lines).strip(), heading=heading)
            heading, lines = paragraph.text.strip(), [paragraph.text.strip()]
        elif paragraph.text.strip():
            lines.append(paragraph.text)
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text.strip() for cell in row.cells))
    if "".join(lines).strip():
        yield Section("\n".join(lines).strip(), heading=heading)


def load_csv(path: Path) -> Iterator[Section]:
    """Blocks of rows written as "column: value" so a row's meaning survives chunking."""
    text = decode(path.read_bytes(), path.name)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    rows = csv.reader(io.StringIO(text), dialect)
    header = next(rows, None)
    if not header:
        return
    block: list[str] = []
    first = 1
    for number, row in enumerate(rows, start=1):
        block.append("; ".join(f"{h}: {v}" for h, v in zip(header, row, strict=False) if v.strip()))
        if len(block) == CSV_ROWS_PER_SECTION:
            yield Section("\n".join(block), rows=f"{first}-{number}")
            block, first = [], number + 1
    if block:
        yield Section("\n".join(block), rows=f"{first}-{first + len(block) - 1}")


LOADERS: dict[str, Callable[[Path], Iterator[Section]]] = {
    ".txt": load_text,
    ".text": load_text,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".csv": load_csv,
}


def supported(path: Path) -> bool:
    return path.suffix.lower() in LOADERS


def load(path: Path) -> Iterator[Section]:
    """The file's sections; raises a DocumentError if it is unsupported, unreadable or empty."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise UnsupportedFileType(path.suffix, file=path.name, types=", ".join(sorted(LOADERS)))
    found = False
    for section in loader(path):
        found = True
        yield section
    if not found:
        raise EmptyDocument("no text found", file=path.name)
