"""Checks on a generated web page: it parses, it conforms, it is accessible, it is offline.

Four checks, cheapest first, so a repair loop can stop at the first failing layer:

- `check_html5lib`       — the WHATWG parsing algorithm in pure Python (~ms): unclosed
                           elements, stray end tags, missing doctype, bad entities.
- `check_self_contained` — a static read of the markup (~ms): the page loads nothing from
                           the internet, declares its language, has a `<main>` landmark and
                           every `<img>` has `alt`. A published page must work offline and
                           must not leak its visitors to third parties.
- `check_vnu`            — the Nu Html Checker (Java, ~1-3 s; see `vnu.py`).
- `check_axe`            — axe-core in headless Chromium (~1 s; see `axe.py`), which also
                           proves at run time that the page requests nothing external.

`check_vnu*`, `VnuServer`, `check_axe*` and `chromium` live in their own modules and are
re-exported here so callers need one import.
"""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from pathlib import Path

import html5lib
from html5lib.constants import E as HTML5LIB_MESSAGES

from support_system.generators.base import CheckResult
from support_system.generators.checks.axe import (
    DEFAULT_TAGS,
    IMPACTS,
    check_axe,
    check_axe_url,
    chromium,
)
from support_system.generators.checks.vnu import VnuServer, check_vnu, check_vnu_many

__all__ = [
    "DEFAULT_TAGS",
    "IMPACTS",
    "VnuServer",
    "check_axe",
    "check_axe_url",
    "check_html5lib",
    "check_self_contained",
    "check_vnu",
    "check_vnu_many",
    "chromium",
    "is_external_url",
]

MAX_PARSE_ERRORS = 30


def check_html5lib(html: str | Path) -> CheckResult:
    """Parse with html5lib and report every parse error as "line L:C: message (source)".

    Browsers recover from these errors silently but differently from one another; a
    generated page must not rely on recovery. Cheap enough to run before anything else.
    """
    started = time.perf_counter()
    text = _read(html)
    parser = html5lib.HTMLParser(namespaceHTMLElements=False)
    parser.parse(text)
    lines = text.splitlines()
    messages = [_parse_error(pos, code, data, lines) for pos, code, data in parser.errors]
    if len(messages) > MAX_PARSE_ERRORS:
        more = len(messages) - MAX_PARSE_ERRORS
        messages = [*messages[:MAX_PARSE_ERRORS], f"… and {more} more parse errors"]
    return CheckResult("html5lib", not messages, messages, _since(started))


def _parse_error(pos: tuple[int, int], code: str, data: dict | None, lines: list[str]) -> str:
    line, col = pos
    template = HTML5LIB_MESSAGES.get(code, code)
    try:
        text = template % (data or {})
    except (KeyError, TypeError, ValueError):
        text = f"{template} {data or ''}".strip()
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    snippet = " ".join(source[max(0, col - 40) : col + 20].split())
    return f"line {line}:{col}: {text}" + (f" ({snippet})" if snippet else "")


# --- self-contained: nothing loaded from outside ----------------------------------------

# Schemes a page may reference without a network request (or that only act on a click).
LOCAL_SCHEMES = frozenset({"data", "blob", "about", "mailto", "tel", "sms", "javascript"})
# `<link rel>` values that only describe a relation and make the browser fetch nothing.
NON_LOADING_RELS = frozenset(
    {
        "alternate",
        "author",
        "bookmark",
        "canonical",
        "external",
        "help",
        "license",
        "me",
        "next",
        "nofollow",
        "noopener",
        "noreferrer",
        "prev",
        "search",
        "tag",
    }
)
# Attributes that make the browser fetch a resource, per element.
LOADING_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
    "image": ("href", "xlink:href"),  # SVG
    "use": ("href", "xlink:href"),  # SVG
    "feimage": ("href", "xlink:href"),  # SVG
    "base": ("href",),
}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.IGNORECASE | re.DOTALL)
_CSS_IMPORT = re.compile(r"""@import\s+(['"])(.*?)\1""", re.IGNORECASE)
_URL_NOISE = re.compile(r"[\t\n\r]")


