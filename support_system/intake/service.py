"""`understand()`: what a Home request asks for, which route it takes, and why.

A request takes one of these routes (`routes.py`): a catalogue job, a made-to-measure
page or program, a question about the person's table, "not something this can make",
or a polite refusal. In order:

1. **Harmful?** The rules of `safety.py` decline at once (nothing else is asked).
2. **Rank** every route by e5 neighbours and cue words (`classifier.py`, 20–100 ms).
3. **Close call?** When the best two routes are within `MODEL_MARGIN`, the embedded
   1.5B model picks among the best `MODEL_CHOICES` (`choosing.py`, 3–8 s on 2 cores);
   otherwise e5 and the words decide alone: about 9 requests in 10 never wait for a
   model (`bench/request_routes.py`).

The answers a request already states ("a page for Sunflower Bakery" → the shop's name)
are read by the hand-over's grounded extraction (`answers.py`): the model proposes,
and only what the person wrote is kept. That costs a model call of several seconds, so
Home asks for it only once the person starts a job (`answers.start_job`), for the job
they chose, which may be a runner-up.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from support_system.core.i18n import t
from support_system.core.languages import LANGUAGES, Text
from support_system.core.logging import get_logger
from support_system.intake.answers import answers_for
from support_system.intake.classifier import Classifier, Example, Ranking, RouteScore, job_examples
from support_system.intake.labelled import tune_requests
from support_system.intake.routes import (
    CUSTOM_PAGE,
    CUSTOM_PROGRAM,
    DECLINED,
    NOT_POSSIBLE,
    is_job,
)
from support_system.intake.safety import sounds_harmful
from support_system.intake.vectors import embed, example_vectors
from support_system.jobs.catalogue import get_job, load_catalogue

log = get_logger(__name__)

MODEL_MARGIN = 0.35
"""Scores closer than this are a close call, for the model to settle: below one weak
cue word's worth (0.5) the words do not separate the two routes, and on such calls e5's
vote alone was right 30 times in 64 on the tune split, the 1.5B model 38 times."""
MODEL_CHOICES = 3
RUNNER_UP_FLOOR = 0.5
"""A job is offered beside the chosen route only from this score up (about one cue
word, or most of the e5 vote): a job that merely exists is not a suggestion."""
CLOSEST_JOBS = 3
CONFIDENCE_TEMPERATURE = 0.25

DecidedBy = Literal["rules", "e5", "model"]


@dataclass(frozen=True)
class Understanding:
    """What a request asks for, how sure we are, and why (in both languages)."""

    request: str
    route: str  # a job id, or one of routes.OTHER_ROUTES
    job_id: str | None  # the job to start when the route is a job
    confidence: float  # 0–1: the route's share of the ranking (softmax of the scores)
    runners_up: list[RouteScore]  # the next routes that scored at all, best first
    closest_jobs: list[str]  # jobs to offer beside (or, for custom routes, instead of) it
    decided_by: DecidedBy
    reason: Text  # a plain sentence: why this route
    answers: dict[str, str] = field(default_factory=dict)  # question id → the person's words
    model: str | None = None  # the model that settled a close call

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (the CLI's --json, logs)."""
        return {
            "request": self.request,
            "route": self.route,
            "job_id": self.job_id,
            "confidence": self.confidence,
            "runners_up": [{"route": s.route, "score": s.score} for s in self.runners_up],
            "closest_jobs": self.closest_jobs,
            "decided_by": self.decided_by,
            "reason": self.reason.model_dump(),
            "answers": self.answers,
            "model": self.model,
        }


# --- the classifier -----------------------------------------------------------------------


def classifier() -> Classifier:
    """The classifier for the current catalogue and labelled examples (built once per
    change of either; the examples' vectors come from the state dir's cache)."""
    jobs = load_catalogue()
    examples = (
        *(Example(r.id, r.route, r.text) for r in tune_requests()),
        *job_examples(jobs.values()),
    )
    return _build(examples, tuple((job.id, job.kind) for job in jobs.values()))


@lru_cache(maxsize=2)
def _build(examples: tuple[Example, ...], job_kinds: tuple[tuple[str, str], ...]) -> Classifier:
    vectors = example_vectors([example.text for example in examples])
    return Classifier(list(examples), vectors, dict(job_kinds))


