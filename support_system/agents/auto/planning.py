"""Plan: which job fits the goal, and the answers to its questions.

Answers come, in this order, from: answers the caller passed; "question: value" lines
in the goal; facts the model finds in the goal (kept only when the person wrote them,
the same grounding rule as the dialog's handover); the closest successful run's choices
(never its facts); and finally "decide for me" (defaults, or the model when allowed).
Facts ("decide: none" questions such as a name or e-mail) are never invented: when the
goal lacks one, the run asks the person, unless the caller asked for a demo run, which
uses the job's sample and says so in the timeline.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support_system.core.errors import AnswerInvalid, SupportSystemError
from support_system.core.logging import get_logger
from support_system.jobs.answers import validate_answer
from support_system.jobs.catalogue import get_job, load_catalogue
from support_system.jobs.definitions import Job, Question, QuestionType
from support_system.jobs.flow import effective_answers, visible_questions
from support_system.jobs.proposals import propose_answer
from support_system.jobs.suggest import suggest_jobs

log = get_logger(__name__)

_SEGMENT = re.compile(r"[\n;；]+")
_PAIR = re.compile(r"^\s*([^:：=]{1,60}?)\s*[:：=]\s*(.+?)\s*$")


@dataclass
class Plan:
    job_id: str | None
    answers: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # question id → where it came from
    missing: list[str] = field(default_factory=list)  # facts only the person can give
    notes: list[str] = field(default_factory=list)  # i18n keys of things the person should know


def choose_job(
    goal: str, forced: str | None = None, *, model: str | None = None, use_model: bool = False
) -> Job | None:
    """The job named by `forced`, else the best match for the goal (None: no match).

    The keyword match (`jobs.suggest`) reads the goal without its "question: value"
    lines; the questions those lines name count first ("name, headline, skills" is a
    profile). When two jobs still score close, the model may pick among them.
    """
    if forced:
        return get_job(forced)
    pairs = [_PAIR.match(seg) for seg in _SEGMENT.split(goal)]
    keys = [m.group(1) for m in pairs if m]
    words = " ".join(seg for seg, m in zip(_SEGMENT.split(goal), pairs, strict=True) if not m)
    suggestions = suggest_jobs(words or goal, limit=3)
    if keys:
        named = {
            job.id: sum(_question_for(job, key) is not None for key in keys)
            for job in load_catalogue().values()
        }
        if max(named.values()) > 0:
            by_id = {s.job.id: s.score for s in suggestions}
            best = max(named, key=lambda job_id: (named[job_id], by_id.get(job_id, 0.0)))
            return get_job(best)
    if not suggestions:
        return None
    close = len(suggestions) > 1 and suggestions[0].score < 1.3 * suggestions[1].score
    if close and use_model:
        return _model_pick(goal, [s.job for s in suggestions], model) or suggestions[0].job
    return suggestions[0].job


def _model_pick(goal: str, jobs: list[Job], model: str | None) -> Job | None:
    """Ask the model which of `jobs` fits `goal` (None on any model trouble)."""
    from typing import Literal

    from pydantic import create_model

    from support_system.ai import generate

    ids = tuple(job.id for job in jobs)
    schema = create_model("JobChoice", job=(Literal[ids], ...))  # type: ignore[valid-type]
    options = "\n".join(f"- {job.id}: {job.title.en} — {job.description.en}" for job in jobs)
    prompt = f"A person wrote: {goal}\nWhich of these should be made?\n{options}"
    try:
        result = generate(
            prompt, model, schema=schema, max_tokens=20, temperature=0.0, purpose="auto-plan"
        )
    except SupportSystemError as error:
        log.info("auto_job_pick_failed", error=type(error).__name__)
        return None
    return get_job(result.parsed.job)


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().replace("_", " ").split())


def _question_for(job: Job, key: str) -> Question | None:
    """The question a "key: value" line names: its id, a word of its id, or its label."""
    wanted = _norm(key)
    for question in job.questions:
        words = _norm(question.id).split()
        labels = {_norm(question.label.ja), _norm(question.label.en)}
        if (
            wanted == _norm(question.id)
            or wanted in words
            or any(label.startswith(wanted) for label in labels if len(wanted) >= 4)
        ):
            return question
    return None


def stated_answers(job: Job, text: str, lang: str, base_dir: Path | None) -> dict[str, Any]:
    """Answers written as "question: value" lines (or "; "-separated) in `text`, validated."""
    found: dict[str, Any] = {}
    for segment in _SEGMENT.split(text):
        match = _PAIR.match(segment)
        if not match:
            continue
        question = _question_for(job, match.group(1))
        if question is None or question.type == QuestionType.FILE:
            continue
        try:
            found[question.id] = validate_answer(
                question, match.group(2), lang, base_dir=base_dir, answers=found
            )
        except AnswerInvalid as error:
            log.info("auto_stated_answer_rejected", question=question.id, detail=error.detail)
    return found


def model_answers(
    job: Job, goal: str, lang: str, model: str | None, known: dict[str, Any]
) -> dict[str, Any]:
    """Facts the model finds in the goal, kept only when grounded in the person's words."""
    from support_system.agents.handover import ask_for_answers, extractable, ungrounded
    from support_system.data import repositories
    from support_system.data.db import session_scope

    questions = [q for q in extractable(job) if q.id not in known and q.decide == "none"]
    if not questions:
        return {}
    with session_scope() as s:
        user_id = repositories.ensure_local_user(s).id
    try:
        raw = ask_for_answers(job, questions, f"Person: {goal}", lang, model, user_id)
    except SupportSystemError as error:
        log.info("auto_extraction_failed", error=type(error).__name__)
        return {}
    found: dict[str, Any] = {}
    for question in questions:
        text = raw.get(question.id)
        if not isinstance(text, str) or not text.strip():
            continue
        try:
            value = validate_answer(question, text, lang, answers={**known, **found})
        except AnswerInvalid:
            continue
        if ungrounded(question, text, value, goal) is None:
            found[question.id] = value
    return found


