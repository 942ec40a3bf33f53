"""Answer validation per question type, with the messages a person sees in Japanese and
English (`jobs.answers`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from support_system.core.errors import AnswerInvalid
from support_system.jobs.answers import parse_color, parse_number, validate_answer
from support_system.jobs.catalogue import get_job
from support_system.jobs.definitions import Question
from tests.helpers.questions import invalid, messages, q

# --- text -------------------------------------------------------------------------------


def test_text_is_trimmed_and_kept_on_one_line() -> None:
    assert (
        validate_answer(q(type="text"), "  ひまわり\nベーカリー  ", "ja") == "ひまわり ベーカリー"
    )
    assert validate_answer(q(type="text"), 42, "en") == "42"


def test_long_text_keeps_lines() -> None:
    assert validate_answer(q(type="long_text"), "一行目\r\n二行目\n", "ja") == "一行目\n二行目"


def test_required_and_optional_empty_answers() -> None:
    ja, en = messages(invalid(q(type="text"), "   "))
    assert "回答が必要" in ja and "needs an answer" in en
    assert validate_answer(q(type="text", required=False), "", "ja") is None  # None = skipped


def test_too_long_text_says_the_limit_and_the_count() -> None:
    ja, en = messages(invalid(q(type="text", max_length=5), "あいうえおか"))
    assert "5 文字以内" in ja and "6 文字" in ja
    assert "5 characters or fewer" in en and "it is 6" in en


def test_email_questions_check_the_address() -> None:
    question = q(type="text", id="contact_email")
    assert validate_answer(question, " hanako@example.com ", "ja") == "hanako@example.com"
    assert (
        validate_answer(question, "ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ja")
        == "hanako@example.com"
    )
    ja, en = messages(invalid(question, "hanako@example"))
    assert "メールアドレス" in ja and "e-mail address" in en and "hanako@example" in en


def test_phone_questions_accept_full_width_digits() -> None:
    question = q(type="text", id="phone")
    assert validate_answer(question, "０６－１２３４－５６７８", "ja") == "06-1234-5678"
    assert validate_answer(question, "+44 117 496 0123", "en") == "+44 117 496 0123"
    ja, en = messages(invalid(question, "いつでも"))
    assert "電話番号" in ja and "phone number" in en


# --- numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,200円", 1200),
        ("１２００", 1200),
        ("¥980", 980),
        ("3.5", 3.5),
        ("-2", -2),
        (3.0, 3),
        (7, 7),
        ("$4.50", 4.5),
    ],
)
def test_numbers_as_people_type_them(raw: Any, expected: float) -> None:
    value = validate_answer(q(type="number"), raw, "ja")
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("raw", ["abc", "1.2.3", "nan", "inf", True, [1]])
def test_not_a_number(raw: Any) -> None:
    ja, en = messages(invalid(q(type="number"), raw))
    assert "数として読めません" in ja and "is not a number" in en


def test_number_limits() -> None:
    question = q(type="number", min=1, max=100)
    ja, en = messages(invalid(question, "0"))
    assert "1 以上" in ja and "1 or more" in en
    ja, en = messages(invalid(question, "150"))
    assert "100 以下" in ja and "100 or less" in en
    assert validate_answer(question, "100", "en") == 100


def test_parse_number_helper() -> None:
    assert parse_number("12,345.5") == 12345.5
    assert parse_number("1,2") is None  # not a thousands separator: refuse to guess


# --- choices ----------------------------------------------------------------------------


@pytest.fixture
def operation(settings) -> Question:
    return get_job("csv-summary").question("operation")


@pytest.mark.parametrize("raw", ["mean", "平均", "average", " AVERAGE ", "2"])
def test_choice_accepts_value_label_or_number(operation: Question, raw: str) -> None:
    assert validate_answer(operation, raw, "ja") == "mean"


def test_not_a_choice_lists_the_options(operation: Question) -> None:
    ja, en = messages(invalid(operation, "median"))
    assert "「median」は選択肢にありません" in ja and "「合計」" in ja and "「平均」" in ja
    assert '"median" is not one of the options' in en and '"Total (sum)"' in en


def test_multi_choice_from_text_or_list() -> None:
    question = q(
        type="multi_choice",
        max_items=2,
        choices=[
            {"value": v, "label": {"ja": j, "en": v.title()}}
            for v, j in [("bread", "パン"), ("cake", "ケーキ"), ("tea", "お茶")]
        ],
    )
    assert validate_answer(question, "パン、ケーキ、パン", "ja") == ["bread", "cake"]
    assert validate_answer(question, ["tea"], "en") == ["tea"]
    ja, en = messages(invalid(question, ["bread", "cake", "tea"]))
    assert "2 件まで" in ja and "3 件" in ja and "at most 2" in en


# --- lists and records --------------------------------------------------------------------


def test_list_from_lines_or_commas() -> None:
    question = q(type="list", max_items=3, max_length=10)
    assert validate_answer(question, "パン作り\n\n料理教室\nパン作り\n", "ja") == [
        "パン作り",
        "料理教室",
    ]
    assert validate_answer(question, "HTML, CSS、写真", "en") == ["HTML", "CSS", "写真"]
    assert validate_answer(question, ["a ", "", "b"], "en") == ["a", "b"]
    ja, en = messages(invalid(question, "a\nb\nc\nd"))
    assert "3 件まで" in ja and "at most 3" in en
    ja, en = messages(invalid(q(type="list", min_items=2), "a"))
    assert "少なくとも 2 件" in ja and "at least 2" in en


@pytest.fixture
def products(settings) -> Question:
    return get_job("shop-page").question("products")


def test_records_from_lines_dicts_lists_and_tables(products: Question) -> None:
    expected = [{"name": "メロンパン", "price": "180"}, {"name": "食パン（1斤）", "price": "300"}]
    assert validate_answer(products, "メロンパン, 180\n食パン（1斤）、300\n", "ja") == expected
    assert validate_answer(products, "メロンパン\t180\n食パン（1斤）\t300", "ja") == expected
    assert (
        validate_answer(products, [["メロンパン", "180"], ["食パン（1斤）", 300]], "ja") == expected
    )
    as_labels = [
        {"商品名": "メロンパン", "価格": "180"},
        {"Product": "食パン（1斤）", "Price": "300"},
    ]
    assert validate_answer(products, as_labels, "ja") == expected
    table = pd.DataFrame([*expected, {"name": None, "price": None}])  # a blank row from an editor
    assert validate_answer(products, table, "ja") == expected


def test_prices_are_kept_exactly_as_written(products: Question) -> None:
    """Issue 13: "$12.50" became "12.5" and "$45" became "45" on an English page."""
    given = "Latte, $4.50\nCake, $12.50\nParty platter, $45\nSet menu, 1,200円〜\nTea, ３００円"
    assert [r["price"] for r in validate_answer(products, given, "en")] == [
        "$4.50",
        "$12.50",
        "$45",
        "1,200円〜",
        "３００円",
    ]


def test_record_problems_name_the_row_and_field(products: Question) -> None:
    ja, en = messages(
        invalid(products, [{"name": "メロンパン", "price": 180}, {"name": "", "price": 300}])
    )
    assert "2 件目の「商品名」" in ja and 'Entry 2 has no "Product"' in en
    ja, en = messages(invalid(products, [{"name": "メロンパン", "price": "時価"}]))
    assert "1 件目の「価格」（「時価」）に金額の数字がありません" in ja
    assert 'In entry 1, "Price" ("時価") has no amount in it' in en
    ja, en = messages(invalid(products, [{"name": None, "price": None}]))
    assert "回答が必要" in ja and "needs an answer" in en  # only blank rows = no answer


# --- colours ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("#abc", "#aabbcc"),
        ("#AABBCC", "#aabbcc"),
        ("1E90FF", "#1e90ff"),
        ("red", "#ff0000"),
        ("Navy", "#000080"),
        ("赤", "#ff0000"),
        ("赤色", "#ff0000"),
        ("みどり", "#008000"),
        ("ネイビー", "#000080"),
        ("sky blue", "#87ceeb"),
        ("＃ＦＦＦ", "#ffffff"),
    ],
)
def test_colours(raw: str, expected: str) -> None:
    assert validate_answer(q(type="color"), raw, "ja") == expected


@pytest.mark.parametrize("raw", ["#12345", "#ggg", "blurple", "12"])
def test_bad_colours(raw: str) -> None:
    ja, en = messages(invalid(q(type="color"), raw))
    assert f"「{raw}」は色として読めません" in ja and f'"{raw}" is not a colour' in en
    assert parse_color(raw) is None


# --- yes / no ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(True, True), ("はい", True), ("YES", True), ("いいえ", False), ("no", False), (0, False)],
)
def test_yes_no(raw: Any, expected: bool) -> None:
    assert validate_answer(q(type="yes_no"), raw, "ja") is expected


def test_yes_no_rejects_other_words() -> None:
    ja, en = messages(invalid(q(type="yes_no"), "たぶん"))
    assert "「はい」か「いいえ」" in ja and "yes or no" in en


def test_error_remembers_the_request_language() -> None:
    with pytest.raises(AnswerInvalid) as caught:
        validate_answer(q(type="number"), "abc", "en")
    assert caught.value.message() == caught.value.message("en")
