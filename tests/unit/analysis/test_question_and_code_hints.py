"""What the service reads from the question and the tables before and after a program runs:
the words it links to columns and values, the grouping it asks for, the hints for filters
that cannot match, and the repair of a changed table's shape. No model is involved."""

from __future__ import annotations

import pandas as pd
import pytest

from support_system.analysis import checks, code_hints, harness, intent
from support_system.analysis.linking import Link, links
from support_system.analysis.program import function_finished
from support_system.analysis.running import Outcome

SALES = pd.DataFrame(
    {
        "date": pd.to_datetime(["2024-01-05", "2024-02-10", "2024-02-11"]),
        "product": ["Mug", "Mugs Set", "Kettle"],
        "unit_price": [1500, 2500, 4000],
        "city": ["東京", "大阪", "東京"],
        "store": ["渋谷店", "梅田店", "渋谷"],
        "in_stock": ["yes", "no", "yes"],
    }
)
VISITS = pd.DataFrame({"month": ["2023-12", "2024-01", "2024-02"], "visitors": [10, 20, 30]})


def test_values_and_columns_the_question_names_are_linked() -> None:
    found = links("東京のunit priceの合計は？ in stock only", [SALES])
    assert Link("city", "東京") in found
    assert Link("unit_price") in found and Link("in_stock") in found
    assert "'東京' is a value of the column 'city'." in [link.rule() for link in found]


def test_linking_takes_whole_words_and_the_longest_value() -> None:
    assert Link("product", "Mug") not in links("How many Mugs Set were sold?", [SALES])
    assert Link("product", "Mugs Set") in links("How many Mugs Set were sold?", [SALES])
    shibuya = links("渋谷店の売上は？", [SALES])
    assert Link("store", "渋谷店") in shibuya and Link("store", "渋谷") not in shibuya
    assert links("What is the weather like?", [SALES]) == []
    # two-letter Latin values ("no") are everyday words, not links
    assert Link("in_stock", "no") not in links("Is there no data for May?", [SALES])


@pytest.mark.parametrize(
    ("question", "group"),
    [
        ("Total visitors per year.", "year"),
        ("Monthly total sales, please", "month"),
        ("店舗別の売上合計を出して", "store"),
        ("日別の売上合計", "day"),
        ("What is each city's total?", "city"),
        ("cityごとの件数", "city"),
        ("Total order amount per customer city, all statuses included.", "city"),
        ("What is the average amount per receipt at 梅田店?", None),
        ("What is the total revenue?", None),
    ],
)
def test_the_grouping_a_question_asks_for_is_read(question: str, group: str | None) -> None:
    columns = ["date", "store", "city", "amount"]
    found = intent.grouped_by(question.replace("店舗", "store"), columns)
    assert found == group


def test_a_change_keeps_columns_unless_it_renames_or_removes_them() -> None:
    assert intent.keeps_columns("「1人あたりPV」の列を追加して")
    assert intent.keeps_columns("Remove the duplicate rows")
    assert not intent.keeps_columns("Rename the columns to English")
    assert not intent.keeps_columns("氏名の列は消して")
    assert not intent.keeps_columns("Keep only the name and city columns")
    assert intent.new_column_name("「1人あたりPV」の列を追加して", ["month"]) == "1人あたりPV"
    request = 'Add a column "total" with price x quantity'
    assert intent.new_column_name(request, ["price"]) == "total"
    assert intent.new_column_name("「東京」の行だけ残して", ["city"]) is None


def _frame_outcome(columns: list[str], *, same: bool = False) -> Outcome:
    value = {"type": "frame", "columns": columns, "rows": [[1] * len(columns)]}
    return Outcome(True, value=value, python_type="DataFrame", same_as_input=same)


def test_results_that_miss_what_the_question_asks_get_a_repair_hint() -> None:
    one_number = Outcome(True, value=171114, python_type="int")
    hint = checks.against_question(
        one_number, question="Total visitors per year.", columns=["month"], change=False
    )
    assert hint and "per year" in hint
    per_year = Outcome(True, value={"type": "series", "index": ["2023"], "values": [1]})
    assert (
        checks.against_question(
            per_year, question="Total visitors per year.", columns=["month"], change=False
        )
        is None
    )
    per_pair = Outcome(
        True,
        value={
            "type": "series",
            "index_names": ["customer_id", "city"],
            "index": ["('C1', 'Kyoto')"],
            "values": [3],
        },
    )
    hint = checks.against_question(
        per_pair, question="Total per customer city", columns=["customer_id", "city"], change=False
    )
    assert hint and "'city' alone" in hint
    columns = ["month", "visitors", "page_views"]
    unchanged = _frame_outcome(columns, same=True)
    hint = checks.against_question(
        unchanged, question="空欄を0で埋めて", columns=columns, change=True
    )
    assert hint and "nothing was changed" in hint
    narrow = _frame_outcome(["month", "PV"])
    hint = checks.against_question(
        narrow, question="「PV」の列を追加して", columns=columns, change=True
    )
    assert hint and "'visitors'" in hint and "'page_views'" in hint
    unnamed = _frame_outcome([*columns, "pv_per_person"])
    hint = checks.against_question(
        unnamed, question="「1人あたりPV」の列を追加して", columns=columns, change=True
    )
    assert hint and "'1人あたりPV'" in hint
    named = _frame_outcome([*columns, "1人あたりPV"])
    assert (
        checks.against_question(
            named, question="「1人あたりPV」の列を追加して", columns=columns, change=True
        )
        is None
    )


