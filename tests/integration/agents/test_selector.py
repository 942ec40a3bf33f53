"""The agent selector on the real built-in agents (config/agents/system) and real e5:
a task goes to the persona whose skill tags fit its skill, and the reason says so."""

from __future__ import annotations

import pytest

from support_system.agents.auto.service import _agent_for
from support_system.agents.library import list_agents
from support_system.agents.selector import select_agent
from support_system.routing.analyzer import analyze


@pytest.fixture
def agents(db):
    return list_agents()


@pytest.mark.parametrize(
    ("skill", "text", "lang", "expected"),
    [
        ("data-question", "何月が一番売れた？", "ja", "data-analyst"),
        ("chart-text", "a bar chart of visitors per month", "en", "data-analyst"),
        ("page-copy", "a page for my bakery with opening hours", "en", "web-designer"),
        ("program-texts", "ファイル名を日付順に変えるプログラム", "ja", "python-programmer"),
        ("chat", "hello, what can you do?", "en", "guide"),
    ],
)
def test_the_persona_whose_skills_fit_takes_the_task(agents, skill, text, lang, expected) -> None:
    choice = select_agent(skill, text, lang, agents)
    assert choice is not None and choice.agent.name == expected, choice
    assert choice.matched  # chosen for its skill tags, and the sentence says so
    name = choice.agent.definition.display_name.get(lang)
    assert name in choice.reason
    assert ("が得意な" in choice.reason) if lang == "ja" else ("their strength" in choice.reason)


def test_without_a_fitting_tag_the_closest_description_wins(agents) -> None:
    choice = select_agent("no-such-skill", "check my page strictly for problems", "en", agents)
    assert choice is not None and choice.matched == []
    assert choice.agent.name == "reviewer"
    assert "closest match" in choice.reason


def test_no_agents_no_choice(db) -> None:
    assert select_agent("chat", "hello", "en", []) is None


def test_auto_mode_takes_the_selected_persona_unless_one_was_named(db) -> None:
    goal = "A page for my bakery: Sunflower Bakery, open 9-18"
    name, reason = _agent_for(goal, "en", None, None)
    expected = select_agent(analyze(goal, "en").skill, goal, "en", list_agents())
    assert expected is not None and (name, reason) == (expected.agent.name, expected.reason)
    assert name == "web-designer"
    assert _agent_for(goal, "en", "reviewer", None) == ("reviewer", "")
