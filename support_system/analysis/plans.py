"""A question as a filled-in query form, compiled into the `solve` program it stands for.

A 0.5B model writes mostly wrong pandas: it copies example values, sums the wrong
column, invents methods. Asked instead to fill in a small form (on which rows, per what,
which calculation on which column, which part of the result) whose column fields may
only hold the table's real column names (JSON-schema-constrained decoding), it gets the
common questions right more often, and the form compiles into plain pandas that is
shown, checked and run in the sandbox like a model-written program. What the form
cannot say (a pivot, a growth rate, a change to the table) still goes to free code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field, create_model

from support_system.analysis.examples import columns_by_role

Op = Literal[
    "is",
    "is one of",
    "is not",
    "at least",
    "at most",
    "more than",
    "less than",
    "contains",
    "is empty",
    "is not empty",
    "in year",
    "in month",
    "on date",
]
Calculation = Literal[
    "sum",
    "average",
    "count rows",
    "maximum",
    "minimum",
    "median",
    "count distinct",
    "percent of rows",
    "correlation",
]
Measure = Literal["column", "column times other_column", "column divided by other_column"]
Period = Literal["none", "day", "month", "year"]
Pick = Literal[
    "the value",
    "every group",
    "every group highest first",
    "every group lowest first",
    "group with the highest",
    "group with the lowest",
    "top n groups",
    "bottom n groups",
]


class Plan(BaseModel):
    """The filled-in form. Column fields are plain text here; the schema the model is
    held to (`plan_schema`) only allows the table's own column names."""

    rows_where: list[dict[str, Any]] = Field(default_factory=list)
    each_row_once: bool = False
    group_by: str | None = None
    group_period: Period = "none"
    calculation: Calculation = "sum"
    measure: Measure = "column"
    column: str | None = None
    other_column: str | None = None
    pick: Pick = "the value"
    n: int = 0

    def as_json(self) -> str:
        """The whole form as one JSON line, every field in the model's order: a small
        model shown only the changed fields fills the others with guesses."""
        return json.dumps(self.model_dump(), ensure_ascii=False)


def plan_schema(frame: pd.DataFrame) -> type[BaseModel]:
    """The form for `frame`, every column field an enum of its real column names."""
    names = tuple(str(c) for c in frame.columns)
    column_type: Any = Literal[names]  # type: ignore[valid-type]
    condition = create_model(
        "Condition",
        column=(column_type, ...),
        op=(Op, ...),
        value=(str, ...),
    )
    return create_model(
        "QueryPlan",
        rows_where=(list[condition], Field(max_length=3)),  # type: ignore[valid-type]
        each_row_once=(bool, ...),
        group_by=(column_type | None, ...),
        group_period=(Period, ...),
        calculation=(Calculation, ...),
        measure=(Measure, ...),
        column=(column_type | None, ...),
        other_column=(column_type | None, ...),
        pick=(Pick, ...),
        n=(int, ...),
    )


def as_plan(filled: BaseModel | dict[str, Any]) -> Plan:
    """The model's filled form (or its JSON dict) as a Plan."""
    data = filled if isinstance(filled, dict) else json.loads(filled.model_dump_json())
    return Plan.model_validate(data)


def compile_plan(plan: Plan, frame: pd.DataFrame) -> str:
    """The `solve(df, tables)` program the form stands for. ValueError when the form is
    filled in a way no program can follow (a sum without its column): the caller then
    has the model write the program instead, so this never reaches a person."""
    plan = _normalised(plan, frame)
    lines = ["rows = df.drop_duplicates()" if plan.each_row_once else "rows = df"]
    if plan.calculation == "percent of rows":
        lines.append("base = rows")
    lines += [f"rows = rows[{_condition(c, frame)}]" for c in plan.rows_where]
    keys = _keys(plan, frame, "rows")
    lines += _calculation(plan, frame, keys)
    lines += _pick(plan) if keys is not None else []
    lines.append("return result")
    return "def solve(df, tables):\n" + "\n".join("    " + line for line in lines)


def _normalised(plan: Plan, frame: pd.DataFrame) -> Plan:
    """Fill what the form implies but the model left out, and refuse what cannot run."""
    changes: dict[str, Any] = {}
    dates = _date_columns(frame)
    if plan.group_by is None and plan.group_period != "none" and dates:
        changes["group_by"] = dates[0]  # "per month" names no column: the table's date
    if plan.group_by is None and plan.pick in ("top n groups", "bottom n groups"):
        raise ValueError("top n needs a group")
    if plan.calculation == "percent of rows" and not plan.rows_where:
        raise ValueError("a percentage of rows needs a condition")
    for name in (plan.column, plan.other_column, plan.group_by):
        if name is not None and name not in frame.columns:
            raise ValueError(f"no column {name!r}")
    return plan.model_copy(update=changes) if changes else plan