def test_filters_that_cannot_match_get_a_hint_naming_the_fix() -> None:
    tokyo = "def solve(df, tables):\n    return df[df['city'] == 'Tokyo']['unit_price'].sum()\n"
    hint = code_hints.unknown_values(tokyo, [SALES], "東京の合計は？")
    assert "'東京'" in hint
    year = "def solve(df, tables):\n    return df[df['month'] == '2024']['visitors'].sum()\n"
    hint = code_hints.unknown_values(year, [VISITS], "How many visitors in 2024?")
    assert "df['month'].str.startswith('2024')" in hint
    may = "def solve(df, tables):\n    return df[df['date'] == '2024-02']['unit_price'].sum()\n"
    hint = code_hints.unknown_values(may, [SALES], "Sales in February 2024?")
    assert ".dt.to_period('M')" in hint
    later = "def solve(df, tables):\n    return df[df['month'] >= '2024']['visitors'].sum()\n"
    assert code_hints.unknown_values(later, [VISITS], "Visitors since 2024?") == ""
    right = "def solve(df, tables):\n    return df[df['city'] == '東京']['unit_price'].sum()\n"
    assert code_hints.unknown_values(right, [SALES], "東京の合計") == ""


def test_a_number_outside_a_column_s_range_is_named() -> None:
    months = pd.DataFrame({"月": list(range(1, 13)), "売上": [1] * 12})
    code = "def solve(df, tables):\n    return df.loc[df['月'] == 2024, '売上'].sum()\n"
    hint = code_hints.numbers_out_of_range(code, [months])
    assert "1 to 12" in hint
    fine = "def solve(df, tables):\n    return df.loc[df['月'] == 5, '売上'].sum()\n"
    assert code_hints.numbers_out_of_range(fine, [months]) == ""


def test_a_missing_year_or_month_column_is_derived_from_the_dates() -> None:
    assert code_hints.date_part("year", SALES) == "df['date'].dt.year"
    assert code_hints.date_part("month", SALES) == "df['date'].dt.to_period('M')"
    assert code_hints.date_part("year", VISITS) == "df['month'].str[:4]"
    assert code_hints.date_part("price", SALES) == ""
    assert code_hints.date_part("year", pd.DataFrame({"a": [1]})) == ""


def test_a_changed_table_gets_back_the_columns_it_dropped_and_the_name_asked_for() -> None:
    df = pd.DataFrame({"month": ["a", "b", "c"], "views": [6, 8, 9], "visitors": [2, 4, 3]})
    narrow = pd.DataFrame({"month": df["month"], "pv": df["views"] / df["visitors"]})
    full = harness.with_all_columns(narrow, df)
    assert list(full.columns) == ["month", "views", "visitors", "pv"]
    assert full["pv"].tolist() == [3.0, 2.0, 3.0]
    kept = harness.with_all_columns(narrow[narrow["pv"] > 2.5], df)
    assert kept["views"].tolist() == [6, 9]
    renumbered = narrow.iloc[[2, 0]].reset_index(drop=True)
    assert list(harness.with_all_columns(renumbered, df).columns) == ["month", "pv"]
    no_key = pd.DataFrame({"pv": narrow["pv"]})
    assert list(harness.with_all_columns(no_key, df).columns) == ["pv"]
    named = harness.with_new_column_named(full, df, "1人あたりPV")
    assert list(named.columns) == ["month", "views", "visitors", "1人あたりPV"]
    two_new = full.assign(other=1)
    assert "1人あたりPV" not in harness.with_new_column_named(two_new, df, "1人あたりPV").columns


