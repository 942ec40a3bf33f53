"""The task analyzer without e5: routes to skills, and the cheap difficulty features.

Rankings are built by hand, so every figure here is known; the analyzer on the real
classifier and the labelled requests is tests/integration/routing/test_analyzer.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support_system.core.settings import Settings, get_settings
from support_system.intake.classifier import Ranking, RouteScore
from support_system.intake.routes import OTHER_ROUTES
from support_system.intake.service import MODEL_MARGIN
from support_system.jobs.catalogue import load_catalogue
from support_system.routing import analyzer
from support_system.routing.analyzer import (
    RULE_MARGIN,
    analysis_of,
    analyze,
    ranking_features,
    skill_for_route,
    skills_for,
    text_features,
)


@pytest.mark.parametrize(
    ("route", "skill"),
    [
        ("shop-page", "page-copy"),
        ("faq-page", "page-copy"),
        ("csv-summary", "program-texts"),
        ("file-renamer", "program-texts"),
        ("data-chart", "chart-text"),
        ("custom-page", "page-copy"),
        ("custom-program", "program-texts"),
        ("data-question", "data-question"),
        ("not-possible", "chat"),
        ("declined", "chat"),
        ("no-such-route", None),
    ],
)
def test_each_route_has_the_skill_of_its_work(settings: Settings, route: str, skill: str) -> None:
    assert skill_for_route(route) == skill


def test_every_route_the_classifier_offers_has_a_skill(settings: Settings) -> None:
    routes = [*load_catalogue(), *OTHER_ROUTES]
    assert [route for route in routes if skill_for_route(route) is None] == []


def test_made_to_measure_routes_follow_their_job_kind_in_skills_yaml(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    skills = tmp_path / "skills.yaml"
    skills.write_text(
        "skills:\n"
        "  pages: {skill_category: writing, job_kinds: [webpage]}\n"
        "  code: {skill_category: code, job_kinds: [program, data]}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SUPPORT_SYSTEM_ROUTING__SKILLS_FILE", str(skills))
    get_settings.cache_clear()
    assert skill_for_route("shop-page") == skill_for_route("custom-page") == "pages"
    assert skill_for_route("data-chart") == skill_for_route("custom-program") == "code"
    assert skill_for_route("data-question") is None  # no such skill in this file
    # A request whose route has no skill is conversation.
    assert analysis_of("what is 2 + 2?", "en", "data-question").skill == "chat"


def test_text_features_count_what_the_words_say() -> None:
    text = "売上_４月.csv の表を、店ごとに合計して 12 月と比べたい"
    features = text_features(f"  {text}\n", "ja", ["a.csv"])
    assert features["chars"] == len(text) == 32  # what the person wrote, not the spaces
    assert features["japanese"] is True and features["answer_in_japanese"] is True
    assert features["numbers"] == 2  # full-width ４ counts; "12" counts once
    assert features["files"] == 1
    assert features["file_mentions"] == 2  # "csv" and 表
    assert features["asks_code"] is False and features["asks_chart"] is False


def test_numbers_with_separators_count_once() -> None:
    assert text_features("open 9:00-17:00, tickets 1,500 yen", "en")["numbers"] == 3


def test_the_request_script_and_the_answer_language_are_apart() -> None:
    features = text_features("a page for 山田 bakery", "en")
    assert features["japanese"] is True and features["answer_in_japanese"] is False
    assert text_features("make a page", "fr")["answer_in_japanese"] is False


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("join two spreadsheets by the customer column", 2),
        ("名簿のエクセルファイルから列を消したい", 4),
        ("発表会のお知らせと表示のしかた", 0),  # 発表, 表示 are not tables
        ("a page for my table tennis club", 1),  # a cheap feature: a word, not a meaning
        ("a photo gallery", 0),
    ],
)
def test_file_and_table_mentions(text: str, mentions: int) -> None:
    assert text_features(text, "en")["file_mentions"] == mentions


@pytest.mark.parametrize(
    ("text", "code", "chart"),
    [
        ("write a python script that renames my photos", True, False),
        ("エクセルのマクロを作って", True, False),
        ("売上をグラフにして", False, True),
        ("plot visitors per month as a bar chart", False, True),
        ("a photograph of my paragraph", False, False),  # not "graph"
        ("what is the average price?", False, False),
    ],
)
def test_code_and_chart_requests(text: str, code: bool, chart: bool) -> None:
    features = text_features(text, "en")
    assert (features["asks_code"], features["asks_chart"]) == (code, chart)


def _ranking(*scores: tuple[str, float]) -> Ranking:
    return Ranking([RouteScore(route, score) for route, score in scores], {}, 0.0)


def test_a_clear_lead_is_a_wide_margin_and_a_high_confidence() -> None:
    features = ranking_features("shop-page", _ranking(("shop-page", 2.5), ("menu-page", 0.5)))
    assert features["margin"] == 2.0
    assert features["confidence"] == 1.0  # softmax at temperature 0.25: e^-8 is nothing
    assert features["close_call"] is False and features["by_rules"] is False


def test_a_close_call_is_flagged_and_shares_the_confidence() -> None:
    ranking = _ranking(("custom-page", 1.0), ("shop-page", 0.9), ("declined", -5.0))
    features = ranking_features("custom-page", ranking)
    assert features["margin"] == pytest.approx(0.1) and 0.1 < MODEL_MARGIN
    assert features["close_call"] is True
    assert 0.5 < features["confidence"] < 0.7  # e^0.4 / (e^0.4 + 1)


def test_rules_decide_without_a_ranking() -> None:
    refused = ranking_features("declined", None)
    assert refused["margin"] == RULE_MARGIN and refused["confidence"] == 1.0
    assert refused["close_call"] is False and refused["by_rules"] is True
    empty = ranking_features(None, None)
    assert empty["margin"] == 0.0 and empty["confidence"] == 0.0 and empty["by_rules"] is True


def test_more_skills_follow_the_main_one() -> None:
    assert skills_for("data-question", {"asks_chart": True}) == ["data-question", "chart-text"]
    assert skills_for("chart-text", {"asks_chart": True}) == ["chart-text"]  # not twice
    assert skills_for("chat", {"asks_chart": True}) == ["chat"]
    close = {"asks_chart": True, "close_call": True}
    assert skills_for("page-copy", close) == ["page-copy", "chart-text", "intake-choice"]


def test_an_analysis_has_its_route_skill_and_every_feature(settings: Settings) -> None:
    ranking = _ranking(("data-question", 2.0), ("csv-summary", 1.9))
    found = analysis_of("show the sales per store as a chart", "en", "data-question", ranking)
    assert found.route == "data-question" and found.skill == "data-question"
    assert found.skills == ["data-question", "chart-text", "intake-choice"]
    assert set(found.features) == {
        "chars", "japanese", "answer_in_japanese", "numbers", "files", "file_mentions",
        "asks_code", "asks_chart", "margin", "confidence", "close_call", "by_rules",
    }  # fmt: skip
    assert found.as_dict()["features"] == found.features


def test_empty_and_harmful_requests_need_no_e5(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_ranking(*args: object, **kwargs: object) -> Ranking:
        raise AssertionError("ranked with e5")

    monkeypatch.setattr(analyzer, "rank", no_ranking)
    empty = analyze("   ", "ja")
    assert (empty.route, empty.skill, empty.features["chars"]) == (None, "chat", 0)
    refused = analyze("hack into my neighbour's wifi", "en")
    assert (refused.route, refused.skill) == ("declined", "chat")
    assert refused.features["by_rules"] is True
