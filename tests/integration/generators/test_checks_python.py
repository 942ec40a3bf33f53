"""The program checks with the real tools: `compile()` and the pinned ruff.

Each check must name the exact problem with its file and line, because that message is
all the model gets when it repairs the program; cosmetic findings must not fail it.
"""

from __future__ import annotations

from pathlib import Path

from support_system.generators.checks.python import check_ast, check_ruff

GOOD_PROGRAM = '''"""Total the amounts in a CSV file."""

import csv
import sys
from pathlib import Path


def total(path: Path, column: str = "amount") -> float:
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(float(row[column]) for row in csv.DictReader(handle))


if __name__ == "__main__":
    print(total(Path(sys.argv[1])))
'''


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(source, encoding="utf-8")
    return path


# --- compile ---------------------------------------------------------------------------------


def test_ast_passes_a_good_program_as_text_and_as_file(tmp_path: Path) -> None:
    assert check_ast(GOOD_PROGRAM).passed
    result = check_ast(write(tmp_path, "program.py", GOOD_PROGRAM))
    assert result.passed and result.messages == [] and result.name == "ast"


def test_ast_reports_a_syntax_error_with_file_line_and_source(tmp_path: Path) -> None:
    path = write(tmp_path, "program.py", "def total(rows:\n    return sum(rows)\n")
    result = check_ast(path)
    assert not result.passed
    [message] = result.messages
    assert message.startswith("program.py:1: SyntaxError: ")
    assert message.endswith("def total(rows:")


def test_ast_reports_indentation_errors_by_their_name() -> None:
    result = check_ast("def f():\nreturn 1\n", filename="program.py")
    assert result.messages == [
        "program.py:2: IndentationError: expected an indented block after "
        "function definition on line 1: return 1"
    ]


def test_ast_catches_errors_found_after_parsing() -> None:
    result = check_ast("print('start')\nreturn 5\n")
    assert not result.passed
    assert result.messages == ["<program>:2: SyntaxError: 'return' outside function: return 5"]


def test_ast_reports_syntax_warnings_but_passes() -> None:
    result = check_ast('import re\nDIGITS = re.compile("\\d+")\n')
    assert result.passed
    assert result.messages and "invalid escape sequence" in result.messages[0]
    assert result.messages[0].startswith("<program>:2: warning: ")


# --- ruff ------------------------------------------------------------------------------------


def test_ruff_passes_a_good_program(tmp_path: Path) -> None:
    result = check_ruff(write(tmp_path, "program.py", GOOD_PROGRAM))
    assert result.passed, result.messages
    assert result.name == "ruff"


def test_ruff_reports_an_undefined_name_as_file_line_code(tmp_path: Path) -> None:
    path = write(tmp_path, "program.py", "def total(rows):\n    return sum(row)\n")
    result = check_ruff(path)
    assert not result.passed
    assert result.messages == ["program.py:2: F821 Undefined name `row`"]


def test_ruff_reports_likely_bugs_but_not_cosmetics(tmp_path: Path) -> None:
    source = (
        "import os\n"  # F401 unused import: ignored
        "\n"
        "\n"
        "def add(item, items=[]):\n"  # B006 mutable default: reported
        "    unused = 1\n"  # F841: ignored
        "    for i in range(3):\n"  # B007: ignored
        "        pass\n"
        "    items.append(item)\n"
        "    items == []\n"  # B015 pointless comparison: reported
        '    return f"done"\n'  # F541: ignored
    )
    result = check_ruff(write(tmp_path, "program.py", source))
    codes = [message.split()[1] for message in result.messages]
    assert codes == ["B006", "B015"], result.messages
    assert result.messages[0].startswith("program.py:4: B006 ")


def test_ruff_reports_syntax_errors(tmp_path: Path) -> None:
    result = check_ruff(write(tmp_path, "program.py", "print('a'\n"))
    assert not result.passed
    assert result.messages[0].startswith("program.py:")
    assert " SyntaxError " in result.messages[0]


def test_ruff_checks_a_folder_and_names_files_relative_to_it(tmp_path: Path) -> None:
    write(tmp_path, "program.py", GOOD_PROGRAM)
    (tmp_path / "helpers").mkdir()
    write(tmp_path / "helpers", "maths.py", "def double(x):\n    return x * factor\n")
    result = check_ruff(tmp_path)
    assert result.messages == ["helpers/maths.py:2: F821 Undefined name `factor`"]


def test_ruff_ignores_configuration_written_next_to_the_program(tmp_path: Path) -> None:
    # A generated folder could carry a config that silences rules; --isolated ignores it.
    write(tmp_path, "ruff.toml", '[lint]\nignore = ["F821"]\n')
    write(tmp_path, "pyproject.toml", '[tool.ruff.lint]\nignore = ["F821"]\n')
    result = check_ruff(write(tmp_path, "program.py", "print(missing)\n"))
    assert result.messages == ["program.py:1: F821 Undefined name `missing`"]
    assert not (tmp_path / ".ruff_cache").exists()  # nothing left in the artifact


def test_ast_of_a_program_folder_names_the_file_that_fails(tmp_path: Path) -> None:
    from support_system.generators.checks.python import check_ast_files

    (tmp_path / "tests").mkdir()
    good, bad = tmp_path / "program.py", tmp_path / "tests" / "test_program.py"
    good.write_text("x = 1\n", encoding="utf-8")
    bad.write_text("def f(:\n", encoding="utf-8")
    both = check_ast_files([good, bad], tmp_path)
    assert not both.passed and both.name == "ast"
    assert len(both.messages) == 1 and both.messages[0].startswith("tests/test_program.py")
    assert check_ast_files([good], tmp_path).passed
