"""The adaptive router on tasks of two kinds: one the fast model fails, one it does well.

Vectors are synthetic (two directions with noise) so that the clusters are known; the
statistics come from recorded outcomes exactly as the bench and the app record them.
"""

from __future__ import annotations

import numpy as np
import pytest

from support_system.routing.router import AdaptiveRouter

FAST, STRONG = "fast", "strong"


def _vectors(direction: int, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.zeros(8, dtype=np.float32)
    base[direction] = 1.0
    return base + 0.05 * rng.standard_normal((count, 8)).astype(np.float32)


@pytest.fixture
def kinds() -> dict[str, np.ndarray]:
    return {"hard": _vectors(0, 20, 1), "easy": _vectors(1, 20, 2)}


def _trained(kinds: dict[str, np.ndarray], **options: float) -> AdaptiveRouter:
    """The fast model (2 s) fails hard tasks 80 % of the time and passes easy ones; the
    strong one (5 s) passes both."""
    router = AdaptiveRouter.fit(np.vstack(list(kinds.values())), 2, **options)
    for i, vector in enumerate(kinds["hard"]):
        router.record(vector, FAST, 1.0 if i % 5 == 0 else 0.0, 2.0)
        router.record(vector, STRONG, 1.0, 5.0)
    for vector in kinds["easy"]:
        router.record(vector, FAST, 1.0, 2.0)
        router.record(vector, STRONG, 1.0, 5.0)
    return router


def test_hard_tasks_go_to_the_strong_model_and_easy_ones_to_the_fast_one(kinds) -> None:
    router = _trained(kinds)
    hard, easy = _vectors(0, 1, 9)[0], _vectors(1, 1, 9)[0]
    assert router.choose(hard, [FAST, STRONG], 0.5).model == STRONG
    assert router.choose(easy, [FAST, STRONG], 0.5).model == FAST
    choice = router.choose(hard, [FAST, STRONG], 0.5)
    assert choice.quality[STRONG] > 0.9 > 0.4 > choice.quality[FAST]
    assert choice.seconds[FAST] == pytest.approx(2.0) and choice.seconds[STRONG] == pytest.approx(
        5.0
    )
    assert sum(weight for _, weight in choice.clusters) == pytest.approx(1.0)


def test_alpha_trades_quality_for_time_but_the_floor_keeps_a_failing_model_out(kinds) -> None:
    hard, easy = _vectors(0, 1, 9)[0], _vectors(1, 1, 9)[0]
    router = _trained(kinds, floor=0.0)
    assert router.choose(hard, [FAST, STRONG], 0.0).model == FAST  # time alone
    assert router.choose(hard, [FAST, STRONG], 1.0).model == STRONG  # quality alone
    unshrunk = _trained(kinds, floor=0.0, prior=0.0, top_k=1)
    assert unshrunk.choose(easy, [FAST, STRONG], 1.0).model == FAST  # a tie: the faster
    floored = _trained(kinds, floor=0.5)
    assert floored.choose(hard, [FAST, STRONG], 0.0).model == STRONG


def test_only_candidates_are_chosen(kinds) -> None:
    router = _trained(kinds)
    hard = _vectors(0, 1, 9)[0]
    assert router.choose(hard, [FAST], 1.0).model == FAST  # the strong one is unavailable
    with pytest.raises(ValueError):
        router.choose(hard, [], 0.5)


def test_one_failure_does_not_flip_a_route_but_a_run_of_them_does(kinds) -> None:
    router = _trained(kinds)
    easy = _vectors(1, 1, 9)[0]
    router.record(easy, FAST, 0.0, 2.0)
    assert router.choose(easy, [FAST, STRONG], 0.5).model == FAST
    for _ in range(30):
        router.record(easy, FAST, 0.0, 2.0)
    assert router.choose(easy, [FAST, STRONG], 0.5).model == STRONG


def test_a_model_never_measured_counts_as_unknown_quality_and_the_slowest(kinds) -> None:
    router = _trained(kinds)
    choice = router.choose(_vectors(1, 1, 9)[0], [FAST, "new"], 0.5)
    assert choice.quality["new"] == pytest.approx(0.5)
    assert choice.seconds["new"] == pytest.approx(choice.seconds[FAST])  # the slowest known
    assert choice.model == FAST


def test_exploration_sometimes_tries_the_other_model(kinds) -> None:
    router = _trained(kinds, explore=0.5, seed=3)
    easy = _vectors(1, 1, 9)[0]
    choices = [router.choose(easy, [FAST, STRONG], 0.5) for _ in range(60)]
    assert {c.model for c in choices} == {FAST, STRONG}
    assert all(c.explored for c in choices if c.model == STRONG)


def test_two_skills_in_one_cluster_keep_their_statistics_apart(kinds) -> None:
    """A Home request for a shop page and the shop page's own answers embed close together;
    the fast model fails the first kind and passes the second."""
    router = AdaptiveRouter.fit(kinds["easy"], 1)
    for vector in kinds["easy"]:
        router.record(vector, FAST, 0.0, 1.0, skill="request")
        router.record(vector, STRONG, 1.0, 3.0, skill="request")
        router.record(vector, FAST, 1.0, 5.0, skill="page")
        router.record(vector, STRONG, 1.0, 9.0, skill="page")
    task = _vectors(1, 1, 9)[0]
    assert router.choose(task, [FAST, STRONG], 0.5, skill="request").model == STRONG
    assert router.choose(task, [FAST, STRONG], 0.5, skill="page").model == FAST
    assert router.choose(task, [FAST, STRONG], 0.5, skill="page").seconds[FAST] == 5.0
