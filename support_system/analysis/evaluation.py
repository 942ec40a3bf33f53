"""The "Ask your data" evaluation set: its questions, their reference answers, and a grader.

The set lives in `tests/data/questions/` (questions.yaml + tables/, see its README). Each
question carries a hand-written pandas `solve(df, tables)` whose result is the reference;
a model's answer is right when `same_answer` says it equals that reference. A quarter of
the questions are `split: heldout`: no prompt may be tuned on them, so their score says
how the service does on questions nobody optimised for. Report both splits
(`split_scores`).

The grader is lenient about form and strict about content, because the model's program
is judged on the value it computes, not on its pandas style: 1200 equals 1200.0 and
"1,200円"; "東京 " equals "東京"; a one-row answer equals its value; row order counts
only when the question asks for an order (`ordered: true`). It is strict where the
person asked for something or where a slip hides: N decimals compare after rounding to
N, two whole numbers (counts, yen sums) must be equal (elsewhere rel 1e-4 / abs 0.006),
a transformation's column names must be the requested ones, a missing row fails.

Values reach the grader either as Python objects (a reference, a local run) or as they
come back from the sandbox harness in JSON (`analysis.harness.to_json_value`), in exactly
these shapes:

- a scalar: number, text, bool or null; dates and timestamps as ISO text
  ("2024-01-05", or "2024-01-05T10:23:00" when there is a time); periods as "2024-03";
- a list of such values;
- {"type": "series", "index": [...], "values": [...]}  (may also carry "name"; the
  harness writes a MultiIndex label as the text of its tuple, lists are read as well);
- {"type": "frame", "columns": [...], "rows": [[...], ...]}; an index that is not the
  default 0..n-1 (a named one, a groupby key) is the first column(s), and a filtered
  frame's leftover integer index may appear as a column "index".

Besides those, `same_answer` accepts what a hand-made JSON answer looks like: a Series as
a dict label -> value or as a list of [label, value] pairs, a DataFrame as a list of row
dicts. `from_json_value` turns the shapes back into Series/DataFrame/scalars.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from support_system.analysis import harness
from support_system.analysis.grading import from_json_value, same_answer, template_value
from support_system.core.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from support_system.analysis.tables import Tables

__all__ = [
    "Question",
    "from_json_value",
    "load_question_tables",
    "load_questions",
    "reference_answer",
    "same_answer",
    "split_scores",
    "to_json_value",
]

QUESTIONS_DIR = PROJECT_ROOT / "tests" / "data" / "questions"
QUESTIONS_FILE = QUESTIONS_DIR / "questions.yaml"
TABLES_DIR = QUESTIONS_DIR / "tables"


Kind = Literal["value", "table", "transform", "followup"]


class Question(BaseModel):
    """One entry of questions.yaml (the README there explains every field)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    files: list[str] = Field(min_length=1, description="relative to the tables directory")
    sheet: str | None = Field(default=None, description="workbook sheet the question is about")
    lang: Literal["en", "ja"]
    question: str = Field(min_length=3)
    kind: Kind
    level: Literal["easy", "medium", "hard"]
    split: Literal["tune", "heldout"]
    after: str | None = Field(default=None, description="for a followup: the question before")
    ordered: bool = Field(default=False, description="whether row/element order is graded")
    template: str | None = Field(default=None, description='e.g. "@product[{value}]"')
    decimals: int | None = Field(default=None, ge=0, description="decimals the question asks")
    reference: str = Field(description="pandas source defining solve(df, tables)")

    @model_validator(mode="after")
    def _followup_has_a_parent(self) -> Question:
        if (self.kind == "followup") != (self.after is not None):
            raise ValueError("`after` is required for a followup and only for a followup")
        if self.template is not None and "{value}" not in self.template:
            raise ValueError("a template must contain {value}")
        if "def solve(df, tables)" not in self.reference:
            raise ValueError("the reference must define solve(df, tables)")
        return self


def load_questions(path: Path | None = None) -> list[Question]:
    """Every question of the set, in file order (followups come after their question)."""
    source = path or QUESTIONS_FILE
    entries = yaml.safe_load(source.read_text(encoding="utf-8")) or []
    questions = [Question.model_validate(entry) for entry in entries]
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            raise ValueError(f"{source}: duplicate question id {question.id!r}")
        seen.add(question.id)
    return questions


def load_question_tables(q: Question, tables_dir: Path | None = None) -> Tables:
    """The tables `q` is asked about, read the way the service reads a person's files."""
    from support_system.analysis.tables import load_tables

    directory = tables_dir or TABLES_DIR
    return load_tables([directory / name for name in q.files], sheet=q.sheet)


def reference_answer(q: Question, tables: Tables) -> object:
    """Run the question's own reference snippet (our trusted code, so in-process).

    It gets copies, like the model's program does, so a reference that changes its
    table in place cannot change the next question's input.
    """
    namespace: dict[str, Any] = {"pd": pd, "np": np, "__name__": f"reference_{q.id}"}
    exec(compile(q.reference, f"<reference {q.id}>", "exec"), namespace)  # noqa: S102
    frames = {name: frame.copy() for name, frame in tables.frames.items()}
    return namespace["solve"](tables.df.copy(), frames)


def to_json_value(obj: Any) -> Any:
    """`obj` (scalar, list, Series, DataFrame, numpy value, Timestamp) in the JSON shapes
    of the module docstring — exactly what the sandbox harness sends back, because it is
    the harness's own function."""
    return harness.to_json_value(obj)


def follows_template(q: Question, text: str) -> bool:
    """Whether the shown answer has the form the question asked for ("@product[…]")."""
    return q.template is None or template_value(q.template, text) is not None


def split_scores(questions: Iterable[Question], correct: Mapping[str, bool]) -> dict[str, Any]:
    """Right/total per split (and overall), for reports: the heldout figure is the honest one."""
    scores: dict[str, list[int]] = {"tune": [0, 0], "heldout": [0, 0], "all": [0, 0]}
    for q in questions:
        for split in (q.split, "all"):
            scores[split][0] += bool(correct.get(q.id))
            scores[split][1] += 1
    return {
        split: {"right": right, "total": total, "rate": right / total if total else 0.0}
        for split, (right, total) in scores.items()
    }
