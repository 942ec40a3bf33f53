"""The job catalogue: what a person can make, and the questions asked to make it.

Each job is one YAML file in `config/jobs/<id>.yaml` (the directory is `settings.jobs_dir`).
Files are checked strictly when loaded, because a broken job would otherwise surface as
a confusing wizard in front of a person who cannot debug it: every problem is reported
as `<file>: <field path>: <what is wrong>` in one ConfigError.

Besides the per-field types, a job must be consistent: its id equals the file name,
question ids are unique, `show_if` refers only to earlier questions, choice questions
have choices, record questions have fields, defaults are valid answers, and the shipped
`samples` are valid answer sets (checked with the same validator the wizard uses, so a
sample can never drift from what a person is allowed to answer).

Answer values (what `WizardSession.answers` holds, per question type):
text/long_text → str; number → int or float; choice → str (a choice value);
multi_choice → list[str]; list → list[str]; records → list[dict] (field id → str, number,
or None for an empty optional field); color → "#rrggbb" (lower case); file → str path;
yes_no → bool. A question that was seen and skipped holds None (see `jobs.questions`).
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from support_system.core.errors import AnswerInvalid, ConfigError, UnknownJob
from support_system.core.languages import LANGUAGES, Text
from support_system.core.settings import PROJECT_ROOT, get_settings, resolve_path

SAMPLES_DIR = PROJECT_ROOT / "data" / "samples"
"""Shipped sample inputs; relative file answers in a job's `samples` resolve against it."""

KIND_ORDER = ("webpage", "program", "data")
_FIELD_PREFIX = re.compile(r"^[A-Za-z_][\w.]*: ")


class _Strict(BaseModel):
    # A typo in a job file ("requried: false") must fail, not be silently ignored.
    model_config = ConfigDict(extra="forbid")


