"""Routing's service on a real database (SQLite, seeded from data/routing) and real e5.

What the issue asks of it: an explicit choice always wins, an unavailable model is never
chosen, the statistics change after recorded outcomes and survive a restart, and a
damaged statistics row is rebuilt from the records.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from support_system.core.settings import PROJECT_ROOT, get_settings
from support_system.data.db import get_engine, session_scope
from support_system.data.repositories import routing as records
from support_system.routing import service
from support_system.routing.skills import load_skills

SMALL, LARGE = "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"
PAGE = "Shop page: Sunflower Bakery, bread and cakes, open 9-18"
QUESTION = "Which month had the most visitors?"


@pytest.fixture(autouse=True)
def fresh_router(db) -> Iterator[None]:
    """Each test reads its own database: no router kept from another test."""
    service.forget()
    yield
    service.forget()


def _seed_counts() -> tuple[int, int]:
    with session_scope() as session:
        return len(records.centroids(session)), records.outcome_count(session, "seed")


def test_a_new_database_starts_from_the_recorded_outcomes() -> None:
    lines = (PROJECT_ROOT / "data/routing/outcomes.jsonl").read_text(encoding="utf-8")
    fitted = json.loads((PROJECT_ROOT / "data/routing/clusters.json").read_text("utf-8"))
    assert _seed_counts() == (fitted["k"], len(lines.splitlines()))
    service.seed()  # a seeded database is left alone
    assert _seed_counts() == (fitted["k"], len(lines.splitlines()))


def test_a_second_seeding_process_leaves_the_first_ones_rows() -> None:
    with session_scope() as session:
        centres = records.centroids(session)
    assert records.seed_once(centres, []) is False  # the ids are taken: nothing written
    assert _seed_counts()[0] == len(centres)


def test_the_router_chooses_with_figures_and_says_why_in_both_languages() -> None:
    ja = service.choose("page-copy", PAGE, "ja")
    en = service.choose("page-copy", PAGE, "en")
    assert ja.decided_by == en.decided_by == "router"
    assert ja.model == en.model and ja.model in (SMALL, LARGE)
    assert set(en.estimates) == {SMALL, LARGE}  # the smoke-test model is never routed
    chosen, other = en.estimates[en.model], en.estimates[({SMALL, LARGE} - {en.model}).pop()]
    # The sentence quotes the router's own estimates, in percent.
    assert f"{round(100 * chosen['quality'])} %" in en.reason
    assert f"{round(100 * other['quality'])} %" in en.reason
    assert "ページ" in ja.reason and "%" in ja.reason
    assert service.describe(en.as_dict(), "en").startswith("Model used: ")


def test_alpha_moves_the_choice_between_faster_and_better() -> None:
    """Data questions: the 1.5B model is right more often; at α = 0 the faster one is
    picked if it is faster, at α = 1 the better one always."""
    best = service.choose("data-question", QUESTION, "en", alpha=1.0)
    quality = {m: e["quality"] for m, e in best.estimates.items()}
    assert best.model == max(quality, key=quality.get)
    fastest = service.choose("data-question", QUESTION, "en", alpha=0.0)
    seconds = {m: e["seconds"] for m, e in fastest.estimates.items()}
    assert fastest.model == min(seconds, key=seconds.get)
    assert best.alpha == 1.0 and fastest.alpha == 0.0


def test_an_explicit_choice_always_wins() -> None:
    for alpha in (0.0, 1.0):
        for skill in ("page-copy", "data-question", "chat"):
            route = service.choose(skill, PAGE, "en", model=SMALL, alpha=alpha)
            assert (route.model, route.decided_by) == (SMALL, "person")
            assert route.reason == "0.5B was used because you chose it."
    agent = service.choose("chat", PAGE, "ja", agent="Hana", agent_model=LARGE)
    assert (agent.model, agent.decided_by) == (LARGE, "agent")
    assert "Hana" in agent.reason
    # The person's choice wins over the agent's preference too.
    both = service.choose("chat", PAGE, "en", model=SMALL, agent="Hana", agent_model=LARGE)
    assert both.model == SMALL


def test_a_skill_with_a_preferred_model_uses_it(tmp_path, monkeypatch) -> None:
    skills = tmp_path / "skills.yaml"
    skills.write_text(
        "skills:\n  page-copy:\n    skill_category: writing\n    job_kinds: [webpage]\n"
        f"    llm_routing: {{preferred: {LARGE}}}\n    capabilities: [copywriting]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SUPPORT_SYSTEM_ROUTING__SKILLS_FILE", str(skills))
    get_settings.cache_clear()
    route = service.choose("page-copy", PAGE, "en")
    assert (route.model, route.decided_by) == (LARGE, "skill")
    assert "set for writing a page" in route.reason


def test_an_unavailable_model_is_never_chosen(extra_models) -> None:
    """A model whose package is not installed, recorded as perfect and instant, and an
    Ollama model the (unreachable) server does not list, are never picked."""
    extra_models(
        [
            {
                "name": "missing-coder",
                "provider": "embedded",
                "packaged": {
                    "packages": ["no-such-model-package-part1"],
                    "pattern": "*.gguf",
                    "filename": "missing.gguf",
                },
                "skills": ["chat", "copywriting", "code", "json"],
            }
        ]
    )
    service.forget()
    with session_scope() as session:
        centres = records.centroids(session)
        records.add_outcomes(
            session,
            [
                {"skill": s, "cluster": c, "model": m, "quality": 1.0, "seconds": 0.1}
                for s in ("page-copy", "data-question")
                for c in range(len(centres))
                for m in ("missing-coder", "ollama-qwen2.5-coder-1.5b")
                for _ in range(5)
            ],
        )
    candidates = service.candidates_for(load_skills()["data-question"])
    assert "missing-coder" not in candidates and "ollama-qwen2.5-coder-1.5b" not in candidates
    for alpha in (0.0, 0.5, 1.0):
        for skill, request in (("page-copy", PAGE), ("data-question", QUESTION)):
            route = service.choose(skill, request, "en", alpha=alpha)
            assert route.model in (SMALL, LARGE), (skill, alpha, route)


def test_a_skill_without_figures_uses_the_default_model_and_says_so() -> None:
    route = service.choose("chat", "hello", "en")
    assert (route.model, route.decided_by) == (get_settings().llm.default_model, "default")
    assert route.reason.startswith("There are no figures for chatting yet")


def test_routing_off_uses_the_default_model(monkeypatch) -> None:
    monkeypatch.setenv("SUPPORT_SYSTEM_ROUTING__ENABLED", "false")
    get_settings.cache_clear()
    route = service.choose("data-question", QUESTION, "ja")
    assert (route.model, route.decided_by) == (get_settings().llm.default_model, "default")


def _cell(route: service.Route) -> tuple[int, float]:
    with session_scope() as session:
        rows = [
            r
            for r in records.stats(session)
            if (r.skill, r.cluster, r.model) == (route.skill, route.cluster, route.model)
        ]
    return (rows[0].n, rows[0].quality_sum) if rows else (0, 0.0)


def test_outcomes_change_the_statistics_and_the_choice_and_survive_a_restart() -> None:
    """The fast model keeps failing page copy near this request: the router moves to the
    other model, and a new process (a restart) sees the same figures."""
    first = service.choose("page-copy", PAGE, "en", alpha=0.6)
    n_before, _ = _cell(first)
    for _ in range(12):
        service.record(first, quality=0.0, seconds=first.estimates[first.model]["seconds"])
    assert _cell(first) == (n_before + 12, _cell(first)[1])
    after = service.choose("page-copy", PAGE, "en", alpha=0.6)
    assert after.estimates[first.model]["quality"] < first.estimates[first.model]["quality"]
    assert after.model != first.model
    with session_scope() as session:
        assert records.outcome_count(session, "live") == 12
    # A restart: another Python process reads the same database.
    script = (
        "from support_system.routing import service;"
        f"r = service.choose('page-copy', {PAGE!r}, 'en', alpha=0.6);"
        f"print(r.model, r.estimates[{first.model!r}]['quality'])"
    )
    env = {**os.environ, "SUPPORT_SYSTEM_ROUTING__EXPLORE": "0"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    model, quality = done.stdout.split()[-2:]
    assert model == after.model
    assert math.isclose(float(quality), after.estimates[first.model]["quality"], abs_tol=1e-3)


def test_a_damaged_statistics_row_is_rebuilt_from_the_records() -> None:
    route = service.choose("page-copy", PAGE, "en")
    service.record(route, quality=1.0, seconds=3.0)
    with session_scope() as session:
        truth = {(r.skill, r.cluster, r.model): r for r in records.sums_from_outcomes(session)}
    key = (route.skill, route.cluster, route.model)
    with get_engine().begin() as connection:
        connection.execute(
            text(
                "UPDATE routing_stats SET n = 999, quality_sum = -5 "
                "WHERE skill = :s AND cluster = :c AND model = :m"
            ),
            {"s": key[0], "c": key[1], "m": key[2]},
        )
        connection.execute(text("DELETE FROM routing_stats WHERE skill = 'intake-choice'"))
    service.forget()
    service.choose("page-copy", PAGE, "en")  # loading the router checks the sums
    with session_scope() as session:
        kept = {(r.skill, r.cluster, r.model): r for r in records.stats(session)}
        assert records.check_stats(session) is False  # nothing left to rebuild
    assert kept == truth
    assert kept[key].n == truth[key].n < 999


def test_recording_never_fails_the_task(monkeypatch) -> None:
    route = service.choose("page-copy", PAGE, "en")

    def broken(*_args, **_kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(records, "add_outcomes", broken)
    service.record(route, quality=1.0, seconds=1.0)  # logged, not raised


def test_only_one_available_model_is_used_and_named(monkeypatch) -> None:
    monkeypatch.setattr(service, "candidates_for", lambda skill: [SMALL])
    route = service.choose("page-copy", PAGE, "ja")
    assert (route.model, route.decided_by) == (SMALL, "only")
    assert route.reason == "使えるモデルが0.5Bだけなので0.5Bを使いました。"
