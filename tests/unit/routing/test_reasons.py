"""The plain reason for a routing choice, from the router's own estimates, in ja and en."""

from __future__ import annotations

import pytest

from support_system.routing.reasons import explicit_reason, reason
from support_system.routing.router import Choice

LABELS = {"small": "0.5B", "large": "1.5B"}


def _choice(model: str, quality: dict, seconds: dict, explored: bool = False) -> Choice:
    scores = {m: (1.0 if m == model else 0.5) for m in quality}
    return Choice(model, 0.5, quality, seconds, scores, [(0, 1.0)], explored)


def test_the_better_slower_model_says_how_much_better_and_slower() -> None:
    choice = _choice("large", {"small": 0.61, "large": 0.92}, {"small": 8.0, "large": 16.0})
    assert reason(choice, skill="data-question", labels=LABELS, lang="ja") == (
        "表についての質問では1.5Bの正答率が高い（92%対61%）ので1.5Bを使いました（約2.0倍の時間）。"
    )
    assert reason(choice, skill="data-question", labels=LABELS, lang="en") == (
        "For questions about a table 1.5B is right more often (92 % against 61 %), "
        "so 1.5B was used (about 2.0× the time)."
    )


@pytest.mark.parametrize(
    ("model", "quality", "seconds", "expected"),
    [
        ("small", {"small": 0.9, "large": 0.9}, {"small": 4.0, "large": 10.0}, "about as good"),
        ("small", {"small": 0.5, "large": 0.9}, {"small": 4.0, "large": 10.0}, "Speed was"),
        ("large", {"small": 0.5, "large": 0.9}, {"small": 10.0, "large": 4.0}, "and faster"),
    ],
)
def test_each_trade_off_has_its_own_sentence(model, quality, seconds, expected) -> None:
    text = reason(_choice(model, quality, seconds), skill="page-copy", labels=LABELS, lang="en")
    assert expected in text and "writing a page" in text
    if model == "small":
        assert "about 2.5× faster" in text


def test_one_candidate_an_exploration_and_an_explicit_choice() -> None:
    only = _choice("small", {"small": 0.9}, {"small": 4.0})
    assert reason(only, skill="chat", labels=LABELS, lang="ja") == (
        "使えるモデルが0.5Bだけなので0.5Bを使いました。"
    )
    tried = _choice("large", {"small": 0.9, "large": 0.8}, {"small": 4, "large": 9}, True)
    assert "tried again" in reason(tried, skill="chat", labels=LABELS, lang="en")
    assert explicit_reason("1.5B", "en") == "1.5B was used because you chose it."
    preferred = explicit_reason("1.5B", "ja", agent="ガイド")
    assert preferred == "ガイドが1.5Bを好むので1.5Bを使いました。"
