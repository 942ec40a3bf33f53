"""The job catalogue: every job file, loaded and checked before a person sees it.

Each job is one YAML file in `config/jobs/<id>.yaml` (the directory is `settings.jobs_dir`).
Files are checked strictly when loaded, because a broken job would otherwise surface as
a confusing wizard in front of a person who cannot debug it: every problem is reported
as `<file>: <field path>: <what is wrong>` in one ConfigError.

Beyond the structure the models check (`jobs.definitions`), the id must equal the file
name, defaults must be valid answers, and the shipped `samples` valid answer sets —
checked with the same validator the wizard uses, so a sample can never drift from what a
person is allowed to answer.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from support_system.core.errors import AnswerInvalid, ConfigError, UnknownJob
from support_system.core.languages import LANGUAGES, supported
from support_system.core.settings import PROJECT_ROOT, get_settings, resolve_path
from support_system.jobs.answers import validate_answer
from support_system.jobs.custom_jobs import custom_job_owner, load_custom_job
from support_system.jobs.definitions import KIND_ORDER, TEXT_TYPES, Job, Question, QuestionType
from support_system.jobs.flow import visible_questions
from support_system.jobs.page_plans import is_custom

SAMPLES_DIR = PROJECT_ROOT / "data" / "samples"
"""Shipped sample inputs; relative file answers in a job's `samples` resolve against it."""

_FIELD_PREFIX = re.compile(r"^[A-Za-z_][\w.]*: ")


def _default_problems(q: Question) -> list[str]:
    """The default must be an answer the person could have given, in canonical form."""
    if q.type == QuestionType.FILE or q.folder:
        return ["default: file and folder questions cannot have a default"]
    per_language = isinstance(q.default, dict) and set(LANGUAGES) <= set(q.default)
    if per_language and q.type not in TEXT_TYPES:
        return ["default: only text questions can have a default per language"]
    defaults = {lang: q.default_for(lang) for lang in LANGUAGES}
    canonical: dict[str, Any] = {}
    for lang, value in defaults.items():
        try:
            # Checked as an optional answer: "required" is about the person, not the default.
            canonical[lang] = validate_answer(q.model_copy(update={"required": False}), value, lang)
        except AnswerInvalid as error:
            return [f"default: {error.reason_text('en')}"]
    q.default = canonical if per_language else canonical["en"]
    return []


def _answer_problems(job: Job) -> list[str]:
    """Defaults and samples judged by the wizard's own validator (canonicalised in place)."""
    problems = [
        f"questions.{index}.{problem}"
        for index, question in enumerate(job.questions)
        if question.default is not None
        for problem in _default_problems(question)
    ]
    # Samples can only be judged against questions whose defaults are sound.
    return problems or _sample_problems(job)


def _sample_problems(job: Job) -> list[str]:
    """Validate (and canonicalise) every sample answer set like real answers."""
    problems: list[str] = []
    ids = {q.id for q in job.questions}
    for name, raw_answers in job.samples.items():
        where = f"samples.{name}"
        lang = supported(name)
        problems.extend(
            f"{where}.{key}: not a question of this job" for key in raw_answers if key not in ids
        )
        canonical: dict[str, Any] = {}
        for q in job.questions:  # in order, so show_if sees the answers before it
            if q.id not in {v.id for v in visible_questions(job, canonical)}:
                if q.id in raw_answers:
                    problems.append(f"{where}.{q.id}: this question is hidden by its show_if")
                continue
            if q.id not in raw_answers:
                if q.required:
                    problems.append(f"{where}.{q.id}: missing (the question is required)")
                continue
            try:
                canonical[q.id] = validate_answer(
                    q, raw_answers[q.id], lang, base_dir=SAMPLES_DIR, answers=canonical
                )
            except AnswerInvalid as error:
                problems.append(f"{where}.{q.id}: {error.reason_text('en')}")
        job.samples[name] = canonical
    return problems


# --- loading -----------------------------------------------------------------------------


def _shown(path: Path) -> str:
    """A path as people know it: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def _format_errors(exc: ValidationError, shown: str) -> list[str]:
    lines: list[str] = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        for line in message.splitlines():
            if loc and _FIELD_PREFIX.match(line):
                lines.append(f"{shown}: {loc}.{line}")
            elif loc:
                lines.append(f"{shown}: {loc}: {line}")
            else:
                lines.append(f"{shown}: {line}")
    return lines


def load_job_file(path: Path) -> Job:
    """Read and check one job file; ConfigError names the file and every bad field."""
    shown = _shown(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(detail=f"{shown}: cannot read the file ({exc})", source=shown) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(detail=f"{shown}: YAML syntax error: {exc}", source=shown) from exc
    if not isinstance(raw, dict):
        raise ConfigError(detail=f"{shown}: must be a mapping of job fields", source=shown)
    problems: list[str] = []
    if raw.get("id") != path.stem:
        problems.append(
            f"{shown}: id: must equal the file name {path.stem!r}, not {raw.get('id')!r}"
        )
    try:
        job = Job.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_format_errors(exc, shown))
    else:
        problems.extend(f"{shown}: {problem}" for problem in _answer_problems(job))
    if problems:
        raise ConfigError(detail="; ".join(problems), source=shown)
    return job


@lru_cache(maxsize=8)
def _load(directory: Path, _signature: tuple[tuple[str, int, int], ...]) -> dict[str, Job]:
    jobs = [load_job_file(path) for path in sorted(directory.glob("*.yaml"))]
    jobs.sort(key=lambda job: (KIND_ORDER.index(job.kind), job.id))
    return {job.id: job for job in jobs}


def load_catalogue(directory: Path | None = None) -> dict[str, Job]:
    """Every job in `directory` (default: `settings.jobs_dir`), webpages first.

    Parsed jobs are cached until a file changes (name, size or modification time), so
    pages can call this on every rerun. Treat the returned Jobs as read-only.
    """
    directory = resolve_path(directory) if directory is not None else get_settings().jobs_dir
    if not directory.is_dir():
        shown = _shown(directory)
        raise ConfigError(detail=f"{shown}: job directory not found", source=shown)
    signature = tuple(
        (p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(directory.glob("*.yaml"))
    )
    return dict(_load(directory, signature))


def get_job(job_id: str) -> Job:
    """The job with this id from the configured catalogue, or a page planned for one
    request (`custom-…`, stored in the database); UnknownJob if there is none."""
    if is_custom(job_id):
        return load_custom_job(job_id)
    jobs = load_catalogue()
    if job_id not in jobs:
        raise UnknownJob(
            detail=f"no job {job_id!r} in {_shown(get_settings().jobs_dir)}", job=job_id
        )
    return jobs[job_id]


def get_job_for(job_id: str, user_id: int, *, admin: bool = False) -> Job:
    """`get_job` for a person: a page planned for someone else is as unknown as a job
    that does not exist (its request and headings are that person's words)."""
    job = get_job(job_id)
    if is_custom(job_id) and not admin and custom_job_owner(job_id) != user_id:
        raise UnknownJob(detail=f"custom job {job_id!r} is not user {user_id}'s", job=job_id)
    return job
