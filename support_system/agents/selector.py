"""The agent selector: which persona takes on a task nobody assigned to one.

The design's pipeline is task analyzer → skill matcher → router → agent selector. A task
of a skill (config/skills.yaml) is best done by an agent whose skill tags include the
skill's `agent_skills` (a page by the web designer, a question about a table by the data
analyst); among agents that match equally, the one whose description is closest to the
request (e5, both languages of the description) wins. The chosen agent's preferred model
then counts as the agent's explicit choice in routing.

    choice = select_agent("data-question", "何月が一番売れた？", "ja", agents)
    choice.agent.name, choice.reason   # "data-analyst", "…が得意なミオ（データ分析）が担当します。"
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from support_system.agents.library import StoredAgent
from support_system.core.i18n import t
from support_system.intake.vectors import embed
from support_system.routing.reasons import skill_name
from support_system.routing.skills import load_skills

TAG_WEIGHT = 1.0  # one matching skill tag outweighs any difference in e5 similarity


@dataclass(frozen=True)
class AgentChoice:
    """The persona chosen for a task, its score and why (in the asker's language)."""

    agent: StoredAgent
    score: float
    matched: list[str]  # the skill tags it shares with the task
    reason: str


def select_agent(
    skill: str, text: str, lang: str, agents: Sequence[StoredAgent]
) -> AgentChoice | None:
    """The agent for a task of `skill` whose request is `text` (None: no agents)."""
    if not agents:
        return None
    definition = load_skills().get(skill)
    wanted = set(definition.agent_skills) if definition is not None else set()
    vectors = embed(
        [text, *(f"{a.definition.description.ja} {a.definition.description.en}" for a in agents)]
    )
    similarity = vectors[1:] @ vectors[0]
    scored = []
    for agent, close in zip(agents, similarity, strict=True):
        matched = sorted(wanted & set(agent.definition.skills))
        scored.append((TAG_WEIGHT * len(matched) + float(close), matched, agent))
    score, matched, agent = max(scored, key=lambda row: (row[0], -len(row[2].definition.skills)))
    name = agent.definition.display_name.get(lang)
    if matched:
        reason = t("routing.agent.by_skill", lang, agent=name, skill=skill_name(skill, lang))
    else:
        reason = t("routing.agent.by_request", lang, agent=name)
    return AgentChoice(agent, round(float(score), 4), matched, reason)
