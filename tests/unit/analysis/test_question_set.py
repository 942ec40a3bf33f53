"""The "Ask your data" evaluation set is well-formed and its grader is strict where it must be.

A wrong reference or a grader that waves near-misses through would silently wrong every
benchmark figure, so: every reference runs on the tables as the service reads them and
survives the JSON trip the sandbox harness makes, the split is the promised quarter, and
`same_answer` rejects an off-by-one, a wrong label, a missing row and a wrong order.
"""

from __future__ import annotations

import collections
import datetime as dt
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from support_system.analysis.evaluation import (
    QUESTIONS_DIR,
    TABLES_DIR,
    Question,
    follows_template,
    from_json_value,
    load_question_tables,
    load_questions,
    reference_answer,
    same_answer,
    split_scores,
    to_json_value,
)

QUESTIONS = load_questions()
BY_ID = {q.id: q for q in QUESTIONS}
_tables_cache: dict[tuple[tuple[str, ...], str | None], Any] = {}


def _answer(q: Question) -> Any:
    key = (tuple(q.files), q.sheet)
    if key not in _tables_cache:
        _tables_cache[key] = load_question_tables(q)
    return reference_answer(q, _tables_cache[key])


def _q(**fields: Any) -> Question:
    """A throwaway question for grader tests (only kind/ordered/decimals/template matter)."""
    base = {
        "id": "t-1",
        "files": ["x.csv"],
        "lang": "en",
        "question": "test",
        "kind": "value",
        "level": "easy",
        "split": "tune",
        "reference": "def solve(df, tables):\n    return 1\n",
    }
    return Question.model_validate(base | fields)


# --- the set -------------------------------------------------------------------------------


def test_size_and_mix() -> None:
    kinds = collections.Counter(q.kind for q in QUESTIONS)
    langs = collections.Counter(q.lang for q in QUESTIONS)
    levels = collections.Counter(q.level for q in QUESTIONS)
    tables = {name for q in QUESTIONS for name in q.files}
    assert len(QUESTIONS) >= 80
    assert len(BY_ID) == len(QUESTIONS)  # ids unique (load_questions also refuses duplicates)
    assert len(tables) >= 10
    assert kinds["transform"] >= 10 and kinds["followup"] >= 10
    assert kinds["transform"] + kinds["followup"] >= 20
    assert min(langs["en"], langs["ja"]) >= 0.4 * len(QUESTIONS)
    assert levels["hard"] >= 0.15 * len(QUESTIONS)
    assert min(levels["easy"], levels["medium"]) >= 0.3 * len(QUESTIONS)


def test_files_exist_and_tables_are_small_but_real() -> None:
    for q in QUESTIONS:
        for name in q.files:
            assert (TABLES_DIR / name).is_file(), f"{q.id}: {name}"
    for q in QUESTIONS:
        for name, frame in load_question_tables(q).frames.items():
            assert 20 <= len(frame) <= 200, f"{name}: {len(frame)} rows"


def test_heldout_is_a_quarter_covering_languages_kinds_and_tables() -> None:
    heldout = [q for q in QUESTIONS if q.split == "heldout"]
    assert abs(len(heldout) - len(QUESTIONS) / 4) <= 1
    assert {q.lang for q in heldout} == {"en", "ja"}
    assert {q.kind for q in heldout} == {"value", "table", "transform", "followup"}
    assert {tuple(q.files) for q in heldout} == {tuple(q.files) for q in QUESTIONS}


def test_followups_follow_an_earlier_question_on_the_same_files_and_split() -> None:
    seen: set[str] = set()
    for q in QUESTIONS:
        if q.after is not None:
            assert q.after in seen, f"{q.id} follows {q.after}, which is not earlier"
            parent = BY_ID[q.after]
            assert parent.files == q.files
            # tuning on a followup would show the prompt its heldout parent, and back
            assert parent.split == q.split, q.id
        seen.add(q.id)


def test_format_fields_match_the_words_of_the_question() -> None:
    asks_rounding = re.compile(r"decimal|whole yen|小数|四捨五入|円単位", re.I)
    for q in QUESTIONS:
        asks = bool(asks_rounding.search(q.question))
        inherited = q.after is not None and BY_ID[q.after].decimals == q.decimals
        assert asks == (q.decimals is not None) or (not asks and inherited), q.id
        if q.template is not None:
            before = q.template.split("{value}")[0]
            assert before in q.question, q.id


def test_shift_jis_table_really_is_cp932() -> None:
    raw = (TABLES_DIR / "pos_export_sjis.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp932")
    assert "髙橋" in text and "山﨑" in text  # in cp932 only, not in strict Shift_JIS
    with pytest.raises(UnicodeEncodeError):
        "髙".encode("shift_jis")
    assert "\r\n" in text and '"1,600"' in text  # a Windows export with thousands separators


def test_workbook_has_two_sheets() -> None:
    from openpyxl import load_workbook

    book = load_workbook(TABLES_DIR / "sales_2years.xlsx", read_only=True)
    assert book.sheetnames == ["2023", "2024"]
    q = BY_ID["book-02"]
    tables = load_question_tables(q)
    assert tables.sheets() == ["2023", "2024"]
    assert load_question_tables(BY_ID["book-01"]).main == "2024"


