"""Routers evaluated by replay on recorded outcomes.

Every model ran every task once (`bench/routing.py collect`); a router's run over a set of
test tasks is then a lookup of the outcomes of the models it picks, so any number of
routers and α values are compared on the same runs (RouteLLM's and Avengers-Pro's way).

Policies compared on each test set: always the weak (fast) model, always the strong one,
random at the adaptive router's share of strong calls, a fixed per-skill rule (each skill
gets the model that did better on its training tasks), the adaptive router at each α, and
the oracle (per task, the fastest model among those with the best outcome).

Figures: mean quality and seconds per task, the share of calls to the strong model,
APGR = the area under the share-of-the-gap-recovered curve over the share of strong
calls (RouteLLM: (q − q_weak) / (q_strong − q_weak), integrated from 0 to 1), and the
time saved against always-strong at equal quality and at 90 % of its quality.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from support_system.routing.router import AdaptiveRouter

ALPHAS: tuple[float, ...] = tuple(round(0.1 * i, 1) for i in range(11))
RULE_TIE = 0.02  # a skill's better model must beat the other by this much to cost more


@dataclass(frozen=True)
class Outcome:
    """One model's run of one task."""

    task: str
    skill: str
    split: str
    model: str
    quality: float  # 0–1: passed or not, or a score
    seconds: float


@dataclass(frozen=True)
class Point:
    """One policy's mean result per task (over every test set of the replay)."""

    name: str
    quality: float
    seconds: float
    strong_share: float
    alpha: float | None = None


@dataclass(frozen=True)
class Report:
    weak: str
    strong: str
    tasks: int  # test tasks per repeat
    repeats: int
    k: int
    fixed: dict[str, Point]  # always-weak, always-strong, per-skill rule, oracle
    adaptive: list[Point]  # one per α, in α order
    random: list[Point]  # at each adaptive point's share of strong calls

    @property
    def apgr(self) -> float | None:
        return apgr(self.adaptive, self.fixed["always-weak"], self.fixed["always-strong"])

    @property
    def random_apgr(self) -> float | None:
        return apgr(self.random, self.fixed["always-weak"], self.fixed["always-strong"])

    def saving(self, share_of_strong_quality: float) -> tuple[float, Point] | None:
        """The adaptive point with the fewest seconds at ≥ the given share of always-strong's
        quality, and the share of time it saves against always-strong; None if none does."""
        strong = self.fixed["always-strong"]
        good = [
            p for p in self.adaptive if p.quality >= share_of_strong_quality * strong.quality - 1e-9
        ]
        if not good or strong.seconds <= 0:
            return None
        best = min(good, key=lambda p: p.seconds)
        return 1 - best.seconds / strong.seconds, best

    def knee(self) -> Point:
        """The adaptive point furthest above the straight line from always-weak to
        always-strong (quality and seconds scaled between those two): the default α."""
        weak, strong = self.fixed["always-weak"], self.fixed["always-strong"]
        span_q = (strong.quality - weak.quality) or 1.0
        span_s = (strong.seconds - weak.seconds) or 1.0
        return max(
            self.adaptive,
            key=lambda p: (p.quality - weak.quality) / span_q - (p.seconds - weak.seconds) / span_s,
        )


def apgr(curve: Sequence[Point], weak: Point, strong: Point) -> float | None:
    """Area under (share of strong calls → share of the quality gap recovered), 0–1."""
    gap = strong.quality - weak.quality
    if abs(gap) < 1e-9:
        return None
    points = sorted(
        [
            (0.0, 0.0),
            (1.0, 1.0),
            *((p.strong_share, (p.quality - weak.quality) / gap) for p in curve),
        ]
    )
    area = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        area += (x1 - x0) * (y0 + y1) / 2
    return area


class Table:
    """Outcomes by (task, model), with each task's skill and vector."""

    def __init__(self, outcomes: Iterable[Outcome], vectors: dict[str, np.ndarray]) -> None:
        self.runs: dict[tuple[str, str], Outcome] = {}
        self.skill: dict[str, str] = {}
        self.split: dict[str, str] = {}
        for outcome in outcomes:
            self.runs[(outcome.task, outcome.model)] = outcome
            self.skill[outcome.task] = outcome.skill
            self.split[outcome.task] = outcome.split
        self.vectors = vectors

    def complete_tasks(self, models: Sequence[str]) -> list[str]:
        """Tasks every model ran (and that have a vector), in a stable order."""
        return sorted(
            task
            for task in self.skill
            if task in self.vectors and all((task, m) in self.runs for m in models)
        )

    def get(self, task: str, model: str) -> Outcome:
        return self.runs[(task, model)]