class QuestionType(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    LIST = "list"
    RECORDS = "records"
    COLOR = "color"
    FILE = "file"
    YES_NO = "yes_no"


TEXT_TYPES = (QuestionType.TEXT, QuestionType.LONG_TEXT)
CHOICE_TYPES = (QuestionType.CHOICE, QuestionType.MULTI_CHOICE)
ITEM_TYPES = (QuestionType.LIST, QuestionType.RECORDS, QuestionType.MULTI_CHOICE)


class Choice(_Strict):
    value: str = Field(min_length=1)
    label: Text


class RecordField(_Strict):
    """One column of a records question (e.g. a product's name or price)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")  # noqa: A003
    label: Text
    type: Literal["text", "number"] = "text"  # noqa: A003
    required: bool = True
    example: Text | None = None


class Question(_Strict):
    """One question of a job, asked one at a time by the wizard.

    Fields beyond the shared contract (all optional):
    - `columns_from`: id of an earlier file question (a CSV). For a `text` question the
      answer must be one of that file's column names (the UI can offer them as choices);
      for a `long_text` question every `{placeholder}` must be one of them.
    - `column_type`: "number" or "text": which kind of column fits (checked for "number";
      used by "decide for me" to pick a sensible column).
    - `folder`: a `text` answer that names an existing folder on this computer.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")  # noqa: A003
    type: QuestionType  # noqa: A003
    label: Text
    help: Text | None = None  # noqa: A003
    example: Text | None = None
    required: bool = True
    default: Any = None
    choices: list[Choice] = []
    fields: list[RecordField] = []
    min: float | None = None  # noqa: A003
    max: float | None = None  # noqa: A003
    min_items: int | None = Field(None, ge=0)
    max_items: int | None = Field(None, ge=1)
    max_length: int | None = Field(None, ge=1)
    file_types: list[str] = []
    show_if: dict[str, Any] | None = None
    decide: Literal["llm", "default", "none"] = "default"
    columns_from: str | None = None
    column_type: Literal["text", "number"] | None = None
    folder: bool = False

    def default_for(self, lang: str) -> Any:
        """The default answer in `lang` (text defaults may be given per language)."""
        if isinstance(self.default, dict) and {"ja", "en"} <= set(self.default):
            return self.default["ja" if lang == "ja" else "en"]
        return self.default

    def choice(self, value: str) -> Choice:
        """The Choice with this value (KeyError if there is none)."""
        for choice in self.choices:
            if choice.value == value:
                return choice
        raise KeyError(f"question {self.id!r} has no choice {value!r}")

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        problems = _question_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self


def _question_problems(q: Question) -> list[str]:
    """Checks within one question; messages start with the field they are about."""
    problems: list[str] = []
    if q.type in CHOICE_TYPES:
        values = [c.value for c in q.choices]
        if not values:
            problems.append(f"choices: a {q.type} question needs at least one choice")
        elif len(set(values)) != len(values):
            problems.append("choices: choice values must be unique")
    elif q.choices:
        problems.append(
            f"choices: only choice and multi_choice questions have choices, not {q.type}"
        )
    if q.type == QuestionType.RECORDS:
        ids = [f.id for f in q.fields]
        if not ids:
            problems.append("fields: a records question needs at least one field")
        elif len(set(ids)) != len(ids):
            problems.append("fields: field ids must be unique")
    elif q.fields:
        problems.append(f"fields: only records questions have fields, not {q.type}")
    if q.file_types and q.type != QuestionType.FILE:
        problems.append(f"file_types: only file questions have file types, not {q.type}")
    q.file_types = [s.lower() if s.startswith(".") else f".{s.lower()}" for s in q.file_types]
    if q.min is not None and q.max is not None and q.min > q.max:
        problems.append("min: must not be greater than max")
    if q.min_items is not None and q.max_items is not None and q.min_items > q.max_items:
        problems.append("min_items: must not be greater than max_items")
    if q.decide == "llm" and q.type in (QuestionType.FILE, QuestionType.RECORDS):
        problems.append(f"decide: a model cannot decide a {q.type} answer (use default or none)")
    if q.columns_from is not None and q.type not in TEXT_TYPES:
        problems.append("columns_from: only text and long_text questions can name columns")
    if q.column_type is not None and q.columns_from is None:
        problems.append("column_type: needs columns_from")
    if q.folder and q.type != QuestionType.TEXT:
        problems.append("folder: only text questions can name a folder")
    if q.default is not None and not problems:
        problems.extend(_default_problems(q))
    return problems


def _default_problems(q: Question) -> list[str]:
    """The default must be an answer the person could have given, in canonical form."""
    from support_system.jobs.questions import validate_answer

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


class Job(_Strict):
    """One thing a person can make, with the questions the wizard asks for it."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")  # noqa: A003
    kind: Literal["webpage", "program", "data"]
    title: Text
    description: Text
    help: Text  # noqa: A003
    icon: str = Field(min_length=1)
    questions: list[Question] = Field(min_length=1)
    generator: str = Field(min_length=1)
    templates: list[str] = Field(min_length=1)
    samples: dict[str, dict[str, Any]] = {}
    checks: list[str] = []

    def question(self, qid: str) -> Question:
        """The question with id `qid` (KeyError if the job has none)."""
        for question in self.questions:
            if question.id == qid:
                return question
        raise KeyError(f"job {self.id!r} has no question {qid!r}")

    @model_validator(mode="after")
    def _consistent(self) -> Job:
        problems = _structure_problems(self)
        if not problems:  # samples can only be judged against a sound question list
            problems = _sample_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self


LAYOUT_QUESTION = "layout"  # its choices pick one of the job's `templates`


def _structure_problems(job: Job) -> list[str]:
    problems: list[str] = []
    seen: dict[str, Question] = {}
    for index, q in enumerate(job.questions):
        where = f"questions.{index}"
        if q.id in seen:
            problems.append(f"{where}.id: duplicate question id {q.id!r}")
        for ref, expected in (q.show_if or {}).items():
            if ref not in seen:
                problems.append(f"{where}.show_if: {ref!r} is not an earlier question of this job")
            elif seen[ref].type in CHOICE_TYPES:
                allowed = {c.value for c in seen[ref].choices}
                wanted = expected if isinstance(expected, list) else [expected]
                unknown = [w for w in wanted if w not in allowed]
                if unknown:
                    problems.append(f"{where}.show_if: {unknown} are not choices of {ref!r}")
        if q.columns_from is not None:
            source = seen.get(q.columns_from)
            if source is None or source.type != QuestionType.FILE:
                problems.append(
                    f"{where}.columns_from: {q.columns_from!r} is not an earlier file question"
                )
            elif ".csv" not in source.file_types:
                problems.append(f"{where}.columns_from: {q.columns_from!r} does not accept .csv")
        if q.id == LAYOUT_QUESTION and q.choices:
            # The generator falls back to the first template for an unknown layout, so a
            # choice without a template would silently show the person something else.
            missing = [c.value for c in q.choices if c.value not in job.templates]
            if missing:
                problems.append(f"{where}.choices: {missing} are not in this job's templates")
        seen.setdefault(q.id, q)
    return problems


def _sample_problems(job: Job) -> list[str]:
    """Validate (and canonicalise) every sample answer set like real answers."""
    from support_system.jobs.questions import validate_answer, visible_questions

    problems: list[str] = []
    ids = {q.id for q in job.questions}
    for name, raw_answers in job.samples.items():
        where = f"samples.{name}"
        lang = name if name in LANGUAGES else "en"
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
    """The job with this id from the configured catalogue; UnknownJob if there is none."""
    jobs = load_catalogue()
    if job_id not in jobs:
        raise UnknownJob(
            detail=f"no job {job_id!r} in {_shown(get_settings().jobs_dir)}", job=job_id
        )
    return jobs[job_id]