def test_counting_each_row_once_needs_code_that_drops_duplicates() -> None:
    plain = "def solve(df, tables):\n    return df['amount'].mean()\n"
    once = "How much on average, counting each member only once?"
    assert "drop_duplicates" in code_hints.ignores_duplicates(plain, once)
    assert "drop_duplicates" in code_hints.ignores_duplicates(plain, "重複は除いて合計は？")
    deduped = "def solve(df, tables):\n    return df.drop_duplicates()['amount'].mean()\n"
    assert code_hints.ignores_duplicates(deduped, once) == ""
    assert code_hints.ignores_duplicates(plain, "What is the average amount?") == ""


def test_result_tables_are_rounded_as_asked() -> None:
    frame = pd.DataFrame({"month": ["a", "b"], "pv": [3.0512, 2.918], "visits": [4504, 4399]})
    out = harness.rounded(frame, 2)
    assert out["pv"].tolist() == [3.05, 2.92] and out["visits"].tolist() == [4504, 4399]
    assert harness.rounded(pd.Series([1.25, 2.5]), 0).tolist() == [1.0, 2.0]
    assert harness.rounded(3.14159, 2) == 3.14159  # a single value is rounded by formats


def test_a_follow_up_after_a_change_narrows_the_new_table() -> None:
    assert intent.narrows("1人あたりPVが3.1以上の月だけにして")
    assert intent.narrows("Only the first 5.")
    assert not intent.narrows("How many rows are there only in May?")
    assert not intent.narrows("Sort it by price")


def test_a_reply_is_complete_once_solve_is_followed_by_the_margin_or_the_fence() -> None:
    body = "```python\ndef solve(df, tables):\n    total = df['a'].sum()\n\n    return total\n"
    assert not function_finished(body)
    assert function_finished(body + "```\n")
    assert function_finished(body + "\n# Example usage:\n")
    assert not function_finished(body + "# Example usa")  # a line still being written
    assert not function_finished("Here is the code:\n```python\n")


def test_a_follow_up_reads_the_file_the_last_change_made(tmp_path) -> None:
    from support_system.analysis.answer import Answer, Turn
    from support_system.analysis.service import _changed_table

    made = tmp_path / "visits-new.csv"
    made.write_text("month,visitors\n2024-01,3\n", encoding="utf-8")
    change = Answer(question="q", lang="en", text="", kind="transform", output_file=made)
    value = Answer(question="q", lang="en", text="", kind="value")
    assert _changed_table([Turn.from_answer(change)]) == made
    assert _changed_table([Turn.from_answer(change), Turn.from_answer(value)]) is None
    assert _changed_table([]) is None
    made.unlink()  # gone (state cleaned): the follow-up reads the person's file again
    assert _changed_table([Turn.from_answer(change)]) is None


def test_values_asked_for_in_order_are_sorted() -> None:
    assert intent.value_order("費目ごとの合計金額を多い順に出して") == "desc"
    assert intent.value_order("List the top 3 products by revenue, highest first.") == "desc"
    assert intent.value_order("Cities with the fewest orders first") is None
    assert intent.value_order("Lowest first, please") == "asc"
    assert intent.value_order("What is the total?") is None
    totals = pd.Series([3600, 510000, 20520], index=["医療費", "住居費", "交通費"])
    assert list(harness.in_order(totals, descending=True).index) == ["住居費", "交通費", "医療費"]
    assert list(harness.in_order(totals, descending=False)) == [3600, 20520, 510000]
    names = pd.Series(["b", "a"])
    assert harness.in_order(names, descending=True).tolist() == ["b", "a"]


def test_a_follow_up_answered_with_the_previous_answer_is_sent_back() -> None:
    """「渋谷店だけだといくら？」 answered by re-running the per-store program."""
    from support_system.analysis.answer import Turn
    from support_system.analysis.formats import Format
    from support_system.analysis.program import Request
    from support_system.analysis.service import _Trial

    per_store = {
        "type": "series",
        "name": "金額",
        "index_name": "店舗",
        "index_names": ["店舗"],
        "index": ["新宿店", "梅田店", "渋谷店"],
        "values": [94480, 25860, 26050],
    }
    from support_system.analysis import formats

    before = Turn(
        question="店舗別の売上合計を出して",
        code="def solve(df, tables): ...",
        shown_value=formats.shown(per_store, Format()),
        kind="value",
    )
    follow_up = Request(
        question="渋谷店だけだといくら？",
        tables="",
        fmt=Format(),
        change=False,
        chart=False,
        history=[before],
    )
    repeated = _Trial._repeats_previous(Outcome(ok=True, value=per_store), follow_up)
    assert repeated and "previous answer" in repeated and "渋谷店だけ" in repeated
    assert _Trial._repeats_previous(Outcome(ok=True, value=26050), follow_up) is None
    first = Request(
        question="店舗別の売上合計を出して", tables="", fmt=Format(), change=False, chart=False
    )
    assert _Trial._repeats_previous(Outcome(ok=True, value=per_store), first) is None
