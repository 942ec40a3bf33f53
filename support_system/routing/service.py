"""Which model answers a task, and why; and what happened afterwards.

Every call site that used to name its model asks `choose(skill, text, lang, …)` and
gets a `Route`: the model, who decided (the person, an agent, the skill's setting or the
router) and one plain sentence saying why. After the task it calls `record(route, …)`
with how it went, which updates the statistics the next choice reads.

Order of precedence (issue 14): the person's explicit model, then the agent's preferred
model, then the skill's `preferred` model in config/skills.yaml, then the adaptive router
over the models that are available right now (an embedded model whose package is
installed, an Ollama model the server lists) and have the skill's capabilities.

State lives in the database (routing_clusters, routing_outcomes, routing_stats). A new
database is seeded from the recorded bench outcomes (`routing.seed_file`) and the cluster
centres fitted on them (`clusters.json` beside it, written by `bench/routing.py fit`), so
the first choice already rests on a few hundred measured tasks. Each process keeps the
router in memory and reloads it after `RELOAD_SECONDS`, so outcomes recorded by another
process (a queue worker) reach it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from support_system.ai.discovery import available_registry, ollama_models
from support_system.ai.model_files import configured_file, package_files
from support_system.ai.registry import ModelSpec, get_registry
from support_system.core.errors import ModelFileError
from support_system.core.i18n import t
from support_system.core.languages import LANGUAGES
from support_system.core.logging import get_logger
from support_system.core.settings import get_settings
from support_system.data.db import make_engine, session_scope
from support_system.data.repositories import routing as records
from support_system.routing.reasons import explicit_reason, reason, skill_name
from support_system.routing.router import AdaptiveRouter, Cell
from support_system.routing.skills import Skill, load_skills

log = get_logger(__name__)

RELOAD_SECONDS = 60.0
AVAILABLE_SECONDS = 60.0  # how long "this model's package is installed" is believed

DecidedBy = Literal["person", "agent", "skill", "router", "only", "default"]


@dataclass(frozen=True)
class Route:
    """A routing decision: the model, who decided, and why (in every language, so a
    result made in Japanese reads right after a switch to English)."""

    skill: str
    model: str
    decided_by: DecidedBy
    reasons: dict[str, str]
    lang: str
    alpha: float | None = None
    cluster: int | None = None
    estimates: dict[str, dict[str, float]] = field(default_factory=dict)
    explored: bool = False

    @property
    def reason(self) -> str:
        """The sentence in the language the task was asked in."""
        return self.reasons.get(self.lang) or next(iter(self.reasons.values()), "")

    def as_dict(self) -> dict[str, Any]:
        """What result.json, the API and the timeline keep."""
        return {
            "skill": self.skill,
            "model": self.model,
            "decided_by": self.decided_by,
            "reason": self.reason,
            "reasons": self.reasons,
            "alpha": self.alpha,
            "cluster": self.cluster,
            "estimates": self.estimates,
            "explored": self.explored,
        }


def _in_every_language(sentence: Callable[[str], str]) -> dict[str, str]:
    return {lang: sentence(lang) for lang in LANGUAGES}


# --------------------------------------------------------------------------- choosing


def choose(
    skill: str,
    text: str,
    lang: str,
    *,
    model: str | None = None,
    agent: str | None = None,
    agent_model: str | None = None,
    alpha: float | None = None,
) -> Route:
    """The model for one task of `skill` whose request is `text` (asked in `lang`).

    `model` is the person's explicit choice (Settings or the request) and always wins;
    `agent_model` is the preferred model of `agent`, the persona doing the work. `alpha`
    is the person's "faster ↔ better" setting (None: the skill's, else the installation's).
    Never raises for want of statistics: with no router the default model answers."""
    if model:
        said = _in_every_language(lambda lg: explicit_reason(model_label(model), lg))
        return Route(skill, model, "person", said, lang)
    if agent_model:
        label = model_label(agent_model)
        said = _in_every_language(lambda lg: explicit_reason(label, lg, agent=agent or ""))
        return Route(skill, agent_model, "agent", said, lang)
    definition = load_skills().get(skill)
    if definition is not None and definition.llm_routing.preferred:
        chosen = definition.llm_routing.preferred
        said = _in_every_language(
            lambda lg: t(
                "routing.reason.skill_prefers",
                lg,
                chosen=model_label(chosen),
                skill=skill_name(skill, lg),
            )
        )
        return Route(skill, chosen, "skill", said, lang)
    settings = get_settings()
    default = settings.llm.default_model
    if not settings.routing.enabled or definition is None:
        return _fixed(skill, default, "default", "routing.reason.default", lang)
    candidates = candidates_for(definition)
    if not candidates:
        return _fixed(skill, default, "default", "routing.reason.default", lang)
    if len(candidates) == 1:
        return _fixed(skill, candidates[0], "only", "routing.reason.only", lang)
    router = _router()
    if not any(router.skills.get((skill, name), Cell()).n for name in candidates):
        return _fixed(skill, default, "default", "routing.reason.no_figures", lang)
    weight, vector = alpha_for(definition, alpha), _vector(text)
    choice = router.choose(vector, candidates, weight, skill)
    labels = {name: model_label(name) for name in candidates}
    return Route(
        skill=skill,
        model=choice.model,
        decided_by="router",
        reasons=_in_every_language(lambda lg: reason(choice, skill=skill, labels=labels, lang=lg)),
        lang=lang,
        alpha=weight,
        cluster=choice.clusters[0][0],
        estimates={
            name: {
                "quality": round(choice.quality[name], 3),
                "seconds": round(choice.seconds[name], 2),
            }
            for name in candidates
        },
        explored=choice.explored,
    )


def describe(routing: dict[str, Any], lang: str) -> str:
    """One line for a page: the model used and why (from a stored `Route.as_dict`), in
    `lang` when the record has it."""
    model = str(routing.get("model") or "")
    reasons = routing.get("reasons") if isinstance(routing.get("reasons"), dict) else {}
    said = (reasons or {}).get(lang) or routing.get("reason") or ""
    return t("routing.line", lang, model=model_label(model), reason=said)


def _fixed(skill: str, model: str, decided_by: DecidedBy, key: str, lang: str) -> Route:
    """A choice the router did not weigh: the sentence names the model (and skill)."""
    said = _in_every_language(
        lambda lg: t(key, lg, chosen=model_label(model), skill=skill_name(skill, lg))
    )
    return Route(skill, model, decided_by, said, lang)


def alpha_for(skill: Skill | None, asked: float | None = None) -> float:
    """The α a task of `skill` is routed with: the person's (`asked`), else the skill's own
    in config/skills.yaml, else the installation's `routing.alpha`."""
    if asked is not None:
        return min(1.0, max(0.0, float(asked)))
    own = skill.llm_routing.alpha if skill is not None else None
    return own if own is not None else get_settings().routing.alpha