def test_committed_tables_are_what_the_generator_makes(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_tables", QUESTIONS_DIR / "make_tables.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.OUT = tmp_path
    module.main()
    for made in tmp_path.iterdir():
        assert made.read_bytes() == (TABLES_DIR / made.name).read_bytes(), made.name


# --- every reference -----------------------------------------------------------------------


def _is_empty(value: Any) -> bool:
    if isinstance(value, pd.DataFrame | pd.Series | list | dict):
        return len(value) == 0
    return value is None or (isinstance(value, float) and value != value)


@pytest.mark.parametrize("q", QUESTIONS, ids=[q.id for q in QUESTIONS])
def test_reference_runs_and_equals_itself_after_json(q: Question) -> None:
    value = _answer(q)
    assert not _is_empty(value)
    if q.kind == "transform":
        assert isinstance(value, pd.DataFrame), "a transformation returns the new table"
    if q.ordered:
        assert isinstance(value, pd.DataFrame | pd.Series | list)
    sent = json.loads(json.dumps(to_json_value(value), ensure_ascii=False))
    assert same_answer(value, value, q)
    assert same_answer(value, from_json_value(sent), q)
    assert same_answer(value, sent, q)  # the grader takes the raw JSON shapes as well
    for miss in _near_misses(value, q):
        assert not same_answer(value, miss, q), f"accepted a near-miss: {miss!r}"
        assert not same_answer(value, to_json_value(miss), q)


def _nudged(value: Any, q: Question) -> Any:
    """`value` off by one unit of what was asked (1, or one step in the last decimal)."""
    value = (
        value.item() if hasattr(value, "item") and not isinstance(value, pd.Timestamp) else value
    )
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + (1 if q.decimals is None else 10**-q.decimals)
    if isinstance(value, pd.Timestamp | dt.date):
        return value + dt.timedelta(days=1)
    if isinstance(value, pd.Period):
        return value + 1
    return f"{value}x"


def _near_misses(value: Any, q: Question) -> list[Any]:
    """Answers that are almost the reference: each must be rejected."""
    if isinstance(value, pd.DataFrame):
        misses: list[Any] = [value.iloc[:-1]]
        numbers = value.select_dtypes("number").columns
        if len(numbers):
            changed = value.copy()
            column = value.columns.get_loc(numbers[0])
            changed.iloc[0, column] = _nudged(changed.iloc[0, column], q)
            misses.append(changed)
        if q.ordered and len(value) > 1 and not value.iloc[0].equals(value.iloc[-1]):
            misses.append(value.iloc[::-1])
        if q.kind == "transform":
            misses.append(value.rename(columns={value.columns[-1]: "something_else"}))
        return misses
    if isinstance(value, pd.Series):
        label, first = value.index[0], value.iloc[0]
        misses = [value.iloc[:-1]]
        misses.append(pd.Series(value.tolist(), index=[_nudged(label, q), *value.index[1:]]))
        misses.append(pd.Series([_nudged(first, q), *value.iloc[1:]], index=value.index))
        if q.ordered and len(value) > 1 and value.iloc[0] != value.iloc[-1]:
            misses.append(value.iloc[::-1])
        return misses
    if isinstance(value, list):
        misses = [value[:-1], [_nudged(value[0], q), *value[1:]]]
        if q.ordered and len(value) > 1 and value[0] != value[-1]:
            misses.append(value[::-1])
        return misses
    return [_nudged(value, q)]


# --- the grader ----------------------------------------------------------------------------


def test_numbers_within_tolerance_but_whole_numbers_exactly() -> None:
    q = _q()
    assert same_answer(0.5078631, 0.50787, q)
    assert same_answer(1200, 1200.0, q)
    assert same_answer(1200, "1,200円", q) and same_answer(1200, "¥1,200", q)
    assert same_answer(1200, "１，２００", q)
    assert not same_answer(1051980, 1051930, q)  # a missing 50-yen row is a wrong sum
    assert not same_answer(0.51, 0.53, q)
    assert not same_answer(3, True, q)


def test_decimals_asked_compare_after_rounding() -> None:
    q = _q(decimals=2)
    assert same_answer(66.67, 66.6666667, q)
    assert same_answer(66.67, "66.67", q)
    assert not same_answer(66.67, 66.66, q)
    whole = _q(decimals=0)
    assert same_answer(834, 834.19, whole) and same_answer(834, 833.5, whole)
    assert not same_answer(834, 835, whole)
    assert same_answer(2.68, 2.675, _q(decimals=2))  # half-up as people round


def test_text_dates_and_booleans() -> None:
    q = _q()
    assert same_answer("Kato Minato", "  kato minato ", q)
    assert same_answer("東京", "東京\u3000", q)
    assert same_answer("ＡＢＣ", "abc", q)
    assert not same_answer("Osaka", "Tokyo", q)
    assert same_answer(pd.Timestamp("2024-04-08"), "2024-04-08T00:00:00", q)
    assert same_answer(pd.Timestamp("2024-04-08"), "2024年4月8日", q)
    assert not same_answer(pd.Timestamp("2024-04-08"), "2024-04-09", q)
    assert same_answer(pd.Period("2024-06", "M"), "2024-06", q)
    assert same_answer(pd.Period("2024-06", "M"), pd.Timestamp("2024-06-30"), q)
    assert not same_answer(pd.Period("2024-06", "M"), "2024-05", q)
    assert same_answer(True, "はい", q) and not same_answer(True, False, q)


def test_one_element_answers_equal_their_scalar() -> None:
    q = _q()
    assert same_answer(89, [89], q)
    assert same_answer(89, pd.Series([89], index=["東京"]), q)
    assert same_answer("東京", pd.Series([89], index=["東京"]), q)  # "which city": the label
    assert same_answer(89, pd.DataFrame({"n": [89]}), q)
    assert same_answer(89, {"type": "frame", "columns": ["n"], "rows": [[89]]}, q)
    assert not same_answer(89, [89, 40], q)


def test_series_as_json_dict_or_pairs_and_order_only_when_asked() -> None:
    expected = pd.Series([89, 40, 26], index=["東京", "大阪", "名古屋"])
    unordered, ordered = _q(kind="table"), _q(kind="table", ordered=True)
    shuffled = {"名古屋": 26, "東京": 89, "大阪": 40}
    assert same_answer(expected, shuffled, unordered)
    assert same_answer(expected, [["東京", 89], ["大阪", 40], ["名古屋", 26]], ordered)
    assert not same_answer(expected, shuffled, ordered)
    frame = pd.DataFrame({"city": ["東京", "大阪", "名古屋"], "count": [89, 40, 26]})
    assert same_answer(expected, frame, ordered)
    assert not same_answer(expected, {"東京": 89, "大阪": 40}, unordered)  # a missing row
    assert not same_answer(expected, {"東京": 89, "大阪": 40, "福岡": 26}, unordered)
    assert not same_answer(expected, {"東京": 89, "大阪": 41, "名古屋": 26}, unordered)


def test_ties_in_a_ranking_may_come_in_either_order() -> None:
    q = _q(kind="table", ordered=True)
    expected = pd.Series([14, 14, 3], index=["A", "B", "C"])
    assert same_answer(expected, pd.Series([14, 14, 3], index=["B", "A", "C"]), q)
    assert not same_answer(expected, pd.Series([3, 14, 14], index=["C", "A", "B"]), q)


def test_frames_by_rows_and_column_names() -> None:
    expected = pd.DataFrame({"name": ["Mug", "Kettle"], "price": [1500, 3800]})
    table, transform = _q(kind="table"), _q(kind="transform")
    sorted_ = _q(kind="transform", ordered=True)
    rows = [{"price": 3800, "name": "Kettle"}, {"price": 1500, "name": "Mug"}]
    assert same_answer(expected, rows, transform)  # list of row dicts, columns in any order
    assert not same_answer(expected, rows, sorted_)
    assert same_answer(expected, expected.iloc[::-1], table)
    renamed = expected.rename(columns={"price": "値段"})
    assert same_answer(expected, renamed, table)  # our own names in a summary table
    assert not same_answer(expected, renamed, transform)  # but the asked-for names count
    assert not same_answer(expected, expected.iloc[:1], transform)
    harness_style = {"type": "frame", "columns": ["index", "name", "price"],
                     "rows": [[4, "Mug", 1500], [9, "Kettle", 3800]]}  # fmt: skip
    assert same_answer(expected, harness_style, transform)  # a filter's leftover index
    grouped = pd.DataFrame({"2023": [1, 2]}, index=pd.Index(["本店", "駅前店"], name="店舗"))
    assert same_answer(grouped, pd.DataFrame({"店舗": ["駅前店", "本店"], "2023": [2, 1]}), table)


def test_lists_and_templates() -> None:
    names = ["Goto Takeshi", "Ono Kazuya", "Wada Chika"]
    assert same_answer(names, ["Wada Chika", "Goto Takeshi", "Ono Kazuya"], _q())
    assert not same_answer(names, ["Wada Chika", "Goto Takeshi", "Ono Kazuya"], _q(ordered=True))
    assert not same_answer(names, names[:2], _q())
    q = _q(template="@product[{value}]")
    assert same_answer("Notebook", "@product[Notebook]", q)
    assert same_answer("Notebook", "Notebook", q)
    assert not same_answer("Notebook", "@product[Mug]", q)
    assert follows_template(q, "@product[Notebook]") and not follows_template(q, "Notebook")


def test_split_scores_report_both_splits() -> None:
    questions = [_q(id="a-1"), _q(id="a-2", split="heldout"), _q(id="a-3")]
    scores = split_scores(questions, {"a-1": True, "a-2": False, "a-3": False})
    assert scores["tune"] == {"right": 1, "total": 2, "rate": 0.5}
    assert scores["heldout"]["total"] == 1 and scores["all"]["right"] == 1
