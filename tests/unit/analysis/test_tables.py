"""load_tables on the files people really bring to "Ask your data": Shift_JIS and UTF-8
CSVs from Excel, numbers as they are typed in Japan, workbooks with several sheets,
files that cannot be read (each with a ja and an en explanation), joins, cache, progress."""

from __future__ import annotations

import os
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from support_system.analysis import table_files
from support_system.analysis.tables import JOINED, Tables, clear_cache, load_tables
from support_system.core.errors import InvalidUpload


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    clear_cache()


def _write(path: Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def _error(paths: list[Path], **kwargs: object) -> InvalidUpload:
    with pytest.raises(InvalidUpload) as caught:
        load_tables(paths, **kwargs)  # type: ignore[arg-type]
    return caught.value


# --- CSV: encodings, delimiters, numbers and dates -----------------------------------


def test_cp932_csv_from_japanese_excel(tmp_path: Path) -> None:
    # "\\" is byte 0x5C: how Shift_JIS Excel writes ¥, which Python's cp932 reads as "\".
    text = (
        "　店舗 ,売上,郵便番号,電話,日付,備考（メモ）\n"
        '髙島台店,"\\1,200",0600001,0312345678,2024-01-05,①\n'
        "本店,￥１，２００,1000001,0120000000,2024/1/6,\n"
        "駅前店,３００円,0100000,09011112222,2024年1月7日 9:30,②\n"
        "倉庫,－５,0600001,0312345678,2024/01/08,③\n"
    )
    path = _write(tmp_path / "売上.csv", text, "cp932")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # really cp932, not UTF-8 in disguise

    tables = load_tables([path])

    df = tables.df
    assert tables.main == "売上" and list(tables.frames) == ["売上"]
    assert tables.sources == {"売上": "売上.csv"}
    assert df.attrs["encoding"] == "cp932"
    assert list(df.columns) == ["店舗", "売上", "郵便番号", "電話", "日付", "備考（メモ）"]
    assert list(df["店舗"]) == ["髙島台店", "本店", "駅前店", "倉庫"]
    assert pd.api.types.is_integer_dtype(df["売上"])
    assert list(df["売上"]) == [1200, 1200, 300, -5]
    assert df.attrs["units"] == {"売上": "¥"}
    assert list(df["郵便番号"]) == ["0600001", "1000001", "0100000", "0600001"]
    assert df["電話"].iloc[0] == "0312345678"
    assert pd.api.types.is_datetime64_any_dtype(df["日付"])
    assert list(df["日付"]) == [
        datetime(2024, 1, 5),
        datetime(2024, 1, 6),
        datetime(2024, 1, 7, 9, 30),
        datetime(2024, 1, 8),
    ]
    assert df["備考（メモ）"].iloc[0] == "①" and pd.isna(df["備考（メモ）"].iloc[1])


def test_utf8_with_bom_has_a_clean_first_header(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.csv", '\ufeffMonth,Sales\nJan,"1,234,567.5"\nFeb,€3\n')
    df = load_tables([path]).df
    assert df.attrs["encoding"] == "utf-8-sig"
    assert list(df.columns) == ["Month", "Sales"]
    assert list(df["Sales"]) == [1234567.5, 3.0]
    assert df.attrs["units"] == {"Sales": "€"}


@pytest.mark.parametrize("sep", [";", "\t", ","])
def test_delimiters_are_recognised(tmp_path: Path, sep: str) -> None:
    # Quoted commas (a number, a note) must not split a field, whatever the delimiter.
    rows = [["商品", "数量", "メモ"], ["りんご", '"1,200"', '"赤い, 甘い"'], ["みかん", "3", "-"]]
    path = _write(tmp_path / "d.csv", "\n".join(sep.join(row) for row in rows) + "\n")
    df = load_tables([path]).df
    assert df.attrs["delimiter"] == sep
    assert list(df.columns) == ["商品", "数量", "メモ"]
    assert list(df["数量"]) == [1200, 3]
    assert df["メモ"].iloc[0] == "赤い, 甘い"


def test_single_column_file(tmp_path: Path) -> None:
    df = load_tables([_write(tmp_path / "n.csv", "名前\n山田\n佐藤\n")]).df
    assert list(df.columns) == ["名前"] and list(df["名前"]) == ["山田", "佐藤"]


def test_numbers_as_people_type_them(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "n.csv",
        "全角,符号,率,ドル,会計\n"
        "１２３,－５,12%,$1.50,△500\n"
        '"１，２００",＋３,"0.5 %","$2,000",1000\n',
    )
    df = load_tables([path]).df
    assert list(df["全角"]) == [123, 1200]
    assert list(df["符号"]) == [-5, 3]
    assert list(df["率"]) == [12.0, 0.5]
    assert list(df["ドル"]) == [1.5, 2000.0]
    assert list(df["会計"]) == [-500, 1000]
    assert df.attrs["units"] == {"率": "%", "ドル": "$"}


@pytest.mark.parametrize(
    "cells",
    [
        ["007", "12"],  # a code with a leading zero keeps the whole column text
        ["3,5", "12"],  # not a thousands separator
        ["¥100", "$3"],  # two currencies: adding them up would be wrong
        ["12", "large"],
        ["①", "②"],  # circled numbers are labels
        ["2024-02-30", "2024-01-05"],  # no such day
        ["2024-01-05", "tomorrow"],
    ],
)
def test_columns_that_only_look_numeric_or_dated_stay_text(
    tmp_path: Path, cells: list[str]
) -> None:
    path = _write(tmp_path / "t.csv", "値\n" + "\n".join(f'"{cell}"' for cell in cells) + "\n")
    df = load_tables([path]).df
    assert pd.api.types.is_string_dtype(df["値"])
    assert list(df["値"]) == cells


def test_empty_cells_and_blank_lines(tmp_path: Path) -> None:
    df = load_tables([_write(tmp_path / "e.csv", "a,b,\n1,　,\n,,\n3,x,\n")]).df
    assert list(df.columns) == ["a", "b"]  # the unnamed empty column is dropped
    assert len(df) == 2  # the all-empty row too
    assert list(df["a"]) == [1, 3]
    assert pd.isna(df["b"].iloc[0])  # a full-width space alone is an empty cell


def test_utf16_unicode_text_from_excel(tmp_path: Path) -> None:
    path = _write(tmp_path / "u.txt", "\ufeff氏名\t点数\n山田\t80\n".encode("utf-16-le"))
    df = load_tables([path]).df
    assert list(df.columns) == ["氏名", "点数"] and list(df["点数"]) == [80]


# --- Excel workbooks -----------------------------------------------------------------


def _workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    first = book.active
    first.title = "2024"
    first.append(["店舗 ", "売上", "コード", "日付"])
    first.append(["本店", 1200, "007", datetime(2024, 1, 5)])
    first.append(["駅前店", "１，５００", "010", datetime(2024, 2, 1)])
    first.append(["倉庫", "¥300", "100", datetime(2024, 3, 1)])
    book.create_sheet("空")
    second = book.create_sheet("2023")
    second.append(["店舗", "売上"])
    second.append(["本店", 900])
    book.save(path)
    return path


def test_workbook_sheets_become_tables(tmp_path: Path) -> None:
    tables = load_tables([_workbook(tmp_path / "book.xlsx")])
    assert list(tables.frames) == ["2024", "2023"]  # the empty sheet is skipped
    assert tables.sheets() == ["2024", "2023"]
    assert tables.main == "2024" and tables.join_keys == []
    assert tables.sources["2023"] == "book.xlsx, sheet 2023"
    df = tables.df
    assert list(df.columns) == ["店舗", "売上", "コード", "日付"]
    assert pd.api.types.is_integer_dtype(df["売上"]) and list(df["売上"]) == [1200, 1500, 300]
    assert list(df["コード"]) == ["007", "010", "100"]
    assert pd.api.types.is_datetime64_any_dtype(df["日付"])
    assert load_tables([tmp_path / "book.xlsx"], sheet="2023").df["売上"].tolist() == [900]


def test_workbook_with_one_filled_sheet_needs_no_choice(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["a"])
    book.active.append([1])
    book.create_sheet("empty")
    book.save(tmp_path / "one.xlsx")
    tables = load_tables([tmp_path / "one.xlsx"])
    assert tables.sheets() == [] and tables.main == "Sheet" and list(tables.df["a"]) == [1]


def test_unknown_sheet_lists_the_sheets(tmp_path: Path) -> None:
    error = _error([_workbook(tmp_path / "book.xlsx")], sheet="2022")
    assert error.reason == "errors.upload.sheet_not_found"
    assert error.message("ja") == (
        "ファイル「book.xlsx」は使えません。このブックに「2022」というシートはありません。"
        "シートは 「2024」、「2023」 です。"
    )
    assert 'no sheet named "2022". Its sheets are: "2024", "2023".' in error.message("en")


def test_choosing_the_empty_sheet_says_it_is_empty(tmp_path: Path) -> None:
    error = _error([_workbook(tmp_path / "book.xlsx")], sheet="空")
    assert error.reason == "errors.upload.sheet_empty"
    assert "シート「空」は空です。" in error.message("ja")
    assert 'The sheet "空" is empty.' in error.message("en")


def test_workbook_renamed_to_csv_is_still_read(tmp_path: Path) -> None:
    _workbook(tmp_path / "book.xlsx").rename(tmp_path / "book.csv")
    assert load_tables([tmp_path / "book.csv"]).main == "2024"


# --- files that cannot be used, explained in both languages --------------------------

_ZIP_NOT_WORKBOOK = "zip"


@pytest.mark.parametrize(
    ("name", "data", "reason", "ja", "en"),
    [
        ("e.csv", b"", "empty", "ファイルが空です。", "The file is empty."),
        ("h.csv", b"a,b\n", "no_rows", "データの行がありません", "no data"),
        ("g.xlsx", b"not a workbook at all", "corrupt", "壊れている", "may be damaged"),
        ("z.xlsx", _ZIP_NOT_WORKBOOK, "corrupt", "壊れている", "may be damaged"),
        (
            "secret.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
            "encrypted",
            "パスワードで保護されている",
            "protected with a password",
        ),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "old_excel", ".xls", ".xls"),
        ("p.pdf", b"%PDF-1.7\n", "unsupported", "（.pdf）", "(.pdf)"),
        ("n.numbers", b"PK\x03\x04", "unsupported", "（.numbers）", "(.numbers)"),
        ("b.csv", b"a,b\n\x00\x01\x02\n", "not_csv", "CSV", "CSV"),
        ("r.csv", b"a,b\n1,2\n3,4,5\n", "bad_rows", "3 行目", "Line 3"),
        ("x.csv", b"a,b\n1,2,3\n", "bad_rows", "2 行目", "Line 2"),
        ("j.csv", b"a\n\xff\xfe\xfa\n", "encoding", "文字を読み取れません", "could not be read"),
    ],
)
def test_unusable_files_are_explained(
    tmp_path: Path, name: str, data: bytes | str, reason: str, ja: str, en: str
) -> None:
    path = tmp_path / name
    if data == _ZIP_NOT_WORKBOOK:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("hello.txt", "not a workbook")
    else:
        path.write_bytes(data)  # type: ignore[arg-type]
    error = _error([path])
    assert error.reason == f"errors.upload.{reason}"
    assert error.params["file"] == name
    assert error.message("ja").startswith(f"ファイル「{name}」は使えません。")
    assert ja in error.message("ja")
    assert error.message("en").startswith(f'The file "{name}" cannot be used.')
    assert en in error.message("en")


def test_missing_file(tmp_path: Path) -> None:
    error = _error([tmp_path / "nope.csv"])
    assert error.reason == "errors.upload.not_found"
    assert "見つかりません" in error.message("ja") and "not found" in error.message("en")


def test_file_over_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table_files, "MAX_BYTES", 1024 * 1024)
    path = _write(tmp_path / "big.csv", "a\n" + "1\n" * 600_000)
    error = _error([path])
    assert error.reason == "errors.upload.too_large"
    assert "1 MB より大きい" in error.message("ja") and "larger than 1 MB" in error.message("en")


