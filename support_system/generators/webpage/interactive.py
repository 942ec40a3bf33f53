"""Small interactive parts of a page: which block gets one, and the script that runs it.

Four tested snippets enhance a block whose content is already complete in the HTML
(progressive enhancement: with JavaScript off, or in the Preview's sandbox, the page
reads exactly as before):

- `filter`     — a list: a labelled search box hides the items that do not match and
                 announces how many are shown;
- `tabs`       — questions and answers, or a table: one row per tab (WAI-ARIA tabs,
                 arrow keys, Home, End); without script every row is a heading and its text;
- `calculator` — a price list: a quantity per item and the total, in the currency the
                 person wrote ("$12.50", "1,200円"); a price that cannot be read as one
                 amount gets no quantity box, so no price is ever guessed;
- `mail_form`  — a contact block with an e-mail address: name, subject and message
                 become a mailto: link with the subject and body encoded; no server.

The markup is in `layouts/blocks.html.j2` (its words from the `page.*` catalogue), the
styles and scripts in `layouts/snippets/<name>.{css,js}`. Scripts are fixed text: the
person's words reach them only through the page's markup and `data-` attributes, never
inside the script. They use no eval, no inline event handlers and no network, so the
page works under a Content-Security-Policy that allows exactly its one script by hash
(`PageScript.policy`; the browser test loads the page under it).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from support_system.core.i18n import t
from support_system.jobs.page_sections import SNIPPETS, Section

SNIPPETS_DIR = Path(__file__).with_name("layouts") / "snippets"
ORDER = ("filter", "tabs", "calculator", "mail_form")
AUTO_FILTER_ITEMS = 6  # a list this long gets its search box without being asked
MAX_TABS = 8  # more rows than this read better one after another
MAX_QUANTITY = 999

# A price is read only when it is one amount with at most a currency sign or code
# before or after it: "from $30", "1,200円〜" or "3,300円（税込）" are not amounts.
_PREFIX = r"(?:US\$|A\$|C\$|NZ\$|HK\$|\$|£|€|¥|₩|₹|USD|EUR|GBP|JPY|CHF)"
_SUFFIX = r"(?:円|€|USD|EUR|GBP|JPY|CHF|yen)"
_PRICE = re.compile(
    rf"(?P<prefix>{_PREFIX} ?)?(?P<whole>[0-9]{{1,3}}(?:,[0-9]{{3}})+|[0-9]+)"
    rf"(?:\.(?P<cents>[0-9]{{1,2}}))?(?P<suffix> ?{_SUFFIX})?",
    re.IGNORECASE,
)
_WIDE = str.maketrans("０１２３４５６７８９，．￥＄", "0123456789,.¥$")  # one for one


@dataclass(frozen=True)
class Price:
    """An amount read from a price as written: "$12.50" → 1250 cents, "$", ""."""

    whole: int
    cents: int | None  # None: written without a decimal part
    prefix: str
    suffix: str

    @property
    def currency(self) -> tuple[str, str]:
        """The sign or code, so "￥980" and "¥1,200" count as one currency."""

        def plain(part: str) -> str:
            return part.translate(_WIDE).strip().casefold()

        return plain(self.prefix), plain(self.suffix)


def read_price(text: str) -> Price | None:
    """The amount in `text`, or None when it is not exactly one readable amount."""
    written = text.strip()
    match = _PRICE.fullmatch(written.translate(_WIDE))
    if match is None:
        return None
    cents = match["cents"]
    return Price(
        whole=int(match["whole"].replace(",", "")),
        cents=None if cents is None else int(cents.ljust(2, "0")),
        prefix=written[: match.start("whole")],  # as written (a full-width ￥ stays)
        suffix=written[match.end("cents") if cents else match.end("whole") :],
    )


@dataclass(frozen=True)
class Calculator:
    """What the calculator needs: each row's amount in the smallest unit (None: no
    quantity box) and how the total is written."""

    amounts: list[int | None]
    decimals: int
    prefix: str
    suffix: str


def calculator_for(prices: list[str]) -> Calculator | None:
    """The calculator for a price list's price cells, or None when no price is readable.

    The first readable price sets the currency; a row in another currency, or one that
    is not a single amount ("from $30", "ask us"), gets no quantity box.
    """
    read = [read_price(text) for text in prices]
    first = next((price for price in read if price is not None), None)
    if first is None:
        return None
    same = [p if p is not None and p.currency == first.currency else None for p in read]
    decimals = 2 if any(p is not None and p.cents is not None for p in same) else 0
    scale = 10**decimals
    amounts = [None if p is None else p.whole * scale + (p.cents or 0) for p in same]
    return Calculator(amounts, decimals, first.prefix, first.suffix)


class Block(Protocol):
    """What the choice reads of a filled block (`sections.Block`, which imports this
    module: a protocol keeps the import one way)."""

    kind: str
    items: list[str]
    rows: list[list[str]]
    lines: list[dict[str, str]]
    ordered: bool
    price_column: int
    calculator: Calculator | None
    snippet: str


def choose(section: Section, block: Block) -> str:
    """The interactive part `block` gets ("" for none), decided from the section and
    the answers alone, so the same answers always make the same page.

    A snippet named in the job file or the plan is used when the block can carry it;
    without one, an unordered list of `AUTO_FILTER_ITEMS` items or more gets the filter.
    """
    wanted = section.interactive
    if wanted == "none":
        return ""
    if wanted is None:
        automatic = block.kind == "list" and len(block.items) >= AUTO_FILTER_ITEMS
        wanted = "filter" if automatic else None
    if wanted is None or wanted not in SNIPPETS.get(block.kind, ()):
        return ""
    return wanted if _fits(wanted, block) else ""


def _fits(snippet: str, block: Block) -> bool:
    if snippet == "filter":
        return not block.ordered and len(block.items) >= 2  # hiding steps would renumber them
    if snippet == "tabs":
        return 2 <= len(block.rows) <= MAX_TABS and all(row and row[0] for row in block.rows)
    if snippet == "calculator":
        return block.price_column >= 0 and block.calculator is not None
    if snippet == "mail_form":
        return bool(mail_address(block))
    return False


def mail_address(block: Block) -> str:
    """The contact block's first e-mail link (mailto:…), or ""."""
    return next((line["href"] for line in block.lines if line["href"].startswith("mailto:")), "")