_COMPARISONS = [  # (words before the number, words after it, the op they mean)
    (r"at least|no less than", r"以上|or more|or higher|or above|and up|\+", "at least"),
    (r"at most|no more than", r"以下|or less|or lower|or below|or fewer", "at most"),
    (r"less than|fewer than|under|below", r"未満", "less than"),
    (r"more than|greater than|over|above|higher than", r"より(?:多|大|高)|を?超え?", "more than"),
]


def with_stated_comparisons(plan: Plan, question: str) -> Plan:
    """A condition written as `is 4` when the question says 「4以上」 / "4 or more" takes
    the comparison the question states: small models often keep the number and drop the
    word around it, and the word is plain to read."""
    text = question.replace(",", "").replace("，", "")
    fixed = []
    for condition in plan.rows_where:
        number = _NUMBER.search(str(condition.get("value", "")))
        if condition.get("op") == "is" and number is not None:
            n = re.escape(number.group())
            for before, after, op in _COMPARISONS:
                near = (
                    rf"(?:{before})\s*{n}(?![\d.])"
                    rf"|(?<![\d.]){n}(?![\d.])\s*[^\s\d]{{0,3}}?\s*(?:{after})"
                )
                if re.search(near, text, re.I):
                    condition = {**condition, "op": op}
                    break
        fixed.append(condition)
    return plan.model_copy(update={"rows_where": fixed})


_EMPTY_WORDS = re.compile(
    r"\bempty\b|\bblank|\bmissing\b|\bno\s+(?!one\b)\w+|空欄|空白|未記入|未入力|が空|なし", re.I
)
_EXCLUDING_WORDS = re.compile(r"ignor|exclud|without|skip|除|以外|抜き", re.I)


def with_stated_emptiness(plan: Plan, question: str) -> Plan:
    """ "How many left the comment empty?" / "How many have no join date?" filled in as
    "count rows" of that column, with no condition: counting rows ignores the column, so
    the condition the question states (the column is empty) is added."""
    named = {str(c.get("column")) for c in plan.rows_where}
    if (
        plan.calculation != "count rows"
        or plan.column is None
        or plan.column in named
        or plan.group_by is not None
        or not _EMPTY_WORDS.search(question)
        or _EXCLUDING_WORDS.search(question)
    ):
        return plan
    condition = {"column": plan.column, "op": "is empty", "value": ""}
    return plan.model_copy(update={"rows_where": [*plan.rows_where, condition]})


_ONE_BEST = re.compile(
    r"一番|いちばん|最も|最多|最大|最高|\b(?:which|what)\b.*\b(?:most|highest|largest|biggest|best)\b",
    re.I,
)
_ONE_WORST = re.compile(
    r"最も少な|最も低|最小|最低|一番(?:少な|低|小さ)|\b(?:which|what)\b.*\b(?:least|lowest|smallest|fewest)\b",
    re.I,
)
_RANKING = re.compile(
    r"順|ランキング|\btop\s*\d|\bfirst\b|\brank|\bsort|\border|\blist\b|上位|下位", re.I
)


_EACH = re.compile(r"ごと|毎|\beach\b|\bevery\b", re.I)


def with_stated_pick(plan: Plan, question: str) -> Plan:
    """ "Which brand has the highest rating?" / 「一番高いブランドは？」 asks for the one
    group, not the whole ranking a small model often returns."""
    if plan.group_by is None or plan.pick not in (
        "every group",
        "every group highest first",
        "every group lowest first",
    ):
        return plan
    if _RANKING.search(question) or _EACH.search(question):
        return plan  # a ranking, or "the largest sale for each store"
    if _ONE_WORST.search(question):
        return plan.model_copy(update={"pick": "group with the lowest"})
    if _ONE_BEST.search(question):
        return plan.model_copy(update={"pick": "group with the highest"})
    return plan


