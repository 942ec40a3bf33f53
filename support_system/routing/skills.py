"""The skills the router knows (`config/skills.yaml`): what kind of work each is, which
catalogue jobs it covers, and how it is routed.

A skill is the unit the router keeps statistics for: a page's copy and a question about a
table are different work, and a model good at one need not be good at the other.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from support_system.core.settings import get_settings


class LLMRouting(BaseModel):
    """How one skill is routed; see the comments in config/skills.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    preferred: str | None = None
    fallback: list[str] = Field(default_factory=list)
    performance_weight: float | None = Field(None, ge=0, le=1)
    cost_weight: float | None = Field(None, ge=0, le=1)

    @model_validator(mode="after")
    def _weights_add_up(self) -> LLMRouting:
        given = (self.performance_weight, self.cost_weight)
        if None not in given and abs(sum(given) - 1) > 1e-6:  # type: ignore[arg-type]
            raise ValueError("performance_weight + cost_weight must be 1")
        return self

    @property
    def alpha(self) -> float | None:
        """α for this skill, when the skill sets one."""
        if self.performance_weight is not None:
            return self.performance_weight
        return None if self.cost_weight is None else 1 - self.cost_weight


class Skill(BaseModel):
    """One entry of config/skills.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    skill_category: str
    job_kinds: list[str] = Field(default_factory=list)
    llm_routing: LLMRouting = Field(default_factory=LLMRouting)
    capabilities: list[str] = Field(default_factory=list)
    agent_skills: list[str] = Field(
        default_factory=list,
        description="Skill tags of the agents (config/agents) suited to this work: the agent "
        "selector prefers a persona that has them.",
    )


def skills_file() -> Path:
    return get_settings().routing.skills_file


@lru_cache(maxsize=4)
def _load(path: Path) -> dict[str, Skill]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {name: Skill(name=name, **entry) for name, entry in (raw.get("skills") or {}).items()}


def load_skills() -> dict[str, Skill]:
    """Every skill by name ({} when the file is missing: nothing is routed then)."""
    path = skills_file()
    return _load(path) if path.is_file() else {}


def skill_for_job_kind(kind: str) -> str | None:
    """The skill whose model work a catalogue job of `kind` is (None: not routed)."""
    for skill in load_skills().values():
        if kind in skill.job_kinds:
            return skill.name
    return None


def job_request_text(job: Any, answers: dict[str, Any], lang: str) -> str:
    """What the router embeds for a catalogue job: what a person asking for it would have
    said, the job's title and their short answers (as bench/routing.py recorded it)."""
    short = [str(v) for v in answers.values() if isinstance(v, str) and len(v) < 60]
    return f"{job.title.get(lang)}: " + ", ".join(short[:6])
