"""Custom programs made by example (issue 13, item 4), with the real model and sandbox.

Each scenario runs once per module through the command line, as a script would:
`generate --request … --plan` plans the program (the default model writes its spec),
an answers file gives the real input and the examples, `generate --job custom-…`
writes the tests from the examples, has the model write `transform`, checks it and
runs it in the sandbox. The default small model answers unless escalation is the
point; every run keeps its attempts in result.json, which the tests read.
"""

from __future__ import annotations

import ast
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from support_system.cli import app
from support_system.core.settings import PROJECT_ROOT, get_settings
from tests.conftest import TEST_MODEL_DIR
from tests.helpers.generate_cli import DEAD_MODEL

pytestmark = [pytest.mark.model]
DEFAULT = "qwen2.5-coder-0.5b"
STRONGER = "qwen2.5-coder-1.5b"


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Iterator[Path]:
    """One state dir and database for the module's runs (each run is its own job), and
    a registry that also holds a model nobody serves (for runs where the plan is not
    the point: their spec then comes from the request's words, without a model call)."""
    from support_system.data.db import reset_engine_cache

    base = tmp_path_factory.mktemp("custom-programs")
    shipped = yaml.safe_load((PROJECT_ROOT / "config" / "models.yaml").read_text("utf-8"))
    models = base / "models.yaml"
    models.write_text(yaml.safe_dump({"models": [*shipped["models"], DEAD_MODEL]}), "utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SUPPORT_SYSTEM_MODELS_FILE", str(models))
        patch.setenv("SUPPORT_SYSTEM_STATE_DIR", str(base / "state"))
        patch.setenv("SUPPORT_SYSTEM_MODEL_DIR", str(TEST_MODEL_DIR))
        patch.delenv("SUPPORT_SYSTEM_DATABASE_URL", raising=False)
        (base / "state").mkdir()
        shutil.copyfile(migrated_sqlite, base / "state" / "support_system.db")
        get_settings.cache_clear()
        reset_engine_cache()
        yield base
        reset_engine_cache()
        get_settings.cache_clear()


@dataclass
class Run:
    """One program made from a request: its plan, its folder and what it reported."""

    job: str
    plan: dict[str, Any]
    out: Path
    report: dict[str, Any]
    output: str
    exit_code: int

    def failed(self) -> dict[str, list[str]]:
        checks = [*self.report["checks"], *([self.report["run"]] if self.report["run"] else [])]
        return {c["name"]: c["messages"] for c in checks if not c["passed"]}


def make_program(
    base: Path,
    name: str,
    request: str,
    answers: dict[str, Any],
    lang: str,
    *extra: str,
    kind: str | None = "program",
    files: dict[str, str] | None = None,
    planned: bool = True,
) -> Run:
    """Plan a program for `request`, answer its questions from `answers` (with `files`
    written beside the answers file), and build it; `extra` goes to the build. With
    `planned=False` no model plans (the request's words choose the standard spec)."""
    folder = base / name
    folder.mkdir()
    for relative, text in (files or {}).items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    runner = CliRunner()
    planning = ["generate", "--request", request, "--plan", "--lang", lang]
    planning += ["--kind", kind] if kind else []
    planning += [] if planned else ["--model", DEAD_MODEL["name"]]
    printed = runner.invoke(app, planning)
    assert printed.exit_code == 0, printed.output
    plan = yaml.safe_load(printed.stdout)
    answers_path = folder / "answers.yaml"
    answers_path.write_text(yaml.safe_dump(answers, allow_unicode=True), encoding="utf-8")
    out = folder / "out"
    built = runner.invoke(
        app,
        ["generate", "--job", plan["job"], "--answers", str(answers_path), "--out", str(out),
         "--lang", lang, *extra],
    )  # fmt: skip
    report = json.loads((out / "result.json").read_text(encoding="utf-8"))
    return Run(plan["job"], plan, out, report, built.output, built.exit_code)


