"""Worked examples written on the person's own table, shown to the model before the question.

A 0.5B model copies what it is shown. Examples on some other table taught it to filter
on the example's values ('apple') and use the example's column names; the same patterns
written with this table's real columns and values (a total, a total and an average per
group, a count per group, the best group, a filtered total, a product of two columns, a
monthly total, removing duplicates) let it adapt a pattern instead of inventing one.
Nothing here is tuned to a question: the examples come from the table's shape alone.
"""

from __future__ import annotations

import re

import pandas as pd

_LABEL_MAX_DISTINCT = 30


def examples(frame: pd.DataFrame, lang: str) -> list[tuple[str, str]]:
    """(question, one-line body of solve) pairs in `lang` using `frame`'s columns."""
    numbers, labels, dates = columns_by_role(frame)
    ja = lang == "ja"
    pairs: list[tuple[str, str]] = []
    if numbers:
        n = numbers[-1]
        pairs.append((f"{n}の合計は？" if ja else f"What is the total {n}?", f"df[{n!r}].sum()"))
    if numbers and labels:
        n, label = numbers[-1], labels[0]
        value = str(frame[label].dropna().iloc[0])
        per = f"df.groupby({label!r})[{n!r}].sum()"
        pairs += [
            (f"{label}ごとの{n}の合計" if ja else f"Total {n} for each {label}", per),
            (
                f"{label}ごとの{n}の平均を高い順に"
                if ja
                else f"Average {n} per {label}, highest first",
                f"df.groupby({label!r})[{n!r}].mean().sort_values(ascending=False)",
            ),
            (
                f"{label}ごとの件数" if ja else f"How many rows for each {label}?",
                f"df[{label!r}].value_counts()",
            ),
            (
                f"{n}の合計が一番大きい{label}は？"
                if ja
                else f"Which {label} has the highest total {n}?",
                f"{per}.idxmax()",
            ),
            (
                f"{label}が「{value}」の行の{n}の合計は？"
                if ja
                else f"What is the total {n} where {label} is {value}?",
                f"df.loc[df[{label!r}] == {value!r}, {n!r}].sum()",
            ),
        ]
    if len(numbers) >= 2:
        a, b = numbers[-2], numbers[-1]
        pairs.append(
            (
                f"{a}×{b}の合計は？" if ja else f"What is the total of {a} times {b}?",
                f"(df[{a!r}] * df[{b!r}]).sum()",
            )
        )
    if numbers and dates:
        n, d = numbers[-1], dates[0]
        pairs.append(
            (
                f"月ごとの{n}の合計" if ja else f"Total {n} per month",
                f"df.groupby(df[{d!r}].dt.to_period('M').astype(str))[{n!r}].sum()",
            )
        )
    pairs.append(
        (
            "重複している行を削除して" if ja else "Remove the duplicate rows",
            "df.drop_duplicates().reset_index(drop=True)",
        )
    )
    return pairs


def columns_by_role(frame: pd.DataFrame) -> tuple[list[str], list[str], list[str]]:
    """The columns a calculation can use: amounts (not ids), labels to group by, dates."""
    numbers = [
        str(c)
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
        and not _is_identifier(str(c), frame[c])
    ]
    labels = [
        str(c)
        for c in frame.columns
        if pd.api.types.is_string_dtype(frame[c])
        and 1 < frame[c].nunique() <= _LABEL_MAX_DISTINCT
        and not _ID_NAME.search(str(c))
    ]
    dates = [str(c) for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    return numbers, labels, dates


_ID_NAME = re.compile(r"(?i)(?:^|_|\b)id$|^id(?:_|\b)|番号|コード|\bcode\b|\bno\.?$")


def _is_identifier(name: str, column: pd.Series) -> bool:
    """An id or code column: numeric, but its sum or product means nothing."""
    if _ID_NAME.search(name):
        return True
    values = column.dropna()
    if not pd.api.types.is_integer_dtype(column) or len(values) <= 10 or not values.is_unique:
        return False
    return int(values.max()) - int(values.min()) + 1 == len(values)  # numbered 1, 2, 3, …