def cross_validate(
    table: Table,
    tasks: Sequence[str],
    *,
    weak: str,
    strong: str,
    k: int,
    repeats: int = 10,
    train_share: float = 0.7,
    alphas: Sequence[float] = ALPHAS,
    seed: int = 0,
) -> Report:
    """Repeated random splits of `tasks` (stratified by skill): fit on one part, replay
    on the rest; every figure is the mean over the repeats."""
    rng = random.Random(seed)
    by_skill: dict[str, list[str]] = defaultdict(list)
    for task in tasks:
        by_skill[table.skill[task]].append(task)
    splits = []
    for _ in range(repeats):
        train, test = [], []
        for members in by_skill.values():
            shuffled = members[:]
            rng.shuffle(shuffled)
            cut = max(1, round(train_share * len(shuffled))) if len(shuffled) > 1 else 1
            train += shuffled[:cut]
            test += shuffled[cut:]
        splits.append((train, test))
    return _replay(table, splits, weak=weak, strong=strong, k=k, alphas=alphas, seed=seed)


def fit_then_test(
    table: Table,
    train: Sequence[str],
    test: Sequence[str],
    *,
    weak: str,
    strong: str,
    k: int,
    alphas: Sequence[float] = ALPHAS,
    seed: int = 0,
) -> Report:
    """Fit on `train` (the tune tasks), replay once on `test` (the held-out quarter)."""
    return _replay(
        table, [(list(train), list(test))], weak=weak, strong=strong, k=k, alphas=alphas, seed=seed
    )


def _replay(
    table: Table,
    splits: list[tuple[list[str], list[str]]],
    *,
    weak: str,
    strong: str,
    k: int,
    alphas: Sequence[float],
    seed: int,
) -> Report:
    models = [weak, strong]
    sums: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(3))  # quality, seconds, strong
    tested = 0
    for number, (train, test) in enumerate(splits):
        tested += len(test)
        for name, pick in _fixed_policies(table, train, weak, strong).items():
            for task in test:
                sums[name] += _lookup(table, task, pick(task), strong)
        router = AdaptiveRouter.fit(
            np.stack([table.vectors[t] for t in train]), k, seed=seed + number
        )
        for task in train:
            for model in models:
                run = table.get(task, model)
                router.record(
                    table.vectors[task], model, run.quality, run.seconds, table.skill[task]
                )
        for alpha in alphas:
            for task in test:
                choice = router.choose(table.vectors[task], models, alpha, table.skill[task])
                sums[f"adaptive@{alpha:.1f}"] += _lookup(table, task, choice.model, strong)

    def point(name: str, alpha: float | None = None) -> Point:
        q, s, n = sums[name] / max(tested, 1)
        return Point(name, float(q), float(s), float(n), alpha)

    fixed = {
        name: point(name) for name in ("always-weak", "always-strong", "per-skill rule", "oracle")
    }
    adaptive = [point(f"adaptive@{a:.1f}", a) for a in alphas]
    weak_point, strong_point = fixed["always-weak"], fixed["always-strong"]
    randoms = [
        Point(
            f"random@{p.strong_share:.2f}",
            p.strong_share * strong_point.quality + (1 - p.strong_share) * weak_point.quality,
            p.strong_share * strong_point.seconds + (1 - p.strong_share) * weak_point.seconds,
            p.strong_share,
            p.alpha,
        )
        for p in adaptive
    ]
    per_repeat = tested // max(len(splits), 1)
    return Report(weak, strong, per_repeat, len(splits), k, fixed, adaptive, randoms)


def _fixed_policies(
    table: Table, train: Sequence[str], weak: str, strong: str
) -> dict[str, Callable[[str], str]]:
    by_skill: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for task in train:
        for model in (weak, strong):
            by_skill[table.skill[task]][model].append(table.get(task, model).quality)
    rule = {
        skill: strong if np.mean(runs[strong]) > np.mean(runs[weak]) + RULE_TIE else weak
        for skill, runs in by_skill.items()
    }

    def oracle(task: str) -> str:
        runs = [table.get(task, m) for m in (weak, strong)]
        best = max(r.quality for r in runs)
        return min((r for r in runs if r.quality == best), key=lambda r: r.seconds).model

    return {
        "always-weak": lambda task: weak,
        "always-strong": lambda task: strong,
        "per-skill rule": lambda task: rule.get(table.skill[task], weak),
        "oracle": oracle,
    }


def _lookup(table: Table, task: str, model: str, strong: str) -> np.ndarray:
    run = table.get(task, model)
    return np.array([run.quality, run.seconds, 1.0 if model == strong else 0.0])