def attempts(run: Run) -> list[tuple[list[str], bool, list[str]]]:
    """Per attempt: its models, whether it passed, and the checks it failed."""
    return [
        (a["models"], a["passed"], [c["name"] for c in a["checks"] if not c["passed"]])
        for a in run.report["attempts"]
    ]


def program_files(run: Run) -> set[str]:
    return {p.relative_to(run.out).as_posix() for p in run.out.rglob("*") if p.is_file()}


def written_examples(run: Run) -> list[dict[str, Any]]:
    """The EXAMPLES literal of the tests written for `run` (read, never executed here)."""
    tree = ast.parse((run.out / "tests" / "test_program.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "EXAMPLES":
            return ast.literal_eval(node.value)
    raise AssertionError("no EXAMPLES in the tests")


DELIVERED = {"program.py", "app.py", "README.md", "requirements.txt", "tests/test_program.py"}


# --- a table: planned as a table program ----------------------------------------------------
# Building it is what the folder and the repair runs below do (the default model failing and
# the stronger one taking over, a repair passing); for a table only the plan is checked, to
# keep the suite inside CI's time.


@pytest.fixture(scope="module")
def csv_plan(state: Path) -> dict[str, Any]:
    request = "a program that totals the amount column of my sales CSV per shop"
    printed = CliRunner().invoke(
        app, ["generate", "--request", request, "--plan", "--lang", "en", "--kind", "program"]
    )
    assert printed.exit_code == 0, printed.output
    return yaml.safe_load(printed.stdout)


def test_a_csv_request_is_planned_as_a_table_program(csv_plan: dict[str, Any]) -> None:
    assert csv_plan["job"].startswith("custom-")
    assert csv_plan["program"] == {"input": "table", "output": "table"}
    assert [q["id"] for q in csv_plan["questions"]][:5] == [
        "source", "example1_input", "example1_input_file", "example1_output",
        "example1_output_file",
    ]  # fmt: skip


# --- a folder of files, in Japanese ---------------------------------------------------------

DOCS = {
    "docs/お知らせ.txt": "一行目\n二行目\n三行目\n",
    "docs/sub/memo.txt": "ひとつ\n",
    "docs/b.md": "a\nb\n",
}


@pytest.fixture(scope="module")
def folder_run(state: Path) -> Run:
    """The default model miscounts (measured: twice); one attempt per model lets the
    stronger model write it: the escalation this module checks."""
    answers = {
        "source": "docs",
        "example1_input": [
            {"name": "memo.txt", "content": "first\nsecond\nthird"},
            {"name": "note.txt", "content": "hello"},
        ],
        "example1_output": "file,lines\nmemo.txt,3\nnote.txt,1\n",
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SUPPORT_SYSTEM_CUSTOM_PROGRAMS__ATTEMPTS_PER_MODEL", "1")
        get_settings.cache_clear()
        run = make_program(
            state, "folder", "フォルダの中のテキストファイルごとに行数を数えて一覧にしたい",
            answers, "ja", "--attempts", "2", files=DOCS,
        )  # fmt: skip
    get_settings.cache_clear()
    return run


def test_a_folder_program_counts_and_leaves_the_folder_alone(folder_run: Run) -> None:
    assert folder_run.plan["program"] == {"input": "folder", "output": "table"}
    assert folder_run.exit_code == 0, (folder_run.output, folder_run.report)
    assert folder_run.report["ok"] and not folder_run.failed()
    assert attempts(folder_run)[-1] == ([STRONGER], True, [])
    assert DELIVERED <= program_files(folder_run)
    result = (folder_run.out / "output" / "result.csv").read_text(encoding="utf-8-sig")
    rows = [line.split(",") for line in result.split()]
    assert sorted(rows[1:]) == [["b.md", "2"], ["sub/memo.txt", "1"], ["お知らせ.txt", "3"]]
    for relative, text in DOCS.items():  # read, never written
        assert (folder_run.out.parent / relative).read_text(encoding="utf-8") == text
    readme = (folder_run.out / "README.md").read_text(encoding="utf-8")
    assert "元のファイルは変更しません" in readme or "変更しません" in readme


# --- a text: tests/e2e/test_wizard_keyboard.py's custom program walk -------------------------
# 「文章をすべて大文字にするプログラムがほしい」 is planned, answered by keyboard, made by the
# default model, checked, run on the person's text, and its app is opened from Publish and
# driven through its Gradio API (the same function on a new text).


# --- a repair: the first function fails the example, the repair passes -------------------------


@pytest.fixture(scope="module")
def repair_run(state: Path) -> Run:
    answers = {
        "source": "milk\neggs\nbread",
        "example1_input": "apple\nbanana",
        "example1_output": "1. apple\n2. banana",
    }
    return make_program(state, "repair", "number each line of a list", answers, "en")


def test_the_failed_example_goes_back_to_the_model_and_the_repair_passes(repair_run: Run) -> None:
    assert repair_run.exit_code == 0, (repair_run.output, repair_run.report)
    first, second = repair_run.report["attempts"]
    assert first["models"] == second["models"] == [DEFAULT]
    failed = {c["name"]: c["messages"] for c in first["checks"] if not c["passed"]}
    assert list(failed) == ["tests"]
    assert "test_example_1" in failed["tests"][0]
    assert "'1. apple\\n1. banana', but '1. apple\\n2. banana' is expected" in failed["tests"][0]
    assert second["passed"] and repair_run.report["ok"]
    assert written_examples(repair_run) == [  # the person's example, verbatim
        {"number": 1, "input": "apple\nbanana", "expected": "1. apple\n2. banana"},
    ]
    assert (repair_run.out / "output" / "result.txt").read_text(encoding="utf-8") == (
        "1. milk\n2. eggs\n3. bread"
    )


# --- examples no program can satisfy: told plainly, nothing delivered ----------------------------


@pytest.fixture(scope="module")
def impossible_run(state: Path) -> Run:
    answers = {
        "source": "abc",
        "example1_input": "abc",
        "example1_output": "ABC",
        "example2_input": "abc",
        "example2_output": "xyz",
    }
    return make_program(state, "impossible", "文章を大文字にしたい", answers, "ja", planned=False)


def test_examples_that_cannot_be_satisfied_end_with_a_plain_explanation(
    impossible_run: Run,
) -> None:
    assert impossible_run.exit_code == 1
    report = impossible_run.report
    assert not report["ok"] and report["main_file"] is None and not report["fallback_used"]
    assert program_files(impossible_run) == {"result.json"}  # no program passed off as working
    assert all(not a["passed"] and a["models"] == [] for a in report["attempts"])
    assert "プログラムは作りませんでした" in report["explanation"]
    assert "例 1 と例 2 は、入力が同じなのに期待する結果が違います" in report["explanation"]
    assert "プログラムは作りませんでした" in impossible_run.output


# --- a function that reaches for a file or the network is stopped and reported ------------------


@pytest.mark.parametrize(
    ("request_text", "example", "reaches"),
    [
        ("show the text of the file /etc/hosts", ("hosts", "127.0.0.1 localhost"), "files"),
        ("check whether a web address answers", ("http://127.0.0.1:9/", "down"), "network"),
    ],
)
def test_a_function_that_reaches_beyond_its_argument_is_blocked_and_reported(
    state: Path, request_text: str, example: tuple[str, str], reaches: str
) -> None:
    given, expected = example
    answers = {"source": given, "example1_input": given, "example1_output": expected}
    run = make_program(
        state, f"blocked-{reaches}", request_text, answers, "en", "--attempts", "1", planned=False
    )
    assert run.exit_code == 1
    [attempt] = run.report["attempts"]
    checks = {c["name"]: c for c in attempt["checks"]}
    assert not checks["policy"]["passed"]
    assert checks["policy"]["messages"][0].startswith("blocked: the function")
    assert checks["tests"]["messages"] == ["not run: see the checks before"]  # never ran
    assert "was stopped before it ran" in run.report["explanation"]
    assert program_files(run) == {"result.json"}
