"""The routing page's figures (support_system/routing/overview.py) on a real database:
outcomes, quality, seconds and how often a model was used here, per skill and cluster,
and how they move when the app records another outcome."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from support_system.core.settings import Settings, get_settings
from support_system.data.db import session_scope
from support_system.data.repositories import routing as records
from support_system.data.schema import RoutingCluster, RoutingOutcome, RoutingStat
from support_system.routing import service
from support_system.routing.overview import (
    ModelFigures,
    alpha_setting,
    routing_overview,
)
from support_system.routing.reasons import skill_name
from support_system.routing.service import Route, record

SMALL, LARGE = "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"


@pytest.fixture
def routing_db(db: Settings) -> Iterator[Settings]:
    """A database without routing figures (the test database comes seeded with the
    recorded ones, as a new installation's would be after its first choice)."""
    with session_scope() as session:
        for table in (RoutingStat, RoutingOutcome, RoutingCluster):
            session.execute(delete(table))
    service.forget()  # no router from another test's database
    yield db
    service.forget()


def test_the_seeded_figures_are_shown_and_none_counts_as_used_here(db: Settings) -> None:
    overview = routing_overview()
    with session_scope() as session:
        truth = {(r.skill, r.cluster, r.model): r for r in records.sums_from_outcomes(session)}
        clusters = len(records.centroids(session))
    assert not overview.empty and overview.clusters == clusters > 1
    assert {(r.skill, r.cluster, r.model) for r in overview.cells} == truth.keys()
    for row in overview.cells:
        sums = truth[(row.skill, row.cluster, row.model)]
        assert row.n == sums.n and row.chosen == 0  # seeded outcomes are not "used here"
        assert row.quality == pytest.approx(sums.quality_sum / sums.n)
        assert row.seconds == pytest.approx(sums.seconds_sum / sums.n)
        assert row.label in ("0.5B", "1.5B")
    assert sum(r.n for r in overview.summary) == sum(r.n for r in overview.cells)


def _outcome(
    skill: str, cluster: int, model: str, quality: float, seconds: float, source: str = "seed"
) -> dict:
    return {
        "skill": skill,
        "cluster": cluster,
        "model": model,
        "quality": quality,
        "seconds": seconds,
        "source": source,
    }


def _seed() -> None:
    with session_scope() as session:
        records.save_centroids(session, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        records.add_outcomes(
            session,
            [
                _outcome("chat", 1, SMALL, 1.0, 1.0, source="live"),
                _outcome("data-question", 0, SMALL, 1.0, 2.0),
                _outcome("data-question", 0, SMALL, 0.0, 4.0),
                _outcome("data-question", 0, LARGE, 1.0, 5.0),
                _outcome("data-question", 0, LARGE, 1.0, 7.0),
                _outcome("data-question", 1, LARGE, 0.5, 6.0, source="live"),
            ],
        )


def _cell(rows: list[ModelFigures], skill: str, cluster: int | None, model: str) -> ModelFigures:
    found = [r for r in rows if (r.skill, r.cluster, r.model) == (skill, cluster, model)]
    assert len(found) == 1, rows
    return found[0]


def test_an_empty_database_has_no_figures(routing_db: Settings) -> None:
    overview = routing_overview()
    assert overview.empty
    assert (overview.clusters, overview.cells, overview.summary, overview.skills) == (0, [], [], [])


def test_figures_per_cluster_and_per_skill(routing_db: Settings) -> None:
    _seed()
    overview = routing_overview()
    assert not overview.empty and overview.clusters == 3
    # Skills in config/skills.yaml's order (data-question comes before chat there).
    assert overview.skills == ["data-question", "chat"]
    assert [(r.cluster, r.model) for r in overview.cells_of("data-question")] == [
        (0, SMALL),
        (0, LARGE),
        (1, LARGE),
    ]

    small = _cell(overview.cells, "data-question", 0, SMALL)
    assert (small.label, small.n, small.chosen) == ("0.5B", 2, 0)  # seeded: never used here
    assert small.quality == pytest.approx(0.5) and small.seconds == pytest.approx(3.0)
    large = _cell(overview.cells, "data-question", 1, LARGE)
    assert (large.label, large.n, large.chosen) == ("1.5B", 1, 1)
    assert (large.quality, large.seconds) == pytest.approx((0.5, 6.0))

    # Per skill: summed over clusters, means weighted by outcomes.
    summary = _cell(overview.summary, "data-question", None, LARGE)
    assert (summary.n, summary.chosen) == (3, 1)
    assert summary.quality == pytest.approx(2.5 / 3) and summary.seconds == pytest.approx(6.0)
    chat = _cell(overview.summary, "chat", None, SMALL)
    assert (chat.n, chat.quality, chat.seconds, chat.chosen) == (1, 1.0, 1.0, 1)


def test_a_recorded_outcome_changes_the_figures(routing_db: Settings) -> None:
    _seed()
    before = routing_overview()
    # The app's own path after a routed task: a live outcome in cluster 0.
    route = Route("data-question", SMALL, "router", {}, "en", alpha=0.6, cluster=0)
    record(route, quality=1.0, seconds=3.0)
    after = routing_overview()

    old, new = (_cell(o.cells, "data-question", 0, SMALL) for o in (before, after))
    assert (old.n, old.chosen) == (2, 0)
    assert (new.n, new.chosen) == (3, 1)
    assert new.quality == pytest.approx(2 / 3) and new.seconds == pytest.approx(3.0)
    total = _cell(after.summary, "data-question", None, SMALL)
    assert (total.n, total.chosen) == (3, 1)
    # The other cells did not move.
    assert _cell(after.cells, "data-question", 0, LARGE) == _cell(
        before.cells, "data-question", 0, LARGE
    )
    with session_scope() as session:
        assert records.live_counts(session)[("data-question", 0, SMALL)] == 1
        assert records.cluster_count(session) == 3


def test_alpha_setting_follows_person_then_skill_then_installation(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installation = get_settings().routing.alpha
    shipped = alpha_setting(None)
    assert (shipped.person, shipped.installation) == (None, installation)
    assert shipped.effective == installation == shipped.for_skill("chat")

    skills = tmp_path / "skills.yaml"
    skills.write_text(
        "skills:\n"
        "  chat:\n"
        "    skill_category: conversation\n"
        "    llm_routing: {performance_weight: 0.3, cost_weight: 0.7}\n"
        "  page-copy:\n"
        "    skill_category: writing\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SUPPORT_SYSTEM_ROUTING__SKILLS_FILE", str(skills))
    monkeypatch.setenv("SUPPORT_SYSTEM_ROUTING__ALPHA", "0.4")
    get_settings.cache_clear()
    own = alpha_setting(None)
    assert own.skills == {"chat": 0.3}
    assert (own.for_skill("chat"), own.for_skill("page-copy"), own.effective) == (0.3, 0.4, 0.4)
    person = alpha_setting(0.9)  # a person's own setting wins over the skill's
    assert (person.for_skill("chat"), person.effective, person.installation) == (0.9, 0.9, 0.4)


def test_skill_titles_are_translated_and_unknown_ones_kept() -> None:
    assert skill_name("data-question", "en") == "questions about a table"
    assert skill_name("data-question", "ja") == "表についての質問"
    assert skill_name("my-own-skill", "ja") == "my-own-skill"


def test_skill_rows_list_every_skill_of_the_yaml_with_its_settings() -> None:
    from support_system.routing.overview import skill_rows
    from support_system.routing.skills import load_skills

    rows = {row.skill: row for row in skill_rows()}
    assert list(rows) == list(load_skills())
    assert rows["page-copy"].job_kinds == ["webpage"] and rows["page-copy"].preferred is None
    assert rows["data-question"].category == "code" and rows["data-question"].alpha is None
    assert "chat" in rows["chat"].agent_skills
