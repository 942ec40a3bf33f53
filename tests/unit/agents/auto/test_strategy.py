"""Auto mode without a model: reading stated answers, the adjustment ladder, loops."""

from __future__ import annotations

import pytest

from support_system.agents.auto import strategy
from support_system.agents.auto.config import AutoConfig
from support_system.agents.auto.planning import apply_correction, choose_job, stated_answers
from support_system.jobs.catalogue import get_job


@pytest.fixture
def no_stronger(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strategy, "stronger_model", lambda current: None)


def test_goal_lines_become_validated_answers(settings) -> None:
    job = get_job("profile-page")
    found = stated_answers(
        job, "name: Hanako\nemail: h@example.com; skills: Baking, Cakes\nhello", "en", None
    )
    assert found == {
        "name": "Hanako",
        "contact_email": "h@example.com",
        "skills": ["Baking", "Cakes"],
    }
    assert stated_answers(job, "email: not-an-address", "en", None) == {}


def test_profile_goals_map_to_the_profile_page(settings) -> None:
    assert choose_job("I want a profile page about me").id == "profile-page"
    assert choose_job("xyzzy") is None


def test_a_correction_changes_only_what_it_names(settings) -> None:
    job = get_job("profile-page")
    answers, changed = apply_correction(
        job, {"layout": "classic", "name": "A"}, "layout: card", "en", None
    )
    assert answers == {"layout": "card", "name": "A"} and changed == ["layout"]


def test_ladder_then_loop_then_stop(settings, no_stronger) -> None:
    job = get_job("profile-page")
    answers = {"layout": "classic"}
    first = strategy.choose(job, answers, None, False, [{"action": "a", "failure": "x"}], [])
    assert (first.kind, first.loop, first.answers["layout"]) == ("layout", False, "card")
    history = [{"action": "a", "failure": "x"}, {"action": "b", "failure": "x"}]
    second = strategy.choose(job, first.answers, None, False, history, ["layout"])
    assert (second.kind, second.loop, second.template_only) == ("template", True, True)
    history.append({"action": "c", "failure": "x"})
    third = strategy.choose(job, first.answers, None, True, history, ["layout", "template"])
    assert (third.kind, third.loop) == ("stop", True)


def test_same_action_twice_is_a_loop_even_with_new_failures(settings, no_stronger) -> None:
    job = get_job("profile-page")
    history = [{"action": "a", "failure": "x"}, {"action": "a", "failure": "y"}]
    assert strategy.choose(job, {}, None, False, history, []).loop


def test_config_rejects_unknown_checkpoints() -> None:
    with pytest.raises(ValueError):
        AutoConfig(pause_at=["whenever"])


def test_the_questions_a_goal_answers_pick_the_job(settings) -> None:
    goal = "プロフィールのページを作って。name: 山田 花子; headline: パン教室; skills: パン作り"
    assert choose_job(goal).id == "profile-page"