def rank(
    request: str, *, has_files: bool = False, exclude: frozenset[str] = frozenset()
) -> Ranking:
    """Every route scored for `request` by e5 and the cue words (no model), best first."""
    return classifier().rank(request, embed([request])[0], has_files=has_files, exclude=exclude)


# --- understanding ------------------------------------------------------------------------


def _text(key: str, **params: Any) -> Text:
    return Text(**{lang: t(key, lang, **params) for lang in LANGUAGES})


def _reason(route: str) -> Text:
    if is_job(route):
        job = get_job(route)
        return Text(
            **{
                lang: t(
                    "intake.reason.job",
                    lang,
                    job=job.title.get(lang),
                    description=job.description.get(lang),
                )
                for lang in LANGUAGES
            }
        )
    return _text(f"intake.reason.{route}")


def _confidence(scores: list[RouteScore], route: str) -> float:
    weights = {s.route: math.exp(s.score / CONFIDENCE_TEMPERATURE) for s in scores}
    return round(weights.get(route, 0.0) / (sum(weights.values()) or 1.0), 3)


def _closest_jobs(route: str, scores: list[RouteScore]) -> list[str]:
    """Jobs worth offering beside the route, of the same sort (a page request is not
    offered programs): for a made-to-measure route the best jobs of its kind (the person
    may settle for one), otherwise runner-up jobs that scored on their own."""
    catalogue = load_catalogue()
    if route in (NOT_POSSIBLE, DECLINED):
        return []
    # A page for a page request; programs and data jobs for the rest.
    pages = route == CUSTOM_PAGE or (route in catalogue and catalogue[route].kind == "webpage")
    jobs = [
        s
        for s in scores
        if s.route in catalogue
        and s.route != route
        and (catalogue[s.route].kind == "webpage") == pages
    ]
    if route in (CUSTOM_PAGE, CUSTOM_PROGRAM):
        return [s.route for s in jobs][:CLOSEST_JOBS]
    return [s.route for s in jobs if s.score >= RUNNER_UP_FLOOR][: CLOSEST_JOBS - 1]


def understand(
    request: str,
    lang: str,
    *,
    has_files: bool = False,
    use_model: bool = True,
    with_answers: bool = False,
    model: str | None = None,
    user_id: int | None = None,
    exclude: frozenset[str] = frozenset(),
) -> Understanding:
    """What `request` (typed or spoken on Home) asks for; see the module doc.

    `has_files`: the person attached a table (a question then has something to be
    about). `use_model=False` never asks the model (the ranking decides). With
    `with_answers`, a job route also carries the answers the request states (a model
    call). `model` replaces the model of both calls. `exclude` leaves labelled
    examples out by id (the bench's leave-one-out).
    """
    started = time.perf_counter()
    text = request.strip()
    if not text:
        empty = _text("intake.reason.empty")
        return Understanding(request, NOT_POSSIBLE, None, 0.0, [], [], "rules", empty)
    if sounds_harmful(text):
        result = Understanding(request, DECLINED, None, 1.0, [], [], "rules", _reason(DECLINED))
        log.info("intake_understood", route=DECLINED, decided_by="rules")
        return result
    ranking = rank(text, has_files=has_files, exclude=exclude)
    scores = ranking.scores
    route, decided_by, chosen_by = scores[0].route, "e5", None
    if use_model and route != DECLINED and ranking.margin < MODEL_MARGIN:
        from support_system.intake.choosing import CHOICE_MODEL, model_choice

        options = [s.route for s in scores[:MODEL_CHOICES]]
        picked = model_choice(text, options, model=model, user_id=user_id)
        if picked is not None:
            route, decided_by, chosen_by = picked, "model", model or CHOICE_MODEL
    answers: dict[str, str] = {}
    if with_answers and is_job(route):
        answers = answers_for(route, text, lang, model=model, user_id=user_id).answers
    result = Understanding(
        request=request,
        route=route,
        job_id=route if is_job(route) else None,
        confidence=_confidence(scores, route),
        runners_up=[s for s in scores if s.route != route and s.score > 0][:4],
        closest_jobs=_closest_jobs(route, scores),
        decided_by=decided_by,  # type: ignore[arg-type]
        reason=_reason(route),
        answers=answers,
        model=chosen_by,
    )
    log.info(
        "intake_understood",
        route=route,
        decided_by=decided_by,
        margin=round(ranking.margin, 3),
        ms=round((time.perf_counter() - started) * 1000),
    )
    return result