def _calculation(plan: Plan, frame: pd.DataFrame, keys: str | None) -> list[str]:
    calc = plan.calculation
    if calc == "percent of rows":
        if keys is None:
            return ["result = len(rows) / len(base) * 100"]
        base_keys = _keys(plan, frame, "base")
        return [
            f"counts = rows.groupby({keys}).size()",
            f"totals = base.groupby({base_keys}).size()",
            "result = (counts.reindex(totals.index, fill_value=0) / totals * 100)",
        ]
    if calc == "correlation":
        if plan.column is None or plan.other_column is None or plan.column == plan.other_column:
            raise ValueError("a correlation needs two columns")
        return [f"result = rows[{plan.column!r}].corr(rows[{plan.other_column!r}])"]
    if calc == "count rows":
        return ["result = len(rows)" if keys is None else f"result = rows.groupby({keys}).size()"]
    values = _values(plan, frame)
    method = {
        "sum": "sum",
        "average": "mean",
        "maximum": "max",
        "minimum": "min",
        "median": "median",
        "count distinct": "nunique",
    }[calc]
    grouped = "values" if keys is None else f"values.groupby({keys})"
    return [f"values = {values}", f"result = {grouped}.{method}()"]


def _values(plan: Plan, frame: pd.DataFrame) -> str:
    if plan.column is None:
        raise ValueError(f"{plan.calculation} needs a column")
    first = _numbers(plan.column, frame) if plan.calculation != "count distinct" else None
    first = first or f"rows[{plan.column!r}]"
    if plan.measure == "column" or plan.other_column is None:
        return first
    sign = "*" if plan.measure == "column times other_column" else "/"
    return f"{first} {sign} rows[{plan.other_column!r}]"


def _numbers(column: str, frame: pd.DataFrame) -> str | None:
    if pd.api.types.is_numeric_dtype(frame[column]):
        return None
    raise ValueError(f"column {column!r} holds no numbers")


def _keys(plan: Plan, frame: pd.DataFrame, table: str) -> str | None:
    if plan.group_by is None:
        return None
    column = f"{table}[{plan.group_by!r}]"
    if plan.group_period == "none":
        return column
    if plan.group_by not in _date_columns(frame):
        raise ValueError(f"column {plan.group_by!r} holds no dates")
    if not pd.api.types.is_datetime64_any_dtype(frame[plan.group_by]):
        column = f"pd.to_datetime({column})"
    code = {"day": "D", "month": "M", "year": "Y"}[plan.group_period]
    return f"{column}.dt.to_period({code!r}).astype(str)"


def _pick(plan: Plan) -> list[str]:
    n = max(plan.n, 1)
    return {
        "the value": [],
        "every group": [],
        "every group highest first": ["result = result.sort_values(ascending=False)"],
        "every group lowest first": ["result = result.sort_values()"],
        "group with the highest": ["result = result.idxmax()"],
        "group with the lowest": ["result = result.idxmin()"],
        "top n groups": [f"result = result.nlargest({n})"],
        "bottom n groups": [f"result = result.nsmallest({n})"],
    }[plan.pick]


_SYMBOLS = {
    "is": "==",
    "is not": "!=",
    "at least": ">=",
    "at most": "<=",
    "more than": ">",
    "less than": "<",
}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _condition(condition: dict[str, Any], frame: pd.DataFrame) -> str:
    column = str(condition.get("column"))
    op = str(condition.get("op"))
    raw = str(condition.get("value", "")).strip()
    if column not in frame.columns:
        raise ValueError(f"no column {column!r}")
    series = frame[column]
    cell = f"rows[{column!r}]"
    if op == "is empty":
        return f"{cell}.isna()"
    if op == "is not empty":
        return f"{cell}.notna()"
    if op == "contains":
        return f"{cell}.astype(str).str.contains({raw!r}, regex=False)"
    if op == "is one of":
        parts = [part.strip() for part in re.split(r"[,、，]", raw)]
        values = [_typed(part, series) for part in parts if part]
        return f"{cell}.isin({values!r})"
    if op in ("in year", "in month", "on date") or _is_date(series):
        return _date_condition(cell, op, raw, series)
    value = _typed(raw, series)
    return f"{cell} {_SYMBOLS[op]} {value!r}"


def _date_condition(cell: str, op: str, raw: str, series: pd.Series) -> str:
    if not _is_date(series):
        raise ValueError("a date condition on a column without dates")
    dates = cell if pd.api.types.is_datetime64_any_dtype(series) else f"pd.to_datetime({cell})"
    digits = [int(d) for d in re.findall(r"\d+", raw)]
    if op == "is" and re.fullmatch(r"\d{4}(?:\D+\d{1,2})?\D*", raw):
        op = "in year" if len(digits) == 1 else "in month"  # "2024", "2024-03": that period
    if op == "in year" and digits:
        return f"{dates}.dt.year == {digits[0]}"
    if op == "in month" and digits:
        if len(digits) >= 2 and digits[0] > 12:  # "2024-03", 2024年3月
            return f"({dates}.dt.year == {digits[0]}) & ({dates}.dt.month == {digits[1]})"
        return f"{dates}.dt.month == {digits[0]}"
    try:
        day = pd.Timestamp(raw.replace("年", "-").replace("月", "-").rstrip("日"))
    except ValueError as error:
        raise ValueError(f"not a date: {raw!r}") from error
    if op == "on date":
        return f"{dates}.dt.normalize() == pd.Timestamp({day.date().isoformat()!r})"
    if op not in _SYMBOLS:
        raise ValueError(f"{op!r} on a date")
    return f"{dates} {_SYMBOLS[op]} pd.Timestamp({day.date().isoformat()!r})"