def is_external_url(url: str) -> bool:
    """True if loading `url` would leave the machine (http(s), `//host`, ftp, ws, …).

    Follows the URL parser's leniency that an attacker-shaped page could use: leading
    spaces, tabs/newlines inside the scheme and backslashes all count as browsers read them.
    """
    cleaned = _URL_NOISE.sub("", url).strip().replace("\\", "/")
    if cleaned.startswith("//"):
        return True
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    if not match:
        return False  # relative: stays inside the site folder
    return match.group(1).lower() not in LOCAL_SCHEMES | {"file"}


def check_self_contained(html: str | Path) -> CheckResult:
    """The page needs nothing from the internet and has the accessibility basics.

    Fails on: scripts, stylesheets, fonts, images, media, frames or `<base>` pointing at
    http(s)/protocol-relative URLs, external `url()`/`@import` in CSS (style elements and
    style attributes); a missing `<html lang>`; no `<main>` landmark; an `<img>` without
    `alt`. Links a person clicks (`<a href="https://…">`, mailto:, tel:) are fine: they
    load nothing until clicked. Scripts that fetch at run time are caught by `check_axe`,
    which blocks and reports every outgoing request.
    """
    started = time.perf_counter()
    scanner = _Scanner()
    scanner.feed(_read(html))
    scanner.close()
    messages = list(scanner.problems)
    if not scanner.lang:
        messages.append(
            '<html> has no lang attribute: add lang="ja" or lang="en" so screen '
            "readers use the right voice"
        )
    if not scanner.has_main:
        messages.append("no <main> landmark: wrap the page's main content in <main>")
    return CheckResult("self_contained", not messages, messages, _since(started))


class _Scanner(HTMLParser):
    """Walks the markup once, collecting external loads and the landmark/lang/alt facts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.lang = ""
        self.has_main = False
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "html":
            self.lang = values.get("lang", "").strip()
        if tag == "main" or values.get("role", "").strip().lower() == "main":
            self.has_main = True
        if tag == "img" and "alt" not in values:
            src = values.get("src", "")
            self.problems.append(
                f'line {line}: <img src="{src}"> has no alt attribute: describe '
                'the image, or use alt="" if it is only decoration'
            )
        if tag == "style":
            self._in_style = True
        if "style" in values:
            self._css(values["style"], line, f"<{tag} style>")
        if tag == "link":
            rels = set(values.get("rel", "").lower().split())
            if rels and rels <= NON_LOADING_RELS:
                return
            self._url(values.get("href", ""), line, f'<link rel="{values.get("rel", "")}">')
            self._srcset(values.get("imagesrcset", ""), line, "<link imagesrcset>")
            return
        for attribute in LOADING_ATTRIBUTES.get(tag, ()):
            if attribute.endswith("srcset"):
                self._srcset(values.get(attribute, ""), line, f"<{tag} {attribute}>")
            elif tag != "input" or values.get("type", "").lower() == "image":
                self._url(values.get(attribute, ""), line, f"<{tag} {attribute}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css(data, self.getpos()[0], "<style>")

    def _css(self, css: str, line: int, where: str) -> None:
        for match in _CSS_IMPORT.finditer(css):
            self._url(match.group(2), line, f"{where} @import")
        for match in _CSS_URL.finditer(css):
            offset = css.count("\n", 0, match.start())
            self._url(
                match.group(2), line + offset if where == "<style>" else line, f"{where} url()"
            )

    def _srcset(self, srcset: str, line: int, where: str) -> None:
        for candidate in srcset.split(","):
            parts = candidate.split()
            if parts:
                self._url(parts[0], line, where)

    def _url(self, url: str, line: int, where: str) -> None:
        if url and is_external_url(url):
            self.problems.append(
                f"line {line}: {where} loads {url.strip()} from the internet: "
                "put the file in the site folder or inline it"
            )


def _read(html: str | Path) -> str:
    return html.read_text(encoding="utf-8") if isinstance(html, Path) else html


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)
