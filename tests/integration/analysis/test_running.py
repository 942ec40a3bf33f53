"""Model-written programs run in the real sandbox through the real harness."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from support_system.analysis import running


@pytest.fixture()
def tables_file(tmp_path: Path) -> Path:
    frame = pd.DataFrame(
        {
            "日付": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-03", "2024-02-03"]),
            "店舗": ["東京", "大阪", "東京", "東京"],
            "売上": [1200, 800, 1500, 1500],
        }
    )
    tables = SimpleNamespace(frames={"sales": frame}, df=frame)
    return running.pickle_tables(tables, tmp_path)  # type: ignore[arg-type]


def _run(code: str, tables_file: Path, dest: Path, chart: bool = False) -> running.Outcome:
    return running.run(code, tables_file, dest, chart=chart, title="t")


def test_a_scalar_a_series_and_a_new_table_come_back_in_their_json_shapes(
    tables_file: Path, tmp_path: Path
) -> None:
    total = _run("def solve(df, tables):\n    return df['売上'].sum()", tables_file, tmp_path / "a")
    assert total.ok and total.value == 5000 and total.table_csv is None
    per_shop = _run(
        "def solve(df, tables):\n    return df.groupby('店舗')['売上'].sum()",
        tables_file,
        tmp_path / "b",
    )
    assert per_shop.value == {
        "type": "series",
        "name": "売上",
        "index_name": "店舗",
        "index_names": ["店舗"],
        "index": ["大阪", "東京"],
        "values": [800, 4200],
    }
    assert per_shop.table_csv is not None
    assert per_shop.table_csv.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    dedup = _run(
        "def solve(df, tables):\n    return df.drop_duplicates().reset_index(drop=True)",
        tables_file,
        tmp_path / "c",
    )
    assert dedup.value["type"] == "frame" and len(dedup.value["rows"]) == 3
    assert dedup.value["rows"][0] == ["2024-01-05", "東京", 1200]
    assert dedup.shape == [3, 3]


def test_a_chart_is_drawn_from_a_series_when_one_is_wanted(
    tables_file: Path, tmp_path: Path
) -> None:
    outcome = _run(
        "def solve(df, tables):\n    return df.groupby('店舗')['売上'].sum()",
        tables_file,
        tmp_path,
        chart=True,
    )
    assert outcome.chart_png is not None
    assert outcome.chart_png.read_bytes().startswith(b"\x89PNG")


def test_errors_come_back_with_the_line_to_repair(tables_file: Path, tmp_path: Path) -> None:
    missing = _run("def solve(df, tables):\n    return df['価格'].sum()", tables_file, tmp_path)
    assert not missing.ok and missing.error == "KeyError" and missing.key == "価格"
    assert "line 2" in missing.where
    nothing = _run("x = 1", tables_file, tmp_path)
    assert nothing.error == "NoFunction"
    broken = _run("def solve(df, tables)\n    return 1", tables_file, tmp_path)
    assert broken.error == "SyntaxError" and "line 1" in broken.feedback()


def test_the_sandbox_holds_no_file_of_the_machine_and_no_network(
    tables_file: Path, tmp_path: Path
) -> None:
    """The policy stops such code before it runs; this shows the sandbox stops it anyway."""
    passwd = _run(
        "def solve(df, tables):\n    return open('/etc/passwd').read()", tables_file, tmp_path
    )
    assert not passwd.ok and passwd.error == "FileNotFoundError"
    code = (
        "import socket\ndef solve(df, tables):\n"
        "    socket.create_connection(('127.0.0.1', 22), timeout=2)\n    return 1"
    )
    network = _run(code, tables_file, tmp_path)
    assert not network.ok and network.error in ("OSError", "ConnectionRefusedError")


def test_a_runaway_program_is_stopped_by_the_time_limit(
    tables_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(running, "WALL_SECONDS", 3.0)
    outcome = _run("def solve(df, tables):\n    while True:\n        pass", tables_file, tmp_path)
    assert not outcome.ok and outcome.error in ("limit:wall_time", "limit:cpu_time")
    assert json.dumps(outcome.feedback())


def test_the_harness_gives_a_changed_table_back_whole_named_rounded_and_in_order(
    tables_file: Path, tmp_path: Path
) -> None:
    """A narrow answer to "add a column「単価比」, two decimals" comes back with every
    column, the person's name for the new one and two decimals; "highest first" sorts."""
    narrow = (
        "def solve(df, tables):\n"
        "    df['ratio'] = df['売上'] / 700\n"
        "    return df[['店舗', 'ratio']]\n"
    )
    outcome = running.run(
        narrow,
        tables_file,
        tmp_path / "a",
        chart=False,
        title="t",
        keep_columns=True,
        new_column="単価比",
        decimals=2,
    )
    assert outcome.ok and outcome.value["columns"] == ["日付", "店舗", "売上", "単価比"]
    assert [row[3] for row in outcome.value["rows"]] == [1.71, 1.14, 2.14, 2.14]
    assert not outcome.same_as_input
    unsorted = "def solve(df, tables):\n    return df.groupby('店舗')['売上'].sum()"
    ordered = running.run(
        unsorted, tables_file, tmp_path / "b", chart=False, title="t", order="desc"
    )
    assert ordered.value["index"] == ["東京", "大阪"] and ordered.value["values"] == [4200, 800]
    unchanged = "def solve(df, tables):\n    df['売上'].fillna(0)\n    return df"
    same = running.run(unchanged, tables_file, tmp_path / "c", chart=False, title="t")
    assert same.ok and same.same_as_input