# --- several files -------------------------------------------------------------------


def _orders_and_customers(tmp_path: Path) -> tuple[Path, Path]:
    customers = _write(
        tmp_path / "customers.csv", "顧客ID,名前,地域\nC01,山田,東京\nC02,佐藤,大阪\n"
    )
    orders = _write(
        tmp_path / "orders.csv",
        "注文番号,顧客ID,金額\n1,C01,100\n2,C02,200\n3,C01,300\n4,C99,50\n",
    )
    return customers, orders


def test_files_sharing_a_key_are_joined(tmp_path: Path) -> None:
    customers, orders = _orders_and_customers(tmp_path)
    tables = load_tables([customers, orders])
    assert tables.main == JOINED and tables.join_keys == ["顧客ID"]
    assert list(tables.frames) == ["customers", "orders"]  # the inputs stay as they were
    df = tables.df
    assert list(df.columns) == ["注文番号", "顧客ID", "金額", "名前", "地域"]
    assert len(df) == 4  # every order kept once, from the biggest table
    assert list(df["名前"].iloc[:3]) == ["山田", "佐藤", "山田"]
    assert pd.isna(df["名前"].iloc[3])  # an unknown customer finds no name
    assert df["金額"].sum() == 650


def test_table_whose_key_repeats_is_not_joined(tmp_path: Path) -> None:
    customers, orders = _orders_and_customers(tmp_path)
    visits = _write(tmp_path / "visits.csv", "顧客ID,来店日\nC01,2024-01-05\nC01,2024-02-05\n")
    tables = load_tables([orders, customers, visits])
    assert tables.join_keys == ["顧客ID"]
    assert "来店日" not in tables.df.columns and len(tables.df) == 4


