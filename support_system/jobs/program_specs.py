"""What a program made by example takes and gives: the spec the model plans.

Kept apart from the questions (`jobs.program_plans`) and from the generator
(`generators.program.by_example`) because both read it: the spec decides which
questions the wizard asks for the examples, and which fixed function signature the
model fills in. Three kinds each way are enough for the requests people bring ("tidy
this text", "total this table", "list this folder") and small enough that a 0.5B model
picks the right ones and our tested template can do all the reading and writing.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

InputKind = Literal["text", "table", "folder"]
OutputKind = Literal["text", "table", "files"]
INPUT_KINDS: tuple[InputKind, ...] = ("text", "table", "folder")
OUTPUT_KINDS: tuple[OutputKind, ...] = ("text", "table", "files")


class ProgramSpec(BaseModel):
    """One input and one output, a title and a one-line summary of what it does.

    Also the JSON schema the planner's reply is held to, so every field is small and
    closed: a title and summary the person reads, two kinds the code relies on.
    """

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=60)
    summary: str = Field(min_length=1, max_length=200)
    input: InputKind  # noqa: A003 - the spec's own word, read as spec.input
    output: OutputKind
