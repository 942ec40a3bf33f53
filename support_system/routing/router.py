"""The adaptive router: nearest clusters of past tasks, per-cluster quality and cost, α.

For one request (its e5 vector):

1. the `top_k` nearest cluster centres (cosine distance d) get the weights
   softmax(−β·d), as Avengers-Pro (ZhangYiqun018/AvengersPro) does, β = 9;
2. in each of them every candidate model has a quality, the mean of its recorded
   outcomes on tasks of the same skill in that cluster, shrunk by `prior` pseudo-outcomes
   towards its mean on that skill (itself shrunk towards its mean on everything): one
   failure must not flip a route, and a cluster that holds tasks of several skills (a
   Home request "a page for my shop" lies close to the shop page's own answers) does not
   mix them; and a cost, its mean seconds there;
3. score = α·quality/best quality + (1−α)·(1 − seconds/most seconds) per cluster, summed
   with the weights; the best score wins, the faster model on a tie.

Two deliberate differences from Avengers-Pro, both for the two-model case:

* quality is divided by the cluster's best instead of min-max normalised: with two
  models min-max turns any gap into 0 and 1, so "slightly better" and "far better" would
  weigh the same against the time;
* a quality floor: a model whose estimated quality is under `floor` × the best one's is
  never chosen, so α = 0 cannot send a whole kind of task to a model that fails it.

`record` updates a cluster's statistics after every finished task (online learning);
`explore` sends a small share of choices to a random candidate so that a model that
once did badly in a cluster gets another chance.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np

DEFAULT_TOP_K = 3
DEFAULT_BETA = 9.0
DEFAULT_PRIOR = 2.0
DEFAULT_FLOOR = 0.5
UNKNOWN_QUALITY = 0.5  # a model with no outcome anywhere yet


@dataclass
class Cell:
    """One model's outcomes in one cluster (or overall)."""

    n: int = 0
    quality_sum: float = 0.0
    seconds_sum: float = 0.0

    def add(self, quality: float, seconds: float) -> None:
        self.n += 1
        self.quality_sum += quality
        self.seconds_sum += seconds

    @property
    def quality(self) -> float | None:
        return self.quality_sum / self.n if self.n else None

    @property
    def seconds(self) -> float | None:
        return self.seconds_sum / self.n if self.n else None


@dataclass(frozen=True)
class Choice:
    """A routing decision and the estimates behind it (for the plain reason)."""

    model: str
    alpha: float
    quality: dict[str, float]  # each candidate's estimated quality, 0–1
    seconds: dict[str, float]  # each candidate's estimated seconds
    scores: dict[str, float]
    clusters: list[tuple[int, float]]  # (cluster, weight), nearest first
    explored: bool = False


