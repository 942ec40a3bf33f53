"""A plan that repeats the prompt's own example is no plan (jobs/planning.py)."""

from __future__ import annotations

import pytest

from support_system.ai.prompts import render
from support_system.jobs.page_plans import PagePlan
from support_system.jobs.planning import copies_an_example
from support_system.jobs.program_specs import ProgramSpec

REQUEST = "文章の行ごとに番号をつけるプログラムがほしい"


def _spec(title: str, summary: str) -> ProgramSpec:
    return ProgramSpec(title=title, summary=summary, input="table", output="table")


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        # Measured: the 0.5B model's whole answer for REQUEST (the sales-table example).
        ("売上の表から店ごとの合計を出したい", "売上の表から店ごとの合計を計算します。"),
        ("店ごとの売上合計", "行に番号をつけます。"),  # the example's title alone
        ("行番号", "売上の表から店ごとの合計を計算します。"),  # its summary alone
    ],
)
def test_an_examples_title_or_summary_is_a_copy(title: str, summary: str) -> None:
    prompt = render("jobs/plan_program", language="ja", request=REQUEST)
    assert copies_an_example(_spec(title, summary), prompt, REQUEST)


def test_a_plan_in_the_requests_own_words_is_not_a_copy() -> None:
    prompt = render("jobs/plan_program", language="ja", request=REQUEST)
    assert not copies_an_example(
        _spec("行番号つけ", "文章の各行の先頭に番号をつけます。"), prompt, REQUEST
    )


def test_words_the_request_itself_contains_are_not_a_copy() -> None:
    """The request is part of the prompt; a title taken from it is the person's words,
    even when an example happens to use the same words."""
    request = "a tool for Names to e-mail addresses, one per line"
    prompt = render("jobs/plan_program", language="en", request=request)
    spec = _spec("Names to e-mail addresses", "Makes an address from each name.")
    assert "Names to e-mail addresses" in prompt.replace(request, "")  # an example's title
    assert not copies_an_example(spec, prompt, request)


def test_a_page_plan_copying_the_example_title_is_a_copy() -> None:
    request = "a page for our reading circle"
    prompt = render("jobs/plan_page", language="en", request=request)
    copied = PagePlan.model_validate(
        {"title": "Allotment garden rules", "sections": [{"kind": "text", "heading": "Hi"}]}
    )
    own = PagePlan.model_validate(
        {"title": "Reading circle", "sections": [{"kind": "text", "heading": "Hi"}]}
    )
    assert copies_an_example(copied, prompt, request)
    assert not copies_an_example(own, prompt, request)
