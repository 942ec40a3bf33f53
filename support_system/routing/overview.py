"""What the routing page shows: the "faster ↔ better" weight in effect, and how each model
did per skill and per cluster of similar tasks.

The router decides from sums (routing_stats); people need to see the same figures to
trust a choice or to move their slider. This module turns those sums into plain rows —
outcomes, mean quality, mean seconds, and how often a model was actually used here — so
the page only formats them and a test can check them without a browser.

    overview = routing_overview()
    for row in overview.summary: ...            # per skill and model
    for row in overview.cells_of("chat"): ...   # per cluster and model
    alpha = alpha_setting(prefs.routing_alpha)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from support_system.core.settings import get_settings
from support_system.data.db import session_scope
from support_system.data.repositories import routing as records
from support_system.routing.service import alpha_for, model_label
from support_system.routing.skills import load_skills


@dataclass(frozen=True)
class AlphaSetting:
    """The weights that decide between quality and time (0 = fastest, 1 = best).

    `person` is the person's own choice (None: they never chose); `skills` holds the
    skills whose config/skills.yaml entry sets its own weight, which the router uses
    when the person has none."""

    person: float | None
    installation: float
    skills: dict[str, float] = field(default_factory=dict)

    @property
    def effective(self) -> float:
        """The weight used for a skill without its own."""
        return self.person if self.person is not None else self.installation

    def for_skill(self, skill: str) -> float:
        """The weight the router uses for `skill` (`service.alpha_for`)."""
        return alpha_for(load_skills().get(skill), self.person)


def alpha_setting(person: float | None) -> AlphaSetting:
    """The weights in effect for a person whose own choice is `person`."""
    own = {name: skill.llm_routing.alpha for name, skill in load_skills().items()}
    return AlphaSetting(
        person=person,
        installation=get_settings().routing.alpha,
        skills={name: alpha for name, alpha in own.items() if alpha is not None},
    )


@dataclass(frozen=True)
class ModelFigures:
    """How one model did on one skill (in one cluster, or over all of them)."""

    skill: str
    cluster: int | None  # None: every cluster of the skill together
    model: str
    label: str  # the short name people see ("1.5B")
    n: int  # outcomes recorded: the measured starting set and tasks done here
    quality: float  # mean quality, 0–1
    seconds: float  # mean seconds of model work
    chosen: int  # tasks done here (source "live") this model answered


@dataclass(frozen=True)
class Overview:
    """Every model's figures, per skill and cluster (`cells`) and per skill (`summary`)."""

    clusters: int
    cells: list[ModelFigures]
    summary: list[ModelFigures]

    @property
    def empty(self) -> bool:
        return not self.cells

    @property
    def skills(self) -> list[str]:
        """The skills that have figures, in the order of config/skills.yaml."""
        return list(dict.fromkeys(row.skill for row in self.summary))

    def cells_of(self, skill: str) -> list[ModelFigures]:
        return [row for row in self.cells if row.skill == skill]


def routing_overview() -> Overview:
    """The figures as the database holds them now (empty before the router first seeds
    the database; reading never seeds, a page must not write)."""
    with session_scope() as session:
        sums = records.stats(session)
        live = records.live_counts(session)
        clusters = records.cluster_count(session)
    labels: dict[str, str] = {}
    cells = [
        _figures(
            row.skill,
            row.cluster,
            row.model,
            labels,
            n=row.n,
            quality_sum=row.quality_sum,
            seconds_sum=row.seconds_sum,
            chosen=live.get((row.skill, row.cluster, row.model), 0),
        )
        for row in sums
        if row.n > 0
    ]
    cells.sort(key=_order())
    return Overview(clusters=clusters, cells=cells, summary=_per_skill(cells, labels))


def _figures(
    skill: str,
    cluster: int | None,
    model: str,
    labels: dict[str, str],
    *,
    n: int,
    quality_sum: float,
    seconds_sum: float,
    chosen: int,
) -> ModelFigures:
    if model not in labels:
        labels[model] = model_label(model)
    return ModelFigures(
        skill=skill,
        cluster=cluster,
        model=model,
        label=labels[model],
        n=n,
        quality=quality_sum / n,
        seconds=seconds_sum / n,
        chosen=chosen,
    )


def _per_skill(cells: Iterable[ModelFigures], labels: dict[str, str]) -> list[ModelFigures]:
    """Sums over the clusters (means weighted by outcomes, not by cluster), in the
    order of `cells`."""
    totals: dict[tuple[str, str], tuple[int, float, float, int]] = {}
    for row in cells:
        n, quality, seconds, chosen = totals.get((row.skill, row.model), (0, 0.0, 0.0, 0))
        totals[(row.skill, row.model)] = (
            n + row.n,
            quality + row.quality * row.n,
            seconds + row.seconds * row.n,
            chosen + row.chosen,
        )
    return [
        _figures(
            skill, None, model, labels, n=n, quality_sum=quality, seconds_sum=seconds, chosen=chosen
        )
        for (skill, model), (n, quality, seconds, chosen) in totals.items()
    ]


def _order() -> Callable[[ModelFigures], tuple[int, str, int, str]]:
    """Skills in config/skills.yaml's order (unknown ones after, by name), then cluster
    and model."""
    known = {name: index for index, name in enumerate(load_skills())}
    return lambda row: (
        known.get(row.skill, len(known)),
        row.skill,
        row.cluster if row.cluster is not None else -1,
        row.model,
    )


__all__ = [
    "AlphaSetting",
    "ModelFigures",
    "Overview",
    "alpha_setting",
    "routing_overview",
]


@dataclass(frozen=True)
class SkillRow:
    """One skill of config/skills.yaml as the Routing page lists it."""

    skill: str
    category: str
    job_kinds: list[str]
    capabilities: list[str]
    agent_skills: list[str]
    preferred: str | None  # a model set for the skill; None = the router decides
    alpha: float | None  # the skill's own faster ↔ better; None = the person's/installation's


def skill_rows() -> list[SkillRow]:
    """Every skill the router knows, in the file's order."""
    from support_system.routing.skills import load_skills

    return [
        SkillRow(
            skill=s.name,
            category=s.skill_category,
            job_kinds=list(s.job_kinds),
            capabilities=list(s.capabilities),
            agent_skills=list(s.agent_skills),
            preferred=s.llm_routing.preferred,
            alpha=s.llm_routing.alpha,
        )
        for s in load_skills().values()
    ]