def test_files_without_shared_columns_are_not_joined(tmp_path: Path) -> None:
    first = _write(tmp_path / "a.csv", "x\n1\n")
    second = _write(tmp_path / "b.csv", "y,z\n2,3\n4,5\n")
    tables = load_tables([first, second])
    assert tables.main == "a" and tables.join_keys == [] and tables.joined is None
    assert tables.df is tables.frames["a"]
    assert tables.sheets() == []


def test_workbook_and_csv_name_sheets_with_the_file(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    book = _workbook(tmp_path / "book.xlsx")
    csv_file = _write(tmp_path / "book.csv", "店舗,面積\n本店,50\n駅前店,20\n倉庫,300\n")
    same_stem = _write(tmp_path / "x" / "book.csv", "q\n1\n")
    tables = load_tables([book, csv_file, same_stem])
    assert list(tables.frames) == ["book:2024", "book:2023", "book", "book (2)"]
    assert tables.sources["book:2024"] == "book.xlsx, sheet 2024"
    assert tables.sheets() == []  # more than one file: no single workbook to choose in
    assert tables.join_keys == ["店舗"]
    assert list(tables.df["面積"]) == [50, 20, 300]
    assert load_tables([book, csv_file], sheet="2023").main == "book:2023"


# --- cache, progress, chunks, the original file --------------------------------------


def test_follow_up_question_does_not_read_the_file_again(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.csv", "a\n1\n")
    stat = path.stat()
    calls: list[tuple[float, str]] = []
    first = load_tables([path])
    first.df.loc[0, "a"] = 99  # a program changing df must not change the cached table
    path.write_text("a\n2\n")  # same size; the time is set back below
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = load_tables([path], progress=lambda fraction, label: calls.append((fraction, label)))
    assert list(again.df["a"]) == [1]  # from the cache: the new content was not read
    assert calls == [(1.0, "c.csv")]
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert list(load_tables([path]).df["a"]) == [2]  # changed file: read again


def test_progress_goes_from_zero_to_one_per_file_weighted_by_size(tmp_path: Path) -> None:
    small = _write(tmp_path / "s.csv", "a\n1\n")
    large = _write(tmp_path / "l.csv", "b\n" + "2\n" * 50)
    calls: list[tuple[float, str]] = []
    load_tables([small, large], progress=lambda fraction, label: calls.append((fraction, label)))
    assert calls[0] == (0.0, "s.csv") and calls[-1] == (1.0, "l.csv")
    fractions = [fraction for fraction, _ in calls]
    assert fractions == sorted(fractions)
    share = small.stat().st_size / (small.stat().st_size + large.stat().st_size)
    assert (pytest.approx(share), "s.csv") in calls and (pytest.approx(share), "l.csv") in calls


def test_large_files_are_read_in_chunks_with_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "店舗,売上,日付\n" + "".join(
        f'店{i},"{i * 1000:,}",2024/1/{i % 28 + 1}\n' for i in range(40)
    )
    path = _write(tmp_path / "big.csv", text, "cp932")
    whole = load_tables([path]).df
    clear_cache()
    monkeypatch.setattr(table_files, "CHUNK_BYTES", 100)
    monkeypatch.setattr(table_files, "CHUNK_ROWS", 7)
    calls: list[float] = []
    chunked = load_tables([path], progress=lambda fraction, label: calls.append(fraction)).df
    pd.testing.assert_frame_equal(chunked, whole)
    assert chunked["売上"].sum() == sum(i * 1000 for i in range(40))
    assert len([f for f in calls if 0.0 < f < 1.0]) >= 5  # one per chunk of 7 rows
    assert calls[0] == 0.0 and calls[-1] == 1.0 and calls == sorted(calls)


def test_cp932_that_starts_like_utf8_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(table_files, "SAMPLE_BYTES", 64)
    monkeypatch.setattr(table_files, "CHUNK_BYTES", 100)
    monkeypatch.setattr(table_files, "CHUNK_ROWS", 5)
    text = "id,name\n" + "".join(f"{i},abc\n" for i in range(30)) + "99,髙橋\n"
    df = load_tables([_write(tmp_path / "late.csv", text, "cp932")]).df
    assert df.attrs["encoding"] == "cp932" and df["name"].iloc[-1] == "髙橋"


def test_the_original_file_is_untouched_and_nothing_is_written_beside_it(
    tmp_path: Path,
) -> None:
    book = _workbook(tmp_path / "book.xlsx")
    csv_file = _write(tmp_path / "c.csv", "店舗,x\n本店,1\n", "cp932")
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    tables = load_tables([book, csv_file])
    assert isinstance(tables, Tables)
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    assert after == before