@dataclass(frozen=True)
class PageScript:
    """The snippets a page uses and the one script that runs them."""

    snippets: list[str]
    script: str

    @property
    def policy(self) -> str:
        """A Content-Security-Policy that allows this script and nothing else (no
        eval, no other script, no request), for a server that publishes the page. It
        is not put in the page itself: the Nu checker warns about any `<meta>` policy."""
        digest = hashlib.sha256(self.script.encode("utf-8")).digest()
        return (
            f"default-src 'none'; script-src 'sha256-{base64.b64encode(digest).decode()}'; "
            "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
        )


def page_script(blocks: list[Block]) -> PageScript | None:
    """The script for the snippets `blocks` use, or None when the page has none."""
    used = {block.snippet for block in blocks if block.snippet}
    names = [name for name in ORDER if name in used]
    if not names:
        return None
    return PageScript(names, "\n".join(snippet_file(name, "js") for name in names))


def snippet_text(lang: str) -> dict[str, str]:
    """The snippets' visible words in the page's language, for the templates (the
    filter's count keeps its {shown} and {total} for the script to fill)."""
    keys = {
        "filter_label": "filter.label",
        "calc_quantity": "calculator.quantity",
        "calc_total": "calculator.total",
        "calc_note": "calculator.note",
        "mail_heading": "mail_form.heading",
        "mail_name": "mail_form.name",
        "mail_subject": "mail_form.subject",
        "mail_message": "mail_form.message",
        "mail_note": "mail_form.note",
        "mail_send": "mail_form.send",
    }
    text = {name: t(f"page.{key}", lang) for name, key in keys.items()}
    text["filter_count"] = t("page.filter.count", lang, shown="{shown}", total="{total}")
    return text


@cache
def snippet_file(name: str, suffix: str) -> str:
    """A snippet's script or stylesheet, as shipped."""
    text = (SNIPPETS_DIR / f"{name}.{suffix}").read_text(encoding="utf-8")
    if suffix == "js" and "</script" in text.lower():
        raise ValueError(f"{name}.js must not contain a closing script tag")
    return text