def make_plan(
    goal: str,
    lang: str,
    *,
    job_id: str | None = None,
    given: dict[str, Any] | None = None,
    example: dict[str, Any] | None = None,
    model: str | None = None,
    use_samples: bool = False,
    extract_with_model: bool = True,
    decide_with_model: bool = False,
    base_dir: Path | None = None,
) -> Plan:
    """Pick the job and gather every answer it needs (see the module doc for the order)."""
    job = choose_job(goal, job_id, model=model, use_model=extract_with_model)
    if job is None:
        return Plan(job_id=None)
    plan = Plan(job_id=job.id)

    def take(values: dict[str, Any], source: str) -> None:
        for key, value in values.items():
            if key not in plan.answers and value is not None:
                plan.answers[key] = value
                plan.sources[key] = source

    take(dict(given or {}), "given")
    take(stated_answers(job, goal, lang, base_dir), "goal")
    facts = [q for q in visible_questions(job, plan.answers) if q.decide == "none" and q.required]
    if extract_with_model and any(q.id not in plan.answers for q in facts):
        take(model_answers(job, goal, lang, model, plan.answers), "goal")
    if example and example.get("job_id") == job.id:  # choices only: facts stay the person's
        facts_ids = {q.id for q in job.questions if q.decide == "none"}
        take({k: v for k, v in example.get("answers", {}).items() if k not in facts_ids}, "example")
        plan.notes.append("example")
    missing = [
        q
        for q in visible_questions(job, plan.answers)
        if q.decide == "none" and q.required and q.id not in plan.answers
    ]
    if missing and use_samples:
        sample = job.samples.get(lang) or next(iter(job.samples.values()), {})
        filled = {
            q.id: validate_answer(q, sample[q.id], lang, base_dir=base_dir, answers=plan.answers)
            for q in missing
            if q.id in sample
        }
        take(filled, "sample")
        plan.notes.append("samples")
    plan.missing = [
        q.id
        for q in visible_questions(job, plan.answers)
        if q.decide == "none" and q.required and q.id not in plan.answers
    ]
    for question in visible_questions(job, plan.answers):
        if question.id in plan.answers:
            continue
        if question.type == QuestionType.FILE or question.decide == "none":
            plan.answers[question.id] = None  # optional and not given: skipped
            plan.sources[question.id] = "skipped"
            continue
        value = propose_answer(
            job,
            question,
            plan.answers,
            lang,
            use_llm=decide_with_model,
            model=model,
            base_dir=base_dir,
        )
        plan.answers[question.id] = value
        plan.sources[question.id] = "decided"
    return plan


def generator_answers(job: Job, answers: dict[str, Any], lang: str) -> dict[str, Any]:
    """What the generator gets: visible questions only, skipped ones as their default."""
    return effective_answers(job, answers, lang)


def apply_correction(
    job: Job, answers: dict[str, Any], text: str, lang: str, base_dir: Path | None
) -> tuple[dict[str, Any], list[str]]:
    """A person's correction ("color: green", "layout: card") applied to the answers.

    Returns the new answers and the ids changed ([] when nothing could be read).
    """
    changed = stated_answers(job, text, lang, base_dir)
    return {**answers, **changed}, sorted(changed)