@dataclass
class AdaptiveRouter:
    """Cluster centres plus per-cluster, per-model statistics."""

    centroids: np.ndarray  # (k, d), unit rows
    top_k: int = DEFAULT_TOP_K
    beta: float = DEFAULT_BETA
    prior: float = DEFAULT_PRIOR
    floor: float = DEFAULT_FLOOR
    explore: float = 0.0
    seed: int = 0
    cells: dict[tuple[str, int, str], Cell] = field(default_factory=dict)  # skill, cluster, model
    skills: dict[tuple[str, str], Cell] = field(default_factory=dict)  # skill, model
    totals: dict[str, Cell] = field(default_factory=dict)  # model

    def __post_init__(self) -> None:
        self.centroids = _unit(np.asarray(self.centroids, dtype=np.float32))
        self._rng = random.Random(self.seed)

    @classmethod
    def fit(cls, vectors: np.ndarray, k: int, *, seed: int = 0, **options: float) -> AdaptiveRouter:
        """Centres from k-means (faiss, spherical) over the labelled tasks' vectors."""
        import faiss

        data = _unit(np.ascontiguousarray(vectors, dtype=np.float32))
        k = max(1, min(k, len(data)))
        if k == 1:
            return cls(data.mean(axis=0, keepdims=True), seed=seed, **options)
        kmeans = faiss.Kmeans(
            data.shape[1], k, niter=30, seed=seed, spherical=True, min_points_per_centroid=1
        )
        kmeans.train(data)
        return cls(kmeans.centroids, seed=seed, **options)

    # --- statistics -----------------------------------------------------------------------

    def cluster_of(self, vector: np.ndarray) -> int:
        return self.nearest(vector)[0][0]

    def record(
        self, vector: np.ndarray, model: str, quality: float, seconds: float, skill: str = ""
    ) -> int:
        """Add one finished task's outcome; returns its cluster."""
        cluster = self.cluster_of(vector)
        self.cells.setdefault((skill, cluster, model), Cell()).add(quality, seconds)
        self.skills.setdefault((skill, model), Cell()).add(quality, seconds)
        self.totals.setdefault(model, Cell()).add(quality, seconds)
        return cluster

    def estimate(self, cluster: int, model: str, skill: str = "") -> tuple[float, float | None]:
        """(quality, seconds) of `model` on `skill` in `cluster`, shrunk towards its means on
        the skill and on everything; seconds None when it was never measured at all."""
        overall = self.totals.get(model, Cell())
        quality = overall.quality if overall.quality is not None else UNKNOWN_QUALITY
        seconds = overall.seconds
        for cell in (self.skills.get((skill, model)), self.cells.get((skill, cluster, model))):
            if cell is None:
                continue
            quality = (cell.quality_sum + self.prior * quality) / (cell.n + self.prior)
            seconds = cell.seconds if cell.seconds is not None else seconds
        return quality, seconds

    # --- the choice -----------------------------------------------------------------------

    def nearest(self, vector: np.ndarray) -> list[tuple[int, float]]:
        """The top_k nearest clusters with their softmax(−β·distance) weights."""
        unit = _unit(np.asarray(vector, dtype=np.float32).reshape(1, -1))[0]
        distance = 1.0 - self.centroids @ unit
        order = np.argsort(distance)[: self.top_k]
        logits = [-self.beta * float(distance[i]) for i in order]
        top = max(logits)
        weights = [math.exp(x - top) for x in logits]
        total = sum(weights)
        return [(int(i), w / total) for i, w in zip(order, weights, strict=True)]

    def choose(
        self, vector: np.ndarray, candidates: list[str], alpha: float, skill: str = ""
    ) -> Choice:
        """The candidate with the best weighted score at `alpha` (0 = fastest, 1 = best)
        for a task of `skill` (the call site knows it: page copy, a data question, …)."""
        if not candidates:
            raise ValueError("no candidate model to route to")
        clusters = self.nearest(vector)
        quality = dict.fromkeys(candidates, 0.0)
        seconds = dict.fromkeys(candidates, 0.0)
        scores = dict.fromkeys(candidates, 0.0)
        for cluster, weight in clusters:
            estimates = {m: self.estimate(cluster, m, skill) for m in candidates}
            known = [s for _, s in estimates.values() if s is not None]
            slowest = max(known) if known else 1.0
            best = max(q for q, _ in estimates.values()) or 1.0
            for model, (q, s) in estimates.items():
                s = slowest if s is None else s  # never measured: assume the slowest
                quality[model] += weight * q
                seconds[model] += weight * s
                cost = s / slowest if slowest > 0 else 0.0
                scores[model] += weight * (alpha * q / best + (1 - alpha) * (1 - cost))
        top_quality = max(quality.values())
        allowed = [m for m in candidates if quality[m] >= self.floor * top_quality]
        if self.explore and self._rng.random() < self.explore:
            model = self._rng.choice(allowed)
            return Choice(model, alpha, quality, seconds, scores, clusters, explored=True)
        model = max(allowed, key=lambda m: (round(scores[m], 9), -seconds[m]))
        return Choice(model, alpha, quality, seconds, scores, clusters)


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1, norms)
