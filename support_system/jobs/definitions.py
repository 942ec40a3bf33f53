"""What a job is: the typed shape of a job file and the questions asked to make it.

These models check what can be judged from the file alone: question ids are unique,
`show_if` refers only to earlier questions, choice questions have choices, record
questions have fields. Whether defaults and `samples` are valid answers needs the answer
validator, which itself works on these models, so `jobs.catalogue` checks them when it
loads a file (keeping the dependency one way: definitions ← answers ← catalogue).

Answer values (what `WizardSession.answers` holds, per question type):
text/long_text → str; number → int or float; choice → str (a choice value);
multi_choice → list[str]; list → list[str]; records → list[dict] (field id → str, number,
or None for an empty optional field); color → "#rrggbb" (lower case); file → str path;
yes_no → bool. A question that was seen and skipped holds None (see `jobs.flow`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from support_system.core.languages import LANGUAGES, Text, supported
from support_system.jobs.page_sections import Section, section_problems
from support_system.jobs.program_specs import ProgramSpec

KIND_ORDER = ("webpage", "program", "data")


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
    # "price" keeps the person's text ("$12.50", "1,200円") and only checks it holds a
    # number: a page must show a price exactly as given, currency sign and decimals too.
    # "long_text" keeps its line breaks (a file's content in a program's example).
    type: Literal["text", "long_text", "number", "price"] = "text"  # noqa: A003
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
        if isinstance(self.default, dict) and set(LANGUAGES) <= set(self.default):
            return self.default[supported(lang)]
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
    return problems


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
    # A page built from tested blocks (see jobs.page_sections) instead of its own layout.
    sections: list[Section] = []
    # A program made by example (jobs.program_plans): what it takes and gives.
    program: ProgramSpec | None = None

    def question(self, qid: str) -> Question:
        """The question with id `qid` (KeyError if the job has none)."""
        for question in self.questions:
            if question.id == qid:
                return question
        raise KeyError(f"job {self.id!r} has no question {qid!r}")

    @model_validator(mode="after")
    def _consistent(self) -> Job:
        problems = _structure_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self


LAYOUT_QUESTION = "layout"  # its choices pick one of the job's `templates`
CHANGES_KEY = "_changes"
"""Where a session's change requests after a preview live in its answers (`jobs.changes`);
never a question id, which starts with a letter."""


def _structure_problems(job: Job) -> list[str]:
    problems: list[str] = []
    if job.sections and job.kind != "webpage":
        problems.append("sections: only webpage jobs are built from sections")
    if job.program is not None and job.kind != "program":
        problems.append("program: only program jobs have a program spec")
    by_id = {q.id: q for q in job.questions}
    for index, section in enumerate(job.sections):
        problems += section_problems(index, section, by_id)
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
