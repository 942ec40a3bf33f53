"""facts_check: model prose may only state facts the user gave (DESIGN §5)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from support_system.generators.facts import extract_facts, facts_check


def kinds(text: str) -> list[tuple[str, str]]:
    return [(fact.kind, fact.text) for fact in extract_facts(text)]


def test_extracts_every_kind_once() -> None:
    text = (
        "営業時間：９：００〜１７：００、電話は03-1234-5678、メール info@example.jp、"
        "詳しくは https://example.jp/shop。2024年4月1日開店、パンは1,200円、平均 12.5 個。"
    )
    assert kinds(text) == [
        ("time", "9:00"),
        ("time", "17:00"),
        ("phone", "03-1234-5678"),
        ("email", "info@example.jp"),
        ("url", "https://example.jp/shop"),
        ("date", "2024年4月1日"),
        ("price", "1,200円"),
        ("number", "12.5"),
    ]


@pytest.mark.parametrize(
    ("text", "kind", "key"),
    [
        ("１，２００", "number", Decimal("1200")),
        ("¥3,000", "price", Decimal("3000")),
        ("9時半", "time", (9, 30)),
        ("4月1日", "date", (None, 4, 1)),
        ("2024/04/01", "date", (2024, 4, 1)),
        ("+81 3-1234-5678", "phone", "0312345678"),
        ("www.example.com/", "url", "example.com"),
    ],
)
def test_keys_compare_by_meaning(text: str, kind: str, key: object) -> None:
    (fact,) = extract_facts(text)
    assert (fact.kind, fact.key) == (kind, key)


def test_text_without_facts_passes() -> None:
    result = facts_check("東京が一番多く、全体として順調に伸びています。", [])
    assert result.name == "facts" and result.passed and result.messages == []


def test_facts_from_the_answers_pass_in_any_spelling() -> None:
    allowed = [
        "9:00-17:00",
        "03-1234-5678",
        "info@example.jp",
        "https://example.jp",
        1200,
        date(2024, 4, 1),
    ]
    text = "９時から17時まで。☎ 03 1234 5678、INFO@example.jp、https://example.jp/。1,200円。4月1日オープン。"
    result = facts_check(text, allowed)
    assert result.passed, result.messages


def test_rounded_statistics_pass() -> None:
    assert facts_check("平均は約123.5、つまり123前後です。", [123.456]).passed


def test_each_invented_fact_is_named() -> None:
    allowed = ["パン屋さくら", 1200]
    result = facts_check("営業時間は9:00から。電話 090-1111-2222、価格は1,500円、3種類。", allowed)
    assert not result.passed
    joined = "\n".join(result.messages)
    for invented in ('"9:00"', '"090-1111-2222"', '"1,500円"', '"3"'):
        assert invented in joined
    assert len(result.messages) == 4


def test_invented_email_url_and_date_fail() -> None:
    result = facts_check(
        "連絡は shop@example.com、https://evil.example/ まで。5月5日に開店。", ["shop"]
    )
    assert [m.split('"')[1] for m in result.messages] == [
        "shop@example.com",
        "https://evil.example/",
        "5月5日",
    ]


def test_phone_digits_are_not_reported_twice() -> None:
    result = facts_check("電話 03-9999-0000", [])
    assert len(result.messages) == 1 and "phone number" in result.messages[0]
