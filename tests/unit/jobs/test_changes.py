"""Reading a change request's exact parts (a section to add, a list to sort) by rule."""

from __future__ import annotations

import pytest

from support_system.ai.prompts import render
from support_system.jobs.catalogue import get_job
from support_system.jobs.changes import (
    SortRequest,
    added_sections,
    change_notes,
    section_request,
    sort_request,
    sorted_rows,
)
from support_system.jobs.definitions import CHANGES_KEY
from support_system.jobs.flow import effective_answers

SHOP = get_job("shop-page")


@pytest.mark.parametrize(
    ("request_text", "expected"),
    [
        ("add a section about parking", ("Parking", "")),
        (
            "Please add a new section on the parking: two spaces behind the shop",
            ("Parking", "two spaces behind the shop"),
        ),
        ("駐車場について欄を追加：店の裏に2台", ("駐車場", "店の裏に2台")),
        ("アクセスの案内を追加してください", ("アクセス", "")),
    ],
)
def test_a_section_request_gives_its_heading_and_the_persons_text(
    request_text: str, expected: tuple[str, str]
) -> None:
    assert section_request(request_text) == expected


@pytest.mark.parametrize(
    "request_text", ["friendlier", "もっと丁寧に", "the phone is now 03-1111-2222"]
)
def test_other_requests_are_not_sections(request_text: str) -> None:
    assert section_request(request_text) is None


@pytest.mark.parametrize(
    ("request_text", "descending"),
    [
        ("sort the products by price", False),
        ("Sort the products by price, highest first", True),
        ("商品を価格の高い順に並べて", True),
        ("商品を価格順に並べ替えて", False),
    ],
)
def test_a_sort_request_names_the_list_and_its_column(request_text: str, descending: bool) -> None:
    assert sort_request(SHOP, request_text) == SortRequest("products", "price", descending)


def test_a_sort_by_a_column_the_job_does_not_have_is_not_a_sort() -> None:
    assert sort_request(SHOP, "sort the products by colour of the box") is None
    assert sort_request(get_job("profile-page"), "sort by price") is None


def test_rows_sort_by_the_value_of_prices_written_as_text() -> None:
    rows = [
        {"name": "a", "price": "£4.50"},
        {"name": "b", "price": "£12.00"},
        {"name": "c", "price": ""},
        {"name": "d", "price": "£1.80"},
    ]
    up = sorted_rows(rows, SortRequest("products", "price", False))
    down = sorted_rows(rows, SortRequest("products", "price", True))
    assert [r["name"] for r in up] == ["d", "a", "b", "c"]  # the empty price stays last
    assert [r["name"] for r in down] == ["b", "a", "d", "c"]


def test_changes_travel_with_the_answers_into_the_copy_prompt() -> None:
    answers = {
        **SHOP.samples["en"],
        CHANGES_KEY: {
            "notes": ["friendlier, like talking to a neighbour"],
            "sections": [{"heading": "Parking", "body": "Two spaces behind the shop."}],
        },
    }
    effective = effective_answers(SHOP, answers, "en")
    assert change_notes(effective) == ["friendlier, like talking to a neighbour"]
    assert [s.heading for s in added_sections(effective)] == ["Parking"]
    prompt = render(
        "webpage/copy",
        language="en",
        job_title="Shop",
        facts="- name: Sunflower Bakery",
        knowledge="",
        changes="- friendlier, like talking to a neighbour",
        feedback="",
    )
    assert "friendlier, like talking to a neighbour" in prompt
