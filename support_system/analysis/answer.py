"""What a data question gives back (`Answer`) and what a follow-up remembers (`Turn`).

An answer is only worth showing when a person can check it: so besides the sentence it
carries the exact value, the table or chart behind it, the program that computed it and
which columns and rows it read. Everything here is plain data (no DataFrames), so the
CLI can print it as JSON and the page can keep it in its session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

AnswerKind = Literal["value", "table", "transform", "chart"]


class Change(BaseModel):
    """What a transformation did to the table (shown beside the download)."""

    rows_before: int
    rows_after: int
    columns_before: list[str]
    columns_after: list[str]


class Answer(BaseModel):
    """One answered question (see the module docstring)."""

    question: str
    lang: str
    text: str = Field(description="the plain-language answer, in `lang`")
    kind: AnswerKind = "value"
    value: Any = Field(
        default=None, description="the exact computed value(s): a number, text, list or mapping"
    )
    shown_value: str = Field(default="", description="`value` formatted as the question asked")
    table_csv: Path | None = Field(default=None, description="result table (UTF-8 with BOM)")
    chart_png: Path | None = None
    output_file: Path | None = Field(
        default=None, description="the new file of a transformation (the original is untouched)"
    )
    change: Change | None = None
    code: str = Field(default="", description="the program that computed the value")
    form: str = Field(
        default="", description="the query form (JSON) the program was compiled from, if any"
    )
    columns_used: list[str] = Field(default_factory=list)
    rows_used: int | None = None
    tables: list[str] = Field(default_factory=list, description="names of the tables read")
    models: list[str] = Field(default_factory=list, description="every model that tried, in order")
    model: str = Field(default="", description="the model whose program answered")
    attempts: int = 0
    seconds: float = 0.0
    routing: dict[str, Any] | None = Field(
        default=None, description="which model was asked first and why (routing's Route)"
    )


class Turn(BaseModel):
    """An earlier question and how it was answered, for follow-ups ("now only Tokyo")."""

    question: str
    code: str
    form: str = ""  # the query form of that answer: a follow-up edits it
    shown_value: str = ""
    kind: AnswerKind = "value"
    output_file: Path | None = Field(
        default=None, description="the new file a transformation made: a follow-up reads it"
    )

    @classmethod
    def from_answer(cls, answer: Answer) -> Turn:
        return cls(
            question=answer.question,
            code=answer.code,
            form=answer.form,
            shown_value=answer.shown_value,
            kind=answer.kind,
            output_file=answer.output_file,
        )
