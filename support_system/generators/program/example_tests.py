"""The person's examples as test cases: read from the answers, checked, written as tests.

The tests of a program made by example are written by this code from what the person
typed, before the model writes anything: the model can make its code pass them but
never change what they demand. Each example becomes a plain literal in the tests
(`py_literal`: no answer can become code); the comparison rules (numbers by value,
line ends and outer blank lines ignored) live in the tested program template, so the
tests, the command line and the app agree on what "the same output" means.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from support_system.generators.errors import ExampleProblem
from support_system.jobs.program_plans import EXAMPLES, example_ids, file_id
from support_system.jobs.program_specs import ProgramSpec

NO_EXAMPLE = "no example was given"


@dataclass(frozen=True)
class Example:
    """One example: its number (1-based), the input and the output expected from it.

    A text or a table is a str (a table as CSV text, its first line the column names);
    a folder or files are a dict of file name → text.
    """

    number: int
    input: Any  # noqa: A003 - the example's own word
    expected: Any

    def literal(self) -> dict[str, Any]:
        """The example as plain data for the tests file."""
        return {"number": self.number, "input": self.input, "expected": self.expected}


def _table_text(path: Path) -> str:
    """An uploaded example table as CSV text: a CSV file's own text (UTF-8 or Shift_JIS,
    kept as written), an Excel file's first sheet written as CSV."""
    try:
        if path.suffix.lower() == ".xlsx":
            import pandas as pd

            return pd.read_excel(path).to_csv(index=False)
        data = path.read_bytes()
    except (OSError, ValueError) as error:
        raise ExampleProblem(f"{path.name}: cannot be read ({error})") from error
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ExampleProblem(f"{path.name}: not readable as UTF-8 or Shift_JIS text")


def _side(kind: str, answers: dict[str, Any], qid: str, base_dir: Path) -> Any:
    """One side of an example as given: typed, or (a table) the uploaded file."""
    raw = answers.get(qid)
    upload = answers.get(file_id(qid))
    if kind == "table" and raw in (None, "") and upload:
        path = Path(str(upload))
        return _table_text(path if path.is_absolute() else base_dir / path)
    return raw


def _value(kind: str, raw: Any, number: int) -> Any:
    if kind in ("folder", "files"):
        files: dict[str, str] = {}
        for row in raw or []:
            name = str(row.get("name") or "").strip()
            path = PurePosixPath(name)
            if not name or path.is_absolute() or ".." in path.parts:
                raise ExampleProblem(f"example {number}: {name!r} is not a file name")
            files[path.as_posix()] = str(row.get("content") or "")
        return files
    return str(raw)


def examples_from_answers(
    spec: ProgramSpec, answers: dict[str, Any], base_dir: Path = Path(".")
) -> list[Example]:
    """The examples the person gave (an example needs both sides). An uploaded example
    table is read relative to `base_dir`."""
    examples = []
    for number in range(1, EXAMPLES + 1):
        input_id, output_id = example_ids(number)
        given = _side(spec.input, answers, input_id, base_dir)
        expected = _side(spec.output, answers, output_id, base_dir)
        if given in (None, "", []) or expected is None:
            continue
        examples.append(
            Example(
                number=len(examples) + 1,
                input=_value(spec.input, given, number),
                expected=_value(spec.output, expected, number),
            )
        )
    if not examples:
        raise ExampleProblem(f"{NO_EXAMPLE}: an input and its expected output")
    return examples


def _normal(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: _normal(text) for name, text in sorted(value.items())}
    return "\n".join(line.rstrip() for line in str(value).strip().splitlines())


def contradictions(examples: list[Example]) -> list[tuple[int, int]]:
    """Pairs of examples with the same input and different expected outputs: no program
    can satisfy both, so no model is asked to try."""
    pairs = []
    for index, first in enumerate(examples):
        for second in examples[index + 1 :]:
            same_input = _normal(first.input) == _normal(second.input)
            if same_input and _normal(first.expected) != _normal(second.expected):
                pairs.append((first.number, second.number))
    return pairs
