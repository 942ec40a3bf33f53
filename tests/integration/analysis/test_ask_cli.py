"""`python -m support_system ask` in a child process, as a person would run it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support_system.analysis.evaluation import TABLES_DIR
from tests.helpers.cli import run_cli

SALES = str(TABLES_DIR / "shop_sales.csv")


@pytest.mark.model
def test_ask_prints_the_answer_and_json_with_the_program(db) -> None:
    done = run_cli(
        "ask", "--file", SALES, "How many order lines are there?", "--lang", "en",
        "--model", "qwen2.5-coder-0.5b",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "200" in done.stdout  # the file has 200 order lines
    assert "Reading shop_sales.csv" in done.stderr  # progress goes to stderr
    assert "qwen2.5-coder-0.5b" in done.stderr  # which model answered
    as_json = run_cli(
        "ask", "--file", SALES, "How many order lines are there?", "--lang", "en", "--json",
    )  # fmt: skip
    assert as_json.returncode == 0, as_json.stderr
    answer = json.loads(as_json.stdout)
    assert answer["value"] == 200 and answer["models"][0] == "qwen2.5-coder-0.5b"
    assert "def solve(df, tables):" in answer["code"] and answer["rows_used"] == 200


def test_ask_fails_clearly_on_bad_input(db, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    done = run_cli("ask", "--file", str(empty), "合計は？", "--lang", "ja")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "empty.csv" in done.stderr
    off_topic = run_cli("ask", "--file", SALES, "What's the capital of France?", "--lang", "en")
    assert off_topic.returncode == 2 and "chat page" in off_topic.stderr
    missing = run_cli("ask", "--file", str(tmp_path / "nope.csv"), "total?", "--lang", "en")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