def _typed(raw: str, series: pd.Series) -> Any:
    """The condition's value as the column holds it: 4 for "4以上", True for "yes"."""
    if pd.api.types.is_bool_dtype(series):
        return raw.lower() in ("true", "yes", "1", "はい")
    if pd.api.types.is_numeric_dtype(series):
        match = _NUMBER.search(raw.replace(",", ""))
        if match is None:
            raise ValueError(f"not a number: {raw!r}")
        number = float(match.group())
        return int(number) if number.is_integer() else number
    values = {str(v) for v in series.dropna().unique()[:1000]}
    if raw not in values:
        folded = {v.casefold(): v for v in values}
        return folded.get(raw.casefold(), raw)
    return raw


def _date_columns(frame: pd.DataFrame) -> list[str]:
    return [str(c) for c in frame.columns if _is_date(frame[c])]


def _is_date(series: pd.Series) -> bool:
    """A date column, or text that is dates ("2023-01" months in a CSV)."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    if not pd.api.types.is_string_dtype(series):
        return False
    sample = series.dropna().astype(str).head(20)
    return not sample.empty and bool(
        sample.str.fullmatch(r"\d{4}[-/]\d{1,2}(?:[-/]\d{1,2})?").all()
    )


def plan_examples(frame: pd.DataFrame, lang: str) -> Sequence[tuple[str, Plan]]:
    """Worked forms on the person's own table (examples.py says why it is their table)."""
    numbers, labels, dates = columns_by_role(frame)
    ja = lang == "ja"
    pairs: list[tuple[str, Plan]] = []
    if numbers:
        n = numbers[-1]
        pairs.append((f"{n}の合計は？" if ja else f"What is the total {n}?", Plan(column=n)))
    if numbers and labels:
        n, label = numbers[-1], labels[0]
        value = str(frame[label].dropna().iloc[0])
        where = [{"column": label, "op": "is", "value": value}]
        pairs += [
            (
                f"{label}ごとの{n}の平均を高い順に"
                if ja
                else f"Average {n} per {label}, highest first",
                Plan(
                    calculation="average",
                    column=n,
                    group_by=label,
                    pick="every group highest first",
                ),
            ),
            (
                f"{label}ごとの件数" if ja else f"How many rows for each {label}?",
                Plan(calculation="count rows", group_by=label, pick="every group"),
            ),
            (
                f"{n}の合計が一番大きい{label}は？"
                if ja
                else f"Which {label} has the highest total {n}?",
                Plan(column=n, group_by=label, pick="group with the highest"),
            ),
            (
                f"{label}が「{value}」の行の{n}の合計は？"
                if ja
                else f"What is the total {n} where {label} is {value}?",
                Plan(column=n, rows_where=where),
            ),
            (
                f"{label}が「{value}」の行は全体の何％？"
                if ja
                else f"What percent of rows have {label} {value}?",
                Plan(calculation="percent of rows", rows_where=where),
            ),
        ]
    if len(numbers) >= 2:
        a, b = numbers[-2], numbers[-1]
        pairs.append(
            (
                f"{a}×{b}の合計が多い{labels[0]}トップ3"
                if ja and labels
                else f"Top 3 {labels[0]} by {a} times {b}"
                if labels
                else (f"{a}×{b}の合計は？" if ja else f"What is the total of {a} times {b}?"),
                Plan(
                    measure="column times other_column",
                    column=a,
                    other_column=b,
                    group_by=labels[0] if labels else None,
                    pick="top n groups" if labels else "the value",
                    n=3 if labels else 0,
                ),
            )
        )
    if numbers and dates:
        n, d = numbers[-1], dates[0]
        pairs += [
            (
                f"月ごとの{n}の合計" if ja else f"Total {n} per month",
                Plan(column=n, group_by=d, group_period="month", pick="every group"),
            ),
            (
                f"2024年の{n}の平均は？" if ja else f"Average {n} in 2024?",
                Plan(
                    calculation="average",
                    column=n,
                    rows_where=[{"column": d, "op": "in year", "value": "2024"}],
                ),
            ),
        ]
    return pairs
