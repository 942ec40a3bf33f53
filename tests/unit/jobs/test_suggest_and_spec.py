"""Home page job suggestions and the review page's plain-language spec."""

from __future__ import annotations

import pytest

from support_system.jobs.answers import validate_answer
from support_system.jobs.catalogue import get_job
from support_system.jobs.definitions import KIND_ORDER
from support_system.jobs.spec import answer_text, checklist, spec_lines
from support_system.jobs.suggest import find_jobs, suggest_jobs


@pytest.mark.parametrize(
    ("request_text", "job_id"),
    [
        ("パン屋のホームページを作りたい", "shop-page"),
        ("売上の表を店ごとに合計したい", "csv-summary"),
        ("写真の名前を変えたい", "file-renamer"),
        ("売上のグラフ", "data-chart"),
        ("よくある質問のページ", "faq-page"),
        ("a web page for my bakery", "shop-page"),
        ("total up this CSV", "csv-summary"),
        ("rename photos", "file-renamer"),
        ("letters to customers", "form-letter"),
        ("profile page about me", "profile-page"),
        ("chart of sales", "data-chart"),
    ],
)
def test_the_fitting_job_is_suggested_first(request_text: str, job_id: str) -> None:
    assert suggest_jobs(request_text)[0].job.id == job_id


@pytest.mark.parametrize("nonsense", ["", "   ", "xyz", "!!!"])
def test_nothing_is_suggested_for_text_that_matches_no_job(nonsense: str) -> None:
    assert suggest_jobs(nonsense) == []


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_answer_text_round_trips_through_validation(lang: str) -> None:
    """What the review shows (and pre-fills a field with) reads back as the same answer."""
    job = get_job("shop-page")
    for question_id, raw in job.samples[lang].items():
        question = job.question(question_id)
        value = validate_answer(question, raw, lang)
        assert validate_answer(question, answer_text(question, value, lang), lang) == value, (
            question_id
        )


def test_spec_marks_defaults_and_checklist_lists_what_is_missing() -> None:
    job = get_job("shop-page")
    answers = {"name": "Lantern Books", "tagline": None}
    lines = {line.question_id: line for line in spec_lines(job, answers, "en")}
    assert lines["name"].answered and lines["name"].text == "Lantern Books"
    assert (
        lines["tagline"].uses_default and "We look forward to your visit" in lines["tagline"].text
    )
    assert not lines["phone"].uses_default and lines["phone"].text == "Not answered yet"
    items = checklist(job, answers, "en")
    assert items[0].state == "todo" and "What is the shop's address?" in items[0].text
    assert [item.state for item in items[1:]] == ["after"] * len(job.checks)
    complete = {q: v for q, v in job.samples["en"].items()}
    assert checklist(job, complete, "en")[0].state == "done"


def test_the_job_list_filters_by_kind_and_ranks_by_the_search() -> None:
    everything = find_jobs()
    assert [j.kind for j in everything] == sorted(
        (j.kind for j in everything), key=KIND_ORDER.index
    )  # webpages first, as the catalogue orders them
    programs = find_jobs(kind="program")
    assert programs and all(j.kind == "program" for j in programs)
    ranked = find_jobs("パン屋のホームページ")
    assert ranked[0].id == "shop-page" and len(ranked) < len(everything)
    assert find_jobs("パン屋のホームページ", kind="data") == [j for j in ranked if j.kind == "data"]
    assert find_jobs("xyz") == []
