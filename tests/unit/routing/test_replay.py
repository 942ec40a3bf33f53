"""Replay evaluation: policies looked up in recorded outcomes, and RouteLLM's APGR."""

from __future__ import annotations

import numpy as np
import pytest

from support_system.routing.replay import Outcome, Point, Table, apgr, cross_validate

WEAK, STRONG = "weak", "strong"


def test_apgr_is_the_area_under_the_recovered_gap() -> None:
    weak, strong = Point("w", 0.5, 1.0, 0.0), Point("s", 1.0, 2.0, 1.0)
    # Half the strong calls recover the whole gap: (0,0) → (0.5,1) → (1,1).
    assert apgr([Point("r", 1.0, 1.5, 0.5)], weak, strong) == pytest.approx(0.75)
    # A router no better than random lies on the diagonal.
    assert apgr([Point("r", 0.75, 1.5, 0.5)], weak, strong) == pytest.approx(0.5)
    assert apgr([], Point("w", 0.7, 1, 0), Point("s", 0.7, 2, 1)) is None


def _table() -> tuple[Table, list[str]]:
    """Skill "hard": weak fails, strong passes. Skill "easy": both pass. Strong is 3x slower."""
    rng = np.random.default_rng(0)
    outcomes, vectors, tasks = [], {}, []
    for skill, direction, weak_quality in (("hard", 0, 0.0), ("easy", 1, 1.0)):
        for i in range(30):
            task = f"{skill}-{i}"
            tasks.append(task)
            base = np.zeros(8, dtype=np.float32)
            base[direction] = 1.0
            vectors[task] = base + 0.05 * rng.standard_normal(8).astype(np.float32)
            outcomes.append(Outcome(task, skill, "tune", WEAK, weak_quality, 1.0))
            outcomes.append(Outcome(task, skill, "tune", STRONG, 1.0, 3.0))
    return Table(outcomes, vectors), tasks


def test_the_adaptive_router_recovers_the_gap_at_a_fraction_of_the_time() -> None:
    table, tasks = _table()
    report = cross_validate(table, tasks, weak=WEAK, strong=STRONG, k=2, repeats=5)
    weak, strong = report.fixed["always-weak"], report.fixed["always-strong"]
    assert weak.quality == pytest.approx(0.5) and strong.quality == pytest.approx(1.0)
    assert report.fixed["oracle"].quality == pytest.approx(1.0)
    assert report.fixed["oracle"].seconds == pytest.approx(2.0)  # hard on strong, easy on weak
    assert report.fixed["per-skill rule"].quality == pytest.approx(1.0)
    middle = report.adaptive[5]  # α = 0.5
    assert middle.alpha == 0.5 and middle.quality == pytest.approx(1.0)
    assert middle.strong_share == pytest.approx(0.5)
    assert report.apgr is not None and report.random_apgr is not None
    # Every point of the curve sits at (half the calls strong, the whole gap): the most
    # any router can get here; random calls recover the gap in proportion.
    assert report.apgr == pytest.approx(0.75) and report.random_apgr == pytest.approx(0.5)
    saved, point = report.saving(1.0)
    assert saved == pytest.approx(1 / 3) and point.quality == pytest.approx(1.0)
    assert report.knee().quality == pytest.approx(1.0)


def test_only_tasks_every_model_ran_are_replayed() -> None:
    table, _ = _table()
    table.runs.pop(("hard-0", STRONG))
    assert "hard-0" not in table.complete_tasks([WEAK, STRONG])
    assert len(table.complete_tasks([WEAK, STRONG])) == 59
