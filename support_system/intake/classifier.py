"""Rank every route for a request: e5 neighbours plus cue words, in one score per route.

The examples are the tune split of the labelled requests and each catalogue job's own
title and description (in both languages). For a request:

* **e5 neighbours.** The `NEIGHBOURS` most similar examples vote for their routes,
  each with weight exp((similarity − 1) / `TEMPERATURE`): e5 puts everything between
  0.75 and 0.95, so a small temperature lets the nearest paraphrase count for much
  more than a merely related request. The votes are normalised to sum to 1.
* **Cue words** (`cues.yaml`): each strong word of a route adds `STRONG`, each weak one
  `WEAK` (at most two of each count), so "重複を消したい" goes to dedupe-rows even when
  its nearest neighbours are other table jobs.
* **One kind.** When the words name only pages, or only programs and tables, the routes
  of that kind get `KIND`.
* **Made to measure.** A request that clearly asks for a page (or a program) but names
  none of the page (program) jobs' strong words gets `CUSTOM` for custom-page
  (custom-program): "a page for my cat's adoption" is a page, and no page job is about
  cats.

The weights were chosen on the tune split, leaving each request out of its own
neighbours (`exclude`), and never on the held-out split. `bench/request_routes.py` prints the
figures. Routes whose job is not in the catalogue are not offered: their examples are
set aside until the job exists.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from support_system.intake.cues import Cues, read_cues
from support_system.intake.routes import (
    CUSTOM_PAGE,
    CUSTOM_PROGRAM,
    DATA_QUESTION,
    DECLINED,
    OTHER_ROUTES,
)
from support_system.jobs.definitions import Job

NEIGHBOURS = 5
TEMPERATURE = 0.03
STRONG = 1.0
WEAK = 0.5
MAX_CUES = 2
CUSTOM = 1.0
KIND = 0.5
"""Added to the routes of the one kind the request's words point at, when they point at
only one (pages; or programs, data jobs and data questions): "group my sales CSV by
store" is about a table, so the shop page's "store" must not outweigh it."""
HAS_FILES = 0.5
"""Added to data-question when the person attached a table: a question then has
something to be about."""
DECLINE_SIMILARITY = 0.93
"""e5 alone declines a request only this close to a labelled harmful one (and when
declined also ranks first): near duplicates only. Measured on the tune split, ordinary
requests come as close as 0.90 to a harmful example and harmful ones as far as 0.87, so
e5 cannot tell harm from topic; the rules in `safety.py` decide."""


@dataclass(frozen=True)
class Example:
    """One labelled text the classifier compares requests with."""

    id: str
    route: str
    text: str


@dataclass(frozen=True)
class RouteScore:
    """A route and how well the request fits it (higher is better; not a probability)."""

    route: str
    score: float


@dataclass(frozen=True)
class Ranking:
    """Every offered route for one request, best first, and what the score was made of."""

    scores: list[RouteScore]
    neighbours: dict[str, float]  # route → its share of the e5 vote (sums to 1)
    declined_similarity: float  # similarity to the nearest labelled harmful request

    @property
    def margin(self) -> float:
        """How far the best route is ahead of the second (∞ with a single route)."""
        if len(self.scores) < 2:
            return math.inf
        return self.scores[0].score - self.scores[1].score


def job_examples(jobs: Iterable[Job]) -> list[Example]:
    """Each job's title and description, once per language, as examples of its route."""
    return [
        Example(
            f"job:{job.id}:{lang}", job.id, f"{job.title.get(lang)}: {job.description.get(lang)}"
        )
        for job in jobs
        for lang in ("ja", "en")
    ]


class Classifier:
    """The examples, their e5 vectors, and the routes that may be offered.

    `job_kinds` maps each catalogue job's id to its kind (webpage, program, data): the
    routes offered are these jobs and `OTHER_ROUTES`.
    """

    def __init__(
        self, examples: list[Example], vectors: np.ndarray, job_kinds: Mapping[str, str]
    ) -> None:
        self.routes: tuple[str, ...] = (*job_kinds, *OTHER_ROUTES)
        kept = [i for i, example in enumerate(examples) if example.route in self.routes]
        self.examples = [examples[i] for i in kept]
        self.vectors = vectors[kept] if kept else np.zeros((0, vectors.shape[1]), np.float32)
        self.page_jobs = frozenset(j for j, kind in job_kinds.items() if kind == "webpage")
        self.program_jobs = frozenset(j for j, kind in job_kinds.items() if kind != "webpage")

    def _neighbours(
        self, vector: np.ndarray, exclude: frozenset[str]
    ) -> tuple[dict[str, float], float]:
        similarities = self.vectors @ vector
        declined = 0.0
        order = np.argsort(-similarities)
        votes: dict[str, float] = {}
        taken = 0
        for index in order:
            example = self.examples[int(index)]
            if example.id in exclude:
                continue
            if example.route == DECLINED:
                declined = max(declined, float(similarities[index]))
            if taken < NEIGHBOURS:
                weight = math.exp((float(similarities[index]) - 1.0) / TEMPERATURE)
                votes[example.route] = votes.get(example.route, 0.0) + weight
                taken += 1
        total = sum(votes.values()) or 1.0
        return {route: vote / total for route, vote in votes.items()}, declined

    def _custom(self, cues: Cues, kind: str, jobs: frozenset[str]) -> float:
        asked = cues.kinds[kind].strong > 0
        named = any(cues.route(job).strong > 0 for job in jobs)
        return CUSTOM if asked and not named else 0.0

    def _kind_routes(self, cues: Cues) -> frozenset[str]:
        """The routes of the only kind the request's words name (none when both or neither)."""
        page = cues.kinds["page"].strong + cues.kinds["page"].weak > 0
        program = cues.kinds["program"].strong + cues.kinds["program"].weak > 0
        if page and not program:
            return self.page_jobs | {CUSTOM_PAGE}
        if program and not page:
            return self.program_jobs | {CUSTOM_PROGRAM, DATA_QUESTION}
        return frozenset()

    def rank(
        self,
        text: str,
        vector: np.ndarray,
        *,
        has_files: bool = False,
        exclude: frozenset[str] = frozenset(),
    ) -> Ranking:
        """Every route scored for `text` (whose e5 vector is `vector`), best first.

        `exclude` leaves examples out by id: the bench scores a tune request without
        itself among the neighbours. Declined is kept only when e5 finds a near
        paraphrase of a harmful example (see `DECLINE_SIMILARITY`).
        """
        neighbours, declined = self._neighbours(vector, exclude)
        cues = read_cues(text)
        scores: dict[str, float] = {}
        for route in self.routes:
            count = cues.route(route)
            scores[route] = (
                neighbours.get(route, 0.0)
                + STRONG * min(count.strong, MAX_CUES)
                + WEAK * min(count.weak, MAX_CUES)
            )
        scores[CUSTOM_PAGE] += self._custom(cues, "page", self.page_jobs)
        scores[CUSTOM_PROGRAM] += self._custom(cues, "program", self.program_jobs)
        for route in self._kind_routes(cues):
            scores[route] += KIND
        if has_files:
            scores[DATA_QUESTION] += HAS_FILES
        ranked = sorted(
            (RouteScore(route, round(score, 4)) for route, score in scores.items()),
            key=lambda s: (-s.score, s.route),
        )
        if ranked[0].route != DECLINED or declined < DECLINE_SIMILARITY:
            ranked = [s for s in ranked if s.route != DECLINED]
        return Ranking(ranked, neighbours, declined)
