"""Query forms compile into the program they stand for, and refuse what cannot run.

The forms are run in-process here (our own compiled code on the evaluation set's
tables) and compared with the question set's hand-written references, so a compiler
mistake shows up as a wrong value, not as a string mismatch.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pydantic
import pytest

from support_system.analysis import plans
from support_system.analysis.evaluation import (
    TABLES_DIR,
    load_question_tables,
    load_questions,
    reference_answer,
    same_answer,
)
from support_system.analysis.harness import to_json_value
from support_system.analysis.tables import load_tables

QUESTIONS = {q.id: q for q in load_questions()}


def _run(code: str, frame: pd.DataFrame) -> Any:
    namespace: dict[str, Any] = {"pd": pd, "np": np}
    exec(compile(code, "<form>", "exec"), namespace)  # noqa: S102 - our own compiled code
    return namespace["solve"](frame.copy(), {"main": frame.copy()})


@pytest.mark.parametrize(
    ("qid", "form"),
    [
        (
            "sales-02",
            {
                "measure": "column times other_column",
                "column": "quantity",
                "other_column": "unit_price",
                "group_by": "date",
                "group_period": "month",
                "pick": "group with the highest",
            },
        ),
        (
            "sales-03",
            {
                "calculation": "percent of rows",
                "rows_where": [{"column": "city", "op": "is", "value": "大阪"}],
            },
        ),
        (
            "survey-03",  # the model writes the condition's number with its words: 「4以上」
            {
                "calculation": "percent of rows",
                "rows_where": [{"column": "満足度", "op": "at least", "value": "4以上"}],
            },
        ),
        (
            "web-01",  # months are text ("2024-03") in this CSV
            {
                "column": "visitors",
                "rows_where": [{"column": "month", "op": "in year", "value": "2024"}],
            },
        ),
        (
            "web-05",
            {"column": "visitors", "group_by": "month", "group_period": "year"},
        ),
        (
            "att-01",
            {
                "calculation": "count rows",
                "rows_where": [
                    {"column": "date", "op": "on date", "value": "2024-05-13"},
                    {"column": "status", "op": "is", "value": "absent"},
                ],
            },
        ),
        (
            "att-02",
            {
                "calculation": "percent of rows",
                "group_by": "student_name",
                "pick": "every group",
                "rows_where": [{"column": "status", "op": "is one of", "value": "present, late"}],
            },
        ),
        (
            "budget-04",
            {
                "column": "金額",
                "rows_where": [
                    {"column": "日付", "op": "in month", "value": "3"},
                    {"column": "費目", "op": "is", "value": "食費"},
                ],
            },
        ),
        (
            "survey-10",
            {"calculation": "count rows", "group_by": "都道府県", "pick": "top n groups", "n": 5},
        ),
        (
            "products-01",
            {"calculation": "correlation", "column": "price", "other_column": "rating"},
        ),
    ],
)
def test_a_form_computes_the_reference_answer(qid: str, form: dict[str, Any]) -> None:
    q = QUESTIONS[qid]
    tables = load_question_tables(q)
    code = plans.compile_plan(plans.as_plan(form), tables.df)
    assert code.startswith("def solve(df, tables):")
    got = to_json_value(_run(code, tables.df))
    assert same_answer(reference_answer(q, tables), got, q), code


def test_the_models_form_may_only_name_the_tables_columns() -> None:
    frame = pd.DataFrame({"店舗": ["本店", "駅前店"], "売上": [100, 200]})
    schema = plans.plan_schema(frame)
    filled = {
        "calculation": "sum",
        "measure": "column",
        "column": "売上",
        "other_column": None,
        "group_by": "店舗",
        "group_period": "none",
        "pick": "every group",
        "n": 0,
        "rows_where": [],
        "each_row_once": False,
    }
    assert plans.as_plan(schema.model_validate(filled)).group_by == "店舗"
    with pytest.raises(pydantic.ValidationError):
        schema.model_validate({**filled, "column": "sales"})
    enum = json.dumps(schema.model_json_schema(), ensure_ascii=False)
    assert '"売上"' in enum and '"店舗"' in enum


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ({"calculation": "percent of rows"}, "condition"),
        ({"column": "売上", "pick": "top n groups", "n": 3}, "group"),
        ({"column": "売上", "group_by": "店舗", "group_period": "month"}, "dates"),
        ({"calculation": "average"}, "column"),
        ({"column": "店舗"}, "numbers"),
        ({"calculation": "correlation", "column": "売上", "other_column": "売上"}, "two"),
        (
            {"column": "売上", "rows_where": [{"column": "売上", "op": "at least", "value": "x"}]},
            "number",
        ),
    ],
)
def test_a_form_no_program_can_follow_is_refused(form: dict[str, Any], reason: str) -> None:
    frame = pd.DataFrame({"店舗": ["本店", "駅前店"], "売上": [100, 200]})
    with pytest.raises(ValueError, match=reason):
        plans.compile_plan(plans.as_plan(form), frame)


def test_a_period_without_a_column_groups_the_tables_date() -> None:
    frame = pd.DataFrame(
        {"日付": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-03"]), "金額": [1, 2, 4]}
    )
    form = plans.as_plan({"column": "金額", "group_period": "month", "pick": "every group"})
    result = _run(plans.compile_plan(form, frame), frame)
    assert result.to_dict() == {"2024-01": 3, "2024-02": 4}


def test_a_value_is_matched_to_the_cells_spelling() -> None:
    frame = pd.DataFrame({"status": ["Shipped", "cancelled", "Shipped"], "amount": [1, 2, 3]})
    form = plans.as_plan(
        {"column": "amount", "rows_where": [{"column": "status", "op": "is", "value": "shipped"}]}
    )
    assert _run(plans.compile_plan(form, frame), frame) == 4


@pytest.mark.parametrize(
    "name",
    ["shop_sales.csv", "survey_ja.csv", "orders.csv", "pos_export_sjis.csv", "web_visitors.csv"],
)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_worked_form_runs_on_its_table(name: str, lang: str) -> None:
    frame = load_tables([TABLES_DIR / name]).df
    pairs = plans.plan_examples(frame, lang)
    assert len(pairs) >= 3
    for question, form in pairs:
        assert json.loads(form.as_json()), question
        assert _run(plans.compile_plan(form, frame), frame) is not None, question


@pytest.mark.parametrize(
    ("question", "value", "op"),
    [
        ("満足度が4以上の人の割合は何％？", "4", "at least"),
        ("How many products have a rating of 4.0 or higher?", "4.0", "at least"),
        ("金額が1,000円以上の行だけ残して", "1000", "at least"),
        ("レビュー数が10件未満の商品", "10", "less than"),
        ("Only the students absent at least 3 times", "3", "at least"),
        ("stores with more than 5 staff", "5", "more than"),
        ("満足度が4の人は何人？", "4", "is"),
        ("満足度が4のうち、40以上", "4", "is"),  # the word belongs to another number
    ],
)
def test_the_comparison_the_question_states_replaces_a_plain_is(
    question: str, value: str, op: str
) -> None:
    form = plans.as_plan({"rows_where": [{"column": "x", "op": "is", "value": value}]})
    assert plans.with_stated_comparisons(form, question).rows_where[0]["op"] == op


@pytest.mark.parametrize(
    ("question", "added"),
    [
        ("How many responses left the free comment empty?", True),
        ("How many members have no join date?", True),
        ("自由記述が空欄の回答は何件？", True),
        ("How many responses are there?", False),
        ("What is the average, ignoring blanks?", False),
    ],
)
def test_a_count_of_an_empty_column_gets_its_condition(question: str, added: bool) -> None:
    form = plans.as_plan({"calculation": "count rows", "column": "comment"})
    conditions = plans.with_stated_emptiness(form, question).rows_where
    assert (conditions == [{"column": "comment", "op": "is empty", "value": ""}]) is added


@pytest.mark.parametrize(
    ("question", "pick"),
    [
        ("平均評価が一番高いブランドはどこ？", "group with the highest"),
        ("Which brand has the highest average rating?", "group with the highest"),
        ("Which store sold the fewest items?", "group with the lowest"),
        ("都道府県ごとの満足度の平均を高い順に並べて", "every group highest first"),
        ("Which 5 prefectures have the most respondents? Most first", "every group highest first"),
        ("Average rating per brand", "every group highest first"),
        ("店舗ごとの最大の売上は？", "every group highest first"),
    ],
)
def test_a_question_for_the_one_best_group_gets_one_group(question: str, pick: str) -> None:
    form = plans.as_plan(
        {
            "calculation": "average",
            "column": "rating",
            "group_by": "brand",
            "pick": "every group highest first",
        }
    )
    assert plans.with_stated_pick(form, question).pick == pick


@pytest.mark.parametrize(("value", "total"), [("2024", 6), ("2024-02", 2)])
def test_a_date_that_is_a_year_or_month_means_that_period(value: str, total: int) -> None:
    frame = pd.DataFrame({"month": ["2023-12", "2024-01", "2024-02"], "visitors": [1, 4, 2]})
    form = plans.as_plan(
        {"column": "visitors", "rows_where": [{"column": "month", "op": "is", "value": value}]}
    )
    assert _run(plans.compile_plan(form, frame), frame) == total
