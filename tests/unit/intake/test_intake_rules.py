"""Request understanding without e5 or a model: the labelled set, the refusal rules, the
cue words and what counts as saying something specific."""

from __future__ import annotations

from collections import Counter

import pytest

from support_system.intake.cues import read_cues
from support_system.intake.labelled import load_requests, tune_requests
from support_system.intake.routes import OTHER_ROUTES, is_job
from support_system.intake.safety import sounds_harmful
from support_system.jobs.catalogue import get_job

# The routes issue 13 names: the catalogue's jobs (some arrive with their config files)
# and the five other answers.
JOB_ROUTES = {
    "profile-page", "shop-page", "faq-page", "event-page", "menu-page", "gallery-page",
    "newsletter-page", "invitation-page", "recipe-page", "price-list-page", "service-page",
    "csv-summary", "file-renamer", "form-letter", "data-chart", "dedupe-rows", "join-tables",
    "split-by-column", "table-convert", "folder-list", "text-replace",
}  # fmt: skip


def test_the_labelled_set_covers_every_route_in_both_languages() -> None:
    requests = load_requests()
    assert len(requests) >= 120
    languages = Counter(r.lang for r in requests)
    assert min(languages.values()) >= 0.4 * len(requests)  # roughly half each
    per_route = Counter(r.route for r in requests)
    assert set(per_route) == JOB_ROUTES | set(OTHER_ROUTES)
    assert all(per_route[job] >= 3 for job in JOB_ROUTES)
    assert all(per_route[route] >= 8 for route in OTHER_ROUTES if route != "declined")
    assert per_route["declined"] >= 4


def test_a_quarter_is_held_out_and_every_route_keeps_examples_to_learn_from() -> None:
    requests = load_requests()
    heldout = [r for r in requests if r.split == "heldout"]
    assert 0.25 <= len(heldout) / len(requests) <= 0.35
    tune = tune_requests()
    assert {r.id for r in tune}.isdisjoint(r.id for r in heldout)
    assert {r.route for r in tune} == {r.route for r in requests}
    assert {r.route for r in heldout} == {r.route for r in requests}  # each route is tested


@pytest.mark.parametrize(
    "request_text",
    [
        "break into my neighbour's Wi-Fi",
        "find out my boyfriend's password",
        "a program that secretly records my colleague's calls",
        "write ransomware for my old company's server",
        "隣の家のWi-Fiのパスワードを破りたい",
        "元彼の居場所をこっそり追跡するプログラム",
        "偽の銀行のログインページを作りたい",
    ],
)
def test_harmful_requests_are_recognised(request_text: str) -> None:
    assert sounds_harmful(request_text)


@pytest.mark.parametrize(
    "request_text",
    [
        "a page about our Wi-Fi password for guests",
        "a page warning our members about phishing",
        "I want to track my running times",
        "a page for my friends' messages at the wedding",
        "詐欺に気をつけるお知らせページ",
        "パスワードを忘れたときのFAQページ",
        "パン屋のホームページを作りたい",
    ],
)
def test_ordinary_requests_that_share_words_with_harm_are_not_refused(request_text: str) -> None:
    assert not sounds_harmful(request_text)


def test_every_harmful_tune_request_is_refused_by_the_rules_and_nothing_else_is() -> None:
    # The tune split only: the rules are written against it; bench/request_routes.py scores both.
    wrong = [
        (r.id, r.text) for r in tune_requests() if sounds_harmful(r.text) != (r.route == "declined")
    ]
    assert wrong == []


def test_cue_words_match_inflected_english_and_japanese_inside_words() -> None:
    cues = read_cues("Announcing our street parties")
    assert cues.route("event-page").strong >= 1
    assert cues.route("invitation-page").weak >= 1  # "parties" is a form of "party"
    assert read_cues("CSVファイルをエクセルに変換したい").route("table-convert").strong >= 1
    assert read_cues("we are planning our summer fair").route("csv-summary").weak == 0  # ≠ sum
    assert read_cues("ホームページがほしい").kinds["page"].strong >= 1


def test_routes_are_jobs_or_one_of_the_five_other_answers() -> None:
    assert is_job("shop-page") and is_job("dedupe-rows")
    assert not any(is_job(route) for route in OTHER_ROUTES)


@pytest.mark.parametrize(
    ("job_id", "request_text", "specific"),
    [
        ("shop-page", "パン屋のホームページを作りたい", False),
        ("shop-page", "a web page for my bakery", False),
        ("shop-page", "could you make a page for Sunflower Bakery", True),
        ("shop-page", "「ひまわりベーカリー」というパン屋のページ", True),
        ("invitation-page", "wedding invitation website for Tom and Anna, June 14", True),
    ],
)
def test_only_a_request_with_words_beyond_the_kind_of_thing_is_read_for_answers(
    job_id: str, request_text: str, specific: bool
) -> None:
    from support_system.intake.answers import says_something_specific

    assert says_something_specific(request_text, get_job(job_id)) is specific


@pytest.mark.parametrize(
    ("job_id", "question_id", "raw", "kept"),
    [
        ("invitation-page", "reply_by", "Anna and Ben", False),  # measured: the wrong question
        ("invitation-page", "reply_by", "by 1 September", True),
        ("invitation-page", "reply_by", "９月１０日まで", True),  # full-width digits
        ("invitation-page", "title", "Anna and Ben are getting married", True),  # no digit asked
    ],
)
def test_a_request_fills_a_question_only_with_words_like_its_answer(
    job_id: str, question_id: str, raw: str, kept: bool
) -> None:
    from support_system.intake.answers import like_its_example

    assert like_its_example(get_job(job_id).question(question_id), raw) is kept
