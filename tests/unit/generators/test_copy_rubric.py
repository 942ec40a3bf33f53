"""The copy rubric's parts that need no model: the answer → score, the means, the facts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from support_system.generators.copy_rubric import (
    CRITERIA,
    CopyScore,
    Criterion,
    RubricAnswer,
    facts_text,
    summarise,
)


def _answer(**scores: int) -> RubricAnswer:
    return RubricAnswer.model_validate(
        {name: {"reason": f"  why\n{name} ", "score": scores.get(name, 3)} for name in CRITERIA}
    )


def test_an_answer_becomes_a_score_with_its_mean_and_judge() -> None:
    score = CopyScore.from_answer(_answer(specific=1, natural=4, no_filler=2, faithful=5), "judge")
    assert {k: c.score for k, c in score.criteria.items()} == {
        "specific": 1,
        "natural": 4,
        "no_filler": 2,
        "faithful": 5,
    }
    assert score.criteria["natural"].reason == "why natural"  # one line
    assert score.mean == 3.0
    assert score.model == "judge"


@pytest.mark.parametrize("bad", [0, 6, "5"])
def test_a_score_outside_one_to_five_is_refused(bad: object) -> None:
    data = {name: {"reason": "r", "score": 3} for name in CRITERIA}
    data["specific"]["score"] = bad
    with pytest.raises(ValidationError):
        RubricAnswer.model_validate(data)


def test_the_schema_asks_reason_before_score_for_every_criterion() -> None:
    schema = RubricAnswer.model_json_schema()
    assert list(schema["properties"]) == list(CRITERIA)
    judged = schema["$defs"]["_Judged"]
    assert list(judged["properties"]) == ["reason", "score"]
    assert judged["properties"]["score"]["enum"] == [1, 2, 3, 4, 5]


def test_a_score_survives_its_dict_form() -> None:
    score = CopyScore({k: Criterion(2, f"r {k}") for k in CRITERIA}, "judge")
    again = CopyScore.from_dict(score.as_dict())
    assert again == score
    assert score.as_dict()["mean"] == 2.0


def test_summarise_means_the_means_and_each_criterion() -> None:
    low = CopyScore({k: Criterion(1, "") for k in CRITERIA}, "j")
    high = CopyScore({**{k: Criterion(5, "") for k in CRITERIA}, "faithful": Criterion(3, "")}, "j")
    summary = summarise([low, high])
    assert summary is not None
    assert summary.count == 2
    assert summary.mean == pytest.approx((1.0 + 4.5) / 2)
    assert summary.criteria == {"specific": 3.0, "natural": 3.0, "no_filler": 3.0, "faithful": 2.0}
    assert summarise([]) is None


def test_facts_leave_out_the_look_and_cut_long_lists() -> None:
    facts = {
        "name": "ひまわりベーカリー",
        "color": "#ffcc00",
        "layout": "card",
        "tagline": None,
        "products": [{"item": f"パン{i}", "price": f"{i}00円", "note": None} for i in range(10)],
        "address": "東京都杉並区\n1-2-3",
    }
    text = facts_text(facts)
    assert text.splitlines() == [
        "- name: ひまわりベーカリー",
        "- products: "
        + "; ".join(f"item: パン{i}, price: {i}00円" for i in range(8))
        + "; … (2 more)",
        "- address: 東京都杉並区 1-2-3",
    ]
    assert facts_text({}) == "- (nothing)"
