"""Routing's records: cluster centres, every model's outcome on a task, and their sums.

The sums (routing_stats) are what the router and the routing page read; the outcomes are
the truth they are derived from. `add_outcome` keeps both in one transaction, and
`check_stats` rebuilds the sums when a row no longer matches the outcomes (a damaged or
hand-edited row must not steer every later choice).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from support_system.data.db import session_scope
from support_system.data.repositories.upsert import insert_for
from support_system.data.schema import RoutingCluster, RoutingOutcome, RoutingStat, utcnow


@dataclass(frozen=True)
class StatRow:
    """One skill/cluster/model's sums."""

    skill: str
    cluster: int
    model: str
    n: int
    quality_sum: float
    seconds_sum: float


def centroids(session: Session) -> list[list[float]]:
    """The cluster centres in id order ([] before the first seeding)."""
    rows = session.scalars(select(RoutingCluster).order_by(RoutingCluster.id))
    return [list(row.centroid) for row in rows]


def save_centroids(session: Session, rows: Sequence[Sequence[float]]) -> None:
    session.add_all(
        RoutingCluster(id=i, centroid=[float(x) for x in row]) for i, row in enumerate(rows)
    )
    session.flush()


def seed_once(
    centres: Sequence[Sequence[float]],
    outcomes: Iterable[dict[str, Any]],
    engine: Engine | None = None,
) -> bool:
    """Write the first centres and outcomes in one transaction; False when another process
    wrote them first (the centres' ids collide), which leaves that one's in place."""
    try:
        with session_scope(engine) as session:
            save_centroids(session, centres)
            add_outcomes(session, outcomes)
    except IntegrityError:
        return False
    return True


def add_outcomes(session: Session, outcomes: Iterable[dict[str, Any]]) -> int:
    """Add outcomes (skill, cluster, model, quality, seconds[, source, execution_id]) and
    their sums; returns how many were added."""
    added = 0
    for outcome in outcomes:
        row = RoutingOutcome(**outcome)
        session.add(row)
        _add_to_stat(session, row)
        added += 1
    session.flush()
    return added


def _add_to_stat(session: Session, row: RoutingOutcome) -> None:
    values = {
        "skill": row.skill,
        "cluster": row.cluster,
        "model": row.model,
        "n": 1,
        "quality_sum": row.quality,
        "seconds_sum": row.seconds,
        "updated_at": utcnow(),
    }
    insert = insert_for(session, RoutingStat).values(**values)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["skill", "cluster", "model"],
            set_={
                "n": RoutingStat.n + 1,
                "quality_sum": RoutingStat.quality_sum + row.quality,
                "seconds_sum": RoutingStat.seconds_sum + row.seconds,
                "updated_at": values["updated_at"],
            },
        )
    )


def stats(session: Session) -> list[StatRow]:
    rows = session.scalars(select(RoutingStat))
    return [StatRow(r.skill, r.cluster, r.model, r.n, r.quality_sum, r.seconds_sum) for r in rows]


def sums_from_outcomes(session: Session) -> list[StatRow]:
    """The sums as the outcomes say they are."""
    query = select(
        RoutingOutcome.skill,
        RoutingOutcome.cluster,
        RoutingOutcome.model,
        func.count(),
        func.sum(RoutingOutcome.quality),
        func.sum(RoutingOutcome.seconds),
    ).group_by(RoutingOutcome.skill, RoutingOutcome.cluster, RoutingOutcome.model)
    return [
        StatRow(skill, cluster, model, n, float(q or 0), float(s or 0))
        for skill, cluster, model, n, q, s in session.execute(query)
    ]


def check_stats(session: Session) -> bool:
    """Rebuild the sums from the outcomes when any row differs from them (a damaged, lost
    or extra row); returns True when it rebuilt."""
    truth = {(r.skill, r.cluster, r.model): r for r in sums_from_outcomes(session)}
    kept = {(r.skill, r.cluster, r.model): r for r in stats(session)}
    if truth.keys() == kept.keys() and all(_same(truth[k], kept[k]) for k in truth):
        return False
    session.execute(delete(RoutingStat))
    now = utcnow()
    session.add_all(
        RoutingStat(
            skill=r.skill,
            cluster=r.cluster,
            model=r.model,
            n=r.n,
            quality_sum=r.quality_sum,
            seconds_sum=r.seconds_sum,
            updated_at=now,
        )
        for r in truth.values()
    )
    session.flush()
    return True


def _same(a: StatRow, b: StatRow) -> bool:
    values = (b.quality_sum, b.seconds_sum)
    return (
        a.n == b.n
        and all(math.isfinite(v) for v in values)
        and math.isclose(a.quality_sum, b.quality_sum, abs_tol=1e-6)
        and math.isclose(a.seconds_sum, b.seconds_sum, abs_tol=1e-3)
    )


def outcome_count(session: Session, source: str | None = None) -> int:
    query = select(func.count()).select_from(RoutingOutcome)
    if source is not None:
        query = query.where(RoutingOutcome.source == source)
    return int(session.scalar(query) or 0)


def live_counts(session: Session) -> dict[tuple[str, int, str], int]:
    """How many of this installation's own tasks (source "live") each skill/cluster/model
    answered: how often the model was actually used here, beside the seeded figures."""
    query = (
        select(RoutingOutcome.skill, RoutingOutcome.cluster, RoutingOutcome.model, func.count())
        .where(RoutingOutcome.source == "live")
        .group_by(RoutingOutcome.skill, RoutingOutcome.cluster, RoutingOutcome.model)
    )
    return {
        (skill, cluster, model): int(count)
        for skill, cluster, model, count in session.execute(query)
    }


def cluster_count(session: Session) -> int:
    """How many cluster centres there are (0 before the first seeding)."""
    return int(session.scalar(select(func.count()).select_from(RoutingCluster)) or 0)