def model_label(name: str) -> str:
    """A short name for a sentence: "1.5B" for the packaged Qwen models, else the
    registry's display name (or the name itself)."""
    size = re.search(r"(\d+(?:\.\d+)?)b\b", name.lower())
    if size and name.startswith("qwen2.5-coder-"):
        return f"{size.group(1)}B"
    try:
        return available_registry().get(name).label
    except Exception:  # noqa: BLE001 - a label must never stop a choice
        return name


# ------------------------------------------------------------------------- candidates


def candidates_for(skill: Skill) -> list[str]:
    """The models the router may pick for `skill` now: routed, able to do the skill,
    and available (see `is_available`)."""
    needed = set(skill.capabilities)
    registry = available_registry()
    return [
        spec.name
        for spec in registry.models
        if spec.routed and needed <= set(spec.skills) and is_available(spec)
    ]


def is_available(spec: ModelSpec) -> bool:
    """Embedded: its file or package is installed. Ollama: the server lists it. Other
    servers and cloud models are never picked by the router (only chosen explicitly):
    asking whether they answer would cost a request on every choice."""
    if spec.provider == "embedded":
        return _installed(spec.name, time.monotonic() // AVAILABLE_SECONDS)
    if spec.provider == "ollama":
        pulled = {m.name.lower().removesuffix(":latest") for m in ollama_models(spec.base_url)}
        return (spec.model_id or "").lower().removesuffix(":latest") in pulled
    return False


@lru_cache(maxsize=64)
def _installed(name: str, _period: float) -> bool:
    spec = get_registry().get(name)
    path = configured_file(spec)
    if path is not None:
        return path.is_file()
    if spec.packaged is None:
        return False
    try:
        package_files(spec.packaged, spec.name)
    except ModelFileError:
        return False
    return True


# ------------------------------------------------------------------------ recording


def record(
    route: Route,
    *,
    quality: float,
    seconds: float,
    text: str | None = None,
    execution_id: int | None = None,
) -> None:
    """Add how a routed task went (quality 0–1: passed its checks, answered right;
    seconds of model work). Whoever chose the model (the router, the person, an agent),
    the outcome says how that model does on such a task, so every one is kept. Never
    raises: a failure to record must not fail the task."""
    if route.cluster is None and text is None:
        return
    try:
        cluster = (
            route.cluster
            if route.cluster is not None
            else _router().cluster_of(_vector(text or ""))
        )
        outcome = {
            "skill": route.skill,
            "cluster": int(cluster),
            "model": route.model,
            "quality": float(min(1.0, max(0.0, quality))),
            "seconds": float(max(0.0, seconds)),
            "source": "live",
            "execution_id": execution_id,
        }
        with session_scope() as session:
            records.add_outcomes(session, [outcome])
        with _lock:  # this process's router learns at once (others on their next load)
            same_database = _state.database == get_settings().effective_database_url
            if _state.router is not None and same_database:
                _add(_state.router, outcome)
    except Exception as exc:  # noqa: BLE001 - see the docstring
        log.warning("routing_record_failed", skill=route.skill, model=route.model, error=str(exc))


# -------------------------------------------------------------------- the router state


@dataclass
class _State:
    router: AdaptiveRouter | None = None
    loaded_at: float = 0.0
    database: str = ""


_state = _State()
_lock = threading.Lock()


def _router() -> AdaptiveRouter:
    """This process's router, loaded (and the database seeded) on first use."""
    url = get_settings().effective_database_url
    with _lock:
        fresh = time.monotonic() - _state.loaded_at < RELOAD_SECONDS
        if _state.router is not None and fresh and _state.database == url:
            return _state.router
        router = load_router()
        _state.router, _state.loaded_at, _state.database = router, time.monotonic(), url
        return router


def forget() -> None:
    """Drop the in-memory router (the next choice reads the database again)."""
    with _lock:
        _state.router, _state.loaded_at, _state.database = None, 0.0, ""


def load_router() -> AdaptiveRouter:
    """The router from the database: its centres and sums (rebuilt from the outcomes when
    damaged), seeding a new database first."""
    settings = get_settings().routing
    with session_scope() as session:
        centres = records.centroids(session)
    if not centres:
        seed()
        with session_scope() as session:
            centres = records.centroids(session)
    with session_scope() as session:
        if records.check_stats(session):
            log.warning("routing_stats_rebuilt")
        rows = records.stats(session)
    router = AdaptiveRouter(
        np.asarray(centres or [_fallback_centre()], dtype=np.float32), explore=settings.explore
    )
    for row in rows:
        cell = Cell(row.n, row.quality_sum, row.seconds_sum)
        router.cells[(row.skill, row.cluster, row.model)] = cell
        _merge(router.skills.setdefault((row.skill, row.model), Cell()), cell)
        _merge(router.totals.setdefault(row.model, Cell()), cell)
    return router


def _add(router: AdaptiveRouter, outcome: dict[str, Any]) -> None:
    key = (outcome["skill"], outcome["cluster"], outcome["model"])
    for cell in (
        router.cells.setdefault(key, Cell()),
        router.skills.setdefault((outcome["skill"], outcome["model"]), Cell()),
        router.totals.setdefault(outcome["model"], Cell()),
    ):
        cell.add(outcome["quality"], outcome["seconds"])


def _merge(into: Cell, cell: Cell) -> None:
    into.n += cell.n
    into.quality_sum += cell.quality_sum
    into.seconds_sum += cell.seconds_sum


def _fallback_centre() -> list[float]:
    centre = [0.0] * 384
    centre[0] = 1.0
    return centre


def seed(database_url: str | None = None) -> None:
    """Write the seed centres and outcomes into an empty database (the app's, or the one
    at `database_url`); once: a process that loses the race to another one just reads
    what that one wrote, and a seeded database is left alone."""
    engine = make_engine(database_url) if database_url else None
    with session_scope(engine) as session:
        if records.centroids(session):
            return
    path = get_settings().routing.seed_file
    centres, outcomes = _seed_rows(path) if path is not None and path.is_file() else ([], [])
    if not centres:
        centres = [_fallback_centre()]
    try:
        if records.seed_once(centres, outcomes, engine):
            log.info("routing_seeded", clusters=len(centres), outcomes=len(outcomes))
        else:
            log.info("routing_seeded_elsewhere")
    finally:
        if engine is not None:
            engine.dispose()


def _seed_rows(path: Path) -> tuple[list[list[float]], list[dict[str, Any]]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    fitted_path = path.with_name("clusters.json")
    fitted = json.loads(fitted_path.read_text(encoding="utf-8")) if fitted_path.is_file() else {}
    centres: list[list[float]] = fitted.get("centroids") or []
    known: dict[str, int] = dict(fitted.get("clusters") or {})
    if not centres:
        return [], []
    missing = sorted({r["task"] for r in rows} - known.keys())
    if missing:  # tasks collected after the last `fit`: place them by their vectors
        router = AdaptiveRouter(np.asarray(centres, dtype=np.float32))
        texts = {r["task"]: r["text"] for r in rows}
        for task, vector in zip(missing, _vectors([texts[m] for m in missing]), strict=True):
            known[task] = router.cluster_of(vector)
    return centres, [
        {
            "skill": r["skill"],
            "cluster": int(known[r["task"]]),
            "model": r["model"],
            "quality": float(r["quality"]),
            "seconds": float(r["seconds"]),
            "source": "seed",
        }
        for r in rows
    ]


def _vector(text: str) -> np.ndarray:
    return _vectors([text])[0]


def _vectors(texts: list[str]) -> np.ndarray:
    from support_system.intake.vectors import embed  # e5; loaded on the first choice

    return embed(texts)
