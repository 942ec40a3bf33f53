"""Which block gets which interactive part, and the prices the calculator may read.

The choice depends on the section and the answers alone, so the same answers always
make the same page; a price is read only when it is exactly one amount, so the
calculator never adds up a guess. The snippets themselves run in Chromium in
tests/integration/generators/test_interactive_parts.py.
"""

from __future__ import annotations

import pytest

from support_system.generators.webpage.interactive import (
    AUTO_FILTER_ITEMS,
    MAX_TABS,
    Price,
    calculator_for,
    choose,
    page_script,
    read_price,
    snippet_text,
)
from support_system.generators.webpage.sections import Block
from support_system.jobs.page_sections import Section


@pytest.mark.parametrize(
    ("text", "price"),
    [
        ("$12.50", Price(12, 50, "$", "")),
        ("$45", Price(45, None, "$", "")),
        ("1,200円", Price(1200, None, "", "円")),
        ("１，２００円", Price(1200, None, "", "円")),  # full-width, as typed on a phone
        ("￥980", Price(980, None, "￥", "")),
        ("USD 7.5", Price(7, 50, "USD ", "")),
        ("3", Price(3, None, "", "")),
        (" £1,250.99 ", Price(1250, 99, "£", "")),
    ],
)
def test_a_price_written_as_one_amount_is_read(text: str, price: Price) -> None:
    assert read_price(text) == price


@pytest.mark.parametrize(
    "text",
    ["from $30", "1,200円〜", "3,300円（税込）", "ask us", "12-15€", "€3,50", "1.200", "", "$"],
)
def test_anything_else_is_not_a_price(text: str) -> None:
    assert read_price(text) is None


def test_the_calculator_uses_the_first_currency_and_skips_what_it_cannot_read() -> None:
    calculator = calculator_for(["$4.50", "from $300", "$45", "450円", "$12.5"])
    assert calculator is not None
    assert calculator.amounts == [450, None, 4500, None, 1250]  # cents: one decimal part
    assert (calculator.decimals, calculator.prefix, calculator.suffix) == (2, "$", "")
    yen = calculator_for(["450円", "1,200円"])
    assert yen is not None and (yen.amounts, yen.decimals, yen.suffix) == ([450, 1200], 0, "円")
    assert calculator_for(["ask us", "時価"]) is None


def _list(count: int, *, ordered: bool = False) -> Block:
    return Block("list", "s1", "Points", items=[f"item {n}" for n in range(count)], ordered=ordered)


def _rows(kind: str, count: int) -> Block:
    return Block(kind, "s1", "Q&A", rows=[[f"q{n}", f"a{n}"] for n in range(count)])


def _section(kind: str, interactive: str | None = None) -> Section:
    return Section(kind=kind, heading={"ja": "見出し", "en": "Heading"}, source="x",
                   interactive=interactive)  # fmt: skip


def test_a_long_unordered_list_gets_the_filter_without_being_asked() -> None:
    assert choose(_section("list"), _list(AUTO_FILTER_ITEMS)) == "filter"
    assert choose(_section("list"), _list(AUTO_FILTER_ITEMS - 1)) == ""
    assert choose(_section("list"), _list(10, ordered=True)) == ""  # steps keep their numbers
    assert choose(_section("list", "none"), _list(10)) == ""
    assert choose(_section("list", "filter"), _list(3)) == "filter"  # asked for: a short list too


def test_tabs_need_two_to_max_tabs_rows_with_a_heading_each() -> None:
    assert choose(_section("qa", "tabs"), _rows("qa", 2)) == "tabs"
    assert choose(_section("table", "tabs"), _rows("table", MAX_TABS)) == "tabs"
    assert choose(_section("qa", "tabs"), _rows("qa", 1)) == ""
    assert choose(_section("qa", "tabs"), _rows("qa", MAX_TABS + 1)) == ""
    assert choose(_section("qa"), _rows("qa", 4)) == ""  # never without being asked
    untitled = Block("qa", "s1", "Q&A", rows=[["", "a"], ["q", "b"]])
    assert choose(_section("qa", "tabs"), untitled) == ""


def test_the_calculator_needs_a_readable_price() -> None:
    block = Block("prices", "s1", "Prices", rows=[["Tea", "$3"]], price_column=1)
    block.calculator = calculator_for(["$3"])
    assert choose(_section("prices", "calculator"), block) == "calculator"
    assert choose(_section("prices"), block) == ""
    unread = Block("prices", "s1", "Prices", rows=[["Tea", "ask us"]], price_column=1)
    unread.calculator = calculator_for(["ask us"])
    assert choose(_section("prices", "calculator"), unread) == ""


def test_the_mail_form_needs_an_email_address() -> None:
    def contact(*hrefs: str) -> Block:
        lines = [{"label": "x", "text": h, "href": h, "map": ""} for h in hrefs]
        return Block("contact", "s1", "Contact", lines=lines)

    section = Section(
        kind="contact",
        heading={"ja": "連絡先", "en": "Contact"},
        items=[{"source": "x", "label": {"ja": "x", "en": "x"}}],
        interactive="mail_form",
    )
    assert choose(section, contact("tel:+44", "mailto:a@b.example")) == "mail_form"
    assert choose(section, contact("tel:+44", "https://b.example")) == ""


def test_a_snippet_the_kind_cannot_have_is_never_chosen() -> None:
    # A job file cannot name it (page_sections checks), and the choice refuses it too.
    section = _section("list").model_copy(update={"interactive": "tabs"})
    assert choose(section, _list(10)) == ""


def test_the_page_script_holds_only_the_snippets_used_in_a_fixed_order() -> None:
    assert page_script([_list(2)]) is None
    blocks = [_rows("qa", 2), _list(2)]
    blocks[0].snippet, blocks[1].snippet = "tabs", "filter"
    script = page_script(blocks)
    assert script is not None and script.snippets == ["filter", "tabs"]
    assert 'data-snippet="tabs"' in script.script.replace("'", '"')
    assert "calculator" not in script.script
    assert "eval(" not in script.script and "innerHTML" not in script.script
    assert script.policy.startswith("default-src 'none'; script-src 'sha256-")


def test_the_snippets_speak_the_page_language() -> None:
    ja, en = snippet_text("ja"), snippet_text("en")
    assert set(ja) == set(en)
    assert ja["filter_count"] == "{total}件中 {shown}件を表示"
    assert en["filter_count"] == "{shown} of {total} shown"
    assert all(ja[key] != en[key] for key in ja)
