"""read_table on the CSV files people really bring: Shift_JIS from Japanese Excel, UTF-8
with a BOM, quoted commas, gaps, and files that are not CSV at all."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from support_system.core.errors import InvalidUpload
from support_system.core.settings import PROJECT_ROOT
from support_system.jobs.tables import columns, is_numeric_column, read_table

SAMPLES = PROJECT_ROOT / "data" / "samples"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_shift_jis_sample_keeps_japanese_headers_quoted_commas_and_gaps() -> None:
    raw = (SAMPLES / "sales_ja_sjis.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the sample really is Shift_JIS, not UTF-8 in disguise
    frame = read_table(SAMPLES / "sales_ja_sjis.csv")
    assert frame.attrs["encoding"] == "cp932"
    assert list(frame.columns) == ["日付", "店舗", "商品", "数量", "売上"]
    assert "あんぱん, こしあん" in set(frame["商品"])  # a quoted comma stays inside the cell
    assert "髙島台店" in set(frame["店舗"])  # 髙 exists in cp932 only, not in strict Shift_JIS
    assert frame["数量"].isna().sum() == 1  # the empty cell is a missing value, row kept
    assert len(frame) == 8
    assert is_numeric_column(frame, "売上")
    assert frame["売上"].sum() == 12650  # "1,800" and friends were read as numbers


def test_utf8_bom_sample_has_clean_first_header() -> None:
    assert (SAMPLES / "sales_en.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    frame = read_table(SAMPLES / "sales_en.csv")
    assert frame.attrs["encoding"] == "utf-8-sig"
    assert frame.columns[0] == "Month"  # not "\ufeffMonth"
    assert "Coffee beans, 250 g" in set(frame["Product"])
    assert frame["Sales"].isna().sum() == 1 and frame["Units"].isna().sum() == 1
    assert frame["Sales"].sum() == pytest.approx(2553.5)


def test_plain_utf8_without_bom(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "c.csv", '氏名,住所\n山田 花子,"大阪府大阪市北区梅田1-2-3, 3階"\n'.encode()
    )
    frame = read_table(path)
    assert frame.attrs["encoding"] == "utf-8"
    assert frame.loc[0, "住所"] == "大阪府大阪市北区梅田1-2-3, 3階"
    assert columns(path) == ["氏名", "住所"]


def test_codes_with_leading_zeros_stay_text(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "z.csv", b'zip,phone,count\n0600001,0312345678,"1,200"\n1000001,0120000000,5\n'
    )
    frame = read_table(path)
    assert list(frame["zip"]) == ["0600001", "1000001"]
    assert list(frame["phone"]) == ["0312345678", "0120000000"]
    assert list(frame["count"]) == [1200, 5]


def test_text_that_only_looks_numeric_in_places_stays_text(tmp_path: Path) -> None:
    frame = read_table(_write(tmp_path, "t.csv", b'size\n"3,5"\nlarge\n'))
    assert list(frame["size"]) == ["3,5", "large"]
    assert not is_numeric_column(frame, "size")


def test_tab_separated_file_saved_as_csv(tmp_path: Path) -> None:
    frame = read_table(_write(tmp_path, "t.csv", "店舗\t売上\n本店\t100\n".encode()))
    assert list(frame.columns) == ["店舗", "売上"]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\xef\xbb\xbf \r\n\r\n", "empty"),
        ("header.csv", b"a,b\n", "no_rows"),
        ("image.csv", (SAMPLES / "profile.png").read_bytes(), "not_csv"),
        ("book.csv", b"PK\x03\x04" + b"\x00" * 40, "excel"),
        ("latin.csv", b"name\n\xff\xfe\xfd caf\xe9\n", "encoding"),
        ("utf16.csv", "a,b\n1,2\n".encode("utf-16"), "encoding"),
        ("ragged.csv", b"a,b\n1,2\n3,4,5,6\n", "bad_rows"),
    ],
)
def test_unusable_files_explain_why_in_both_languages(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    with pytest.raises(InvalidUpload) as caught:
        read_table(_write(tmp_path, name, data))
    error = caught.value
    assert error.reason == f"errors.upload.{reason}"
    ja, en = error.message("ja"), error.message("en")
    assert name in ja and name in en
    assert ja != en and "errors." not in ja + en  # translated, no raw keys
    assert "ファイル" in ja


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidUpload) as caught:
        read_table(tmp_path / "nope.csv")
    assert caught.value.reason == "errors.upload.not_found"
    assert "nope.csv" in caught.value.message("en")


def test_bad_rows_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(InvalidUpload) as caught:
        read_table(_write(tmp_path, "r.csv", b"a,b\n1,2\n3,4,5\n"))
    assert "3" in caught.value.reason_text("en")


def test_returns_a_dataframe() -> None:
    assert isinstance(read_table(SAMPLES / "customers_ja.csv"), pd.DataFrame)
