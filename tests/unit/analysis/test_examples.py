"""The worked examples shown to the model are written on the person's own table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from support_system.analysis.evaluation import TABLES_DIR
from support_system.analysis.examples import examples
from support_system.analysis.tables import load_tables


@pytest.mark.parametrize(
    "name", ["shop_sales.csv", "survey_ja.csv", "orders.csv", "pos_export_sjis.csv"]
)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_example_runs_on_the_table_it_was_written_for(name: str, lang: str) -> None:
    frame = load_tables([TABLES_DIR / name]).df
    pairs = examples(frame, lang)
    assert len(pairs) >= 5
    for question, line in pairs:
        result = eval(line, {"pd": pd, "np": np}, {"df": frame.copy()})  # noqa: S307 - our own code
        assert result is not None, question


def test_ids_and_codes_are_not_used_as_amounts_or_groups() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:03}" for i in range(20)],
            "回答ID": range(20),
            "地域": ["東", "西"] * 10,
            "金額": [100 + 7 * i for i in range(20)],
        }
    )
    lines = " ".join(line for _, line in examples(frame, "ja"))
    assert "customer_id" not in lines and "回答ID" not in lines
    assert "df.groupby('地域')['金額'].sum()" in lines
