"""The tables as the model sees them: columns, types, size, examples — never the file.

A small model needs the exact column names (Japanese included) and a feel for the
values ("2024-01-05", "東京") to write working pandas, but the whole file would not fit
its context and could carry personal data it has no need to see.
"""

from __future__ import annotations

import pandas as pd

SAMPLE_ROWS = 2
EXAMPLE_VALUES = 6
_CELL_CHARS = 24


def describe(name: str, frame: pd.DataFrame, *, variable: str) -> str:
    """A compact description of one table, referred to in code as `variable`."""
    lines = [f'{variable}  (table "{name}": {len(frame)} rows, {len(frame.columns)} columns)']
    for column in frame.columns:
        lines.append(f"  - {column!r}: {_column_summary(frame[column])}")
    sample = frame.head(SAMPLE_ROWS).copy()
    for column in sample.columns:
        if pd.api.types.is_string_dtype(sample[column]):
            sample[column] = sample[column].astype(str).str.slice(0, _CELL_CHARS)
    lines.append("  first rows:")
    lines.extend("    " + line for line in sample.to_string(index=False).splitlines())
    return "\n".join(lines)


def _column_summary(column: pd.Series) -> str:
    values = column.dropna()
    missing = len(column) - len(values)
    gaps = f", {missing} empty" if missing else ""
    if pd.api.types.is_bool_dtype(column):
        return f"true/false{gaps}"
    if pd.api.types.is_datetime64_any_dtype(column):
        if values.empty:
            return f"date, all empty{gaps}"
        return f"date from {values.min():%Y-%m-%d} to {values.max():%Y-%m-%d}{gaps}"
    if pd.api.types.is_numeric_dtype(column):
        kind = "integer" if pd.api.types.is_integer_dtype(column) else "number"
        if values.empty:
            return f"{kind}, all empty{gaps}"
        return f"{kind} from {_number(values.min())} to {_number(values.max())}{gaps}"
    distinct = values.astype(str).unique()
    examples = ", ".join(repr(v[:_CELL_CHARS]) for v in distinct[:EXAMPLE_VALUES])
    more = ", ..." if len(distinct) > EXAMPLE_VALUES else ""
    return f"text, {len(distinct)} distinct: {examples}{more}{gaps}"


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
