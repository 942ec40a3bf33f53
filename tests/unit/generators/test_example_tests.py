"""Tests written from the person's examples, and the model's function taken from a reply.

The tests file and program.py are rendered with a hand-written `transform` (our code,
not a model's) and loaded here, to check what the examples demand and how a result is
compared with them.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from support_system.generators.base import GenerationContext
from support_system.generators.errors import ExampleProblem
from support_system.generators.program.by_example import (
    ExampleProgramGenerator,
    examples_for_prompt,
    model_for_attempt,
    policy_check,
)
from support_system.generators.program.example_tests import (
    contradictions,
    examples_from_answers,
)
from support_system.generators.program.function_code import extract_function, signature
from support_system.jobs.program_plans import job_from_spec
from support_system.jobs.program_specs import ProgramSpec

TABLE = ProgramSpec(title="Totals", summary="Totals per shop.", input="table", output="table")
FOLDER = ProgramSpec(title="Lines", summary="Lines per file.", input="folder", output="files")
TEXT = ProgramSpec(title="Upper", summary="Upper case.", input="text", output="text")
TOTALS = "def transform(df: pd.DataFrame) -> pd.DataFrame:\n    return df.groupby('shop', as_index=False)['amount'].sum()"  # noqa: E501
TABLE_ANSWERS = {
    "source": "sales.csv",
    "example1_input": "shop,amount\nA,100\nB,50\nA,25\n",
    "example1_output": "shop,amount\nA,125\nB,50",
}


def test_examples_are_read_from_the_answers_per_kind() -> None:
    [table] = examples_from_answers(TABLE, TABLE_ANSWERS)
    assert (table.number, table.input, table.expected) == (
        1, TABLE_ANSWERS["example1_input"], TABLE_ANSWERS["example1_output"],
    )  # fmt: skip
    answers = {
        "example1_input": [{"name": "a.txt", "content": "x\ny"}, {"name": "sub/b.txt"}],
        "example1_output": [{"name": "a.txt", "content": "2"}],
        "example2_input": None,  # skipped: the second example is optional
        "example2_output": None,
    }
    [folder] = examples_from_answers(FOLDER, answers)
    assert folder.input == {"a.txt": "x\ny", "sub/b.txt": ""}
    assert folder.expected == {"a.txt": "2"}


@pytest.mark.parametrize("name", ["../secret.txt", "/etc/passwd", " "])
def test_a_file_name_outside_the_folder_is_refused(name: str) -> None:
    answers = {"example1_input": [{"name": name}], "example1_output": [{"name": "a.txt"}]}
    with pytest.raises(ExampleProblem, match="example 1"):
        examples_from_answers(FOLDER, answers)


def test_examples_that_contradict_each_other_are_found() -> None:
    answers = {
        "example1_input": "abc",
        "example1_output": "ABC",
        "example2_input": "abc\n",  # the same input, written with a line end
        "example2_output": "xyz",
    }
    assert contradictions(examples_from_answers(TEXT, answers)) == [(1, 2)]
    answers["example2_output"] = "ABC"
    assert contradictions(examples_from_answers(TEXT, answers)) == []


def test_the_function_is_taken_from_a_chatty_reply_with_the_fixed_signature() -> None:
    reply = (
        "Here is the function:\n```python\nimport os\nimport pandas as pd\nimport unicodedata\n\n"
        "def transform(table):\n    # total\n    return unicodedata.normalize(table)\n\n"
        "print(transform(pd.DataFrame()))\n# Example usage\n```\nIt works."
    )
    code = extract_function(reply, TABLE)
    assert code == (
        "import unicodedata\n\n"  # pandas is imported already; os is not used
        "def transform(df: pd.DataFrame) -> pd.DataFrame:\n"
        "    # total\n    return unicodedata.normalize(table)"
    )
    assert extract_function("I cannot do that.", TABLE) is None
    assert signature(FOLDER) == "def transform(files: dict[str, str]) -> dict[str, str]:"


def test_the_code_policy_stops_files_and_sockets() -> None:
    reading = policy_check("def transform(text: str) -> str:\n    return open('/etc/hosts').read()")
    assert not reading.passed and "open()" in reading.messages[0]
    assert "reading or writing files" in reading.messages[0]
    socket = policy_check("import socket\n\ndef transform(text: str) -> str:\n    return text")
    assert not socket.passed and "the network" in socket.messages[0]
    assert policy_check("def transform(text: str) -> str:\n    return text.upper()").passed


def test_the_stronger_model_takes_over_after_the_default_models_attempts(settings) -> None:
    assert [model_for_attempt(None, n) for n in (1, 2, 3, 4)] == [
        "qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b", "qwen2.5-coder-1.5b",
    ]  # fmt: skip


def test_the_prompt_shows_tables_as_csv_and_texts_as_literals() -> None:
    shown = examples_for_prompt(TABLE, examples_from_answers(TABLE, TABLE_ANSWERS))
    assert "input (as CSV):\nshop,amount\nA,100" in shown
    text = examples_from_answers(TEXT, {"example1_input": "a\nb", "example1_output": "A"})
    assert "input:\n'a\\nb'\nexpected result:\n'A'" in examples_for_prompt(TEXT, text)


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def rendered(settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """program.py and the tests for the table example, with a hand-written transform."""

    def render(code: str) -> tuple[ModuleType, ModuleType]:
        job = job_from_spec(TABLE, "totals per shop", "en", "custom-0123456789ab")
        ctx = GenerationContext(job=job, answers=TABLE_ANSWERS, lang="en")
        examples = examples_from_answers(TABLE, TABLE_ANSWERS)
        draft = ExampleProgramGenerator()._render(ctx, TABLE, examples, code, tmp_path / "p")
        monkeypatch.syspath_prepend(str(draft.root))
        for name in ("program", "rendered_tests"):
            sys.modules.pop(name, None)
        program = _load(draft.root / "program.py", "program")
        tests = _load(draft.root / "tests" / "test_program.py", "rendered_tests")
        return program, tests

    yield render
    for name in ("program", "rendered_tests"):
        sys.modules.pop(name, None)


def test_the_written_tests_hold_the_examples_and_pass_a_right_function(rendered) -> None:
    program, tests = rendered(TOTALS)
    assert tests.EXAMPLES == [
        {"number": 1, "input": TABLE_ANSWERS["example1_input"],
         "expected": TABLE_ANSWERS["example1_output"]},
    ]  # fmt: skip
    tests.test_example_1()
    # Numbers compare by value, spaces around cells do not count.
    assert program.comparable(program.table_from_text("a, b\n1.0, x \n")) == [
        ["a", "b"], ["1", "x"],
    ]  # fmt: skip


def test_the_written_tests_say_how_a_wrong_function_differs(rendered) -> None:
    renamed = ".rename(columns={'amount': 'total'})"
    _, tests = rendered(TOTALS + renamed)
    with pytest.raises(AssertionError) as failure:
        tests.test_example_1()
    message = str(failure.value)
    assert message.startswith("Example 1: for the input 'shop,amount\\nA,100")
    assert "the columns are ['shop', 'total'], but ['shop', 'amount'] are expected" in message


def test_a_failure_is_told_in_the_persons_words(settings) -> None:
    from support_system.generators.base import CheckResult

    job = job_from_spec(TEXT, "upper case", "ja", "custom-0123456789ab")
    ctx = GenerationContext(job=job, answers={}, lang="ja")
    failed = "FAILED tests/test_program.py::test_example_2 - AssertionError: Example 2: "
    lines = ExampleProgramGenerator().describe_failure(
        ctx,
        [
            CheckResult("ast", True),
            CheckResult("tests", False, [failed + "for the input 'a' it returned 'a'"]),
            CheckResult("policy", False, ["blocked: the function calls open()"]),
        ],
    )
    assert lines == [
        "例 2 のとおりになりませんでした：for the input 'a' it returned 'a'",
        "モデルが書いたプログラムが、あなたのデータ以外に手を伸ばそうとしたため、動かす前に止めました"
        "（blocked: the function calls open()）。",
    ]
