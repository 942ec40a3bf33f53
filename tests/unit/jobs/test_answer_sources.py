"""Answers checked against this computer: files, folders and an earlier CSV's columns
(`jobs.answer_sources`)."""

from __future__ import annotations

from pathlib import Path

from support_system.jobs.answer_sources import column_choices
from support_system.jobs.answers import validate_answer
from support_system.jobs.catalogue import SAMPLES_DIR, get_job
from tests.helpers.questions import invalid, messages, q

# --- files and folders ------------------------------------------------------------------


def test_file_answers(tmp_path: Path) -> None:
    csv_question = q(type="file", file_types=[".csv"])
    assert (
        validate_answer(csv_question, "sales_en.csv", "en", base_dir=SAMPLES_DIR) == "sales_en.csv"
    )
    absolute = str(SAMPLES_DIR / "sales_ja_sjis.csv")
    assert validate_answer(csv_question, f'"{absolute}"', "ja") == absolute  # pasted with quotes
    ja, en = messages(invalid(csv_question, "missing.csv", base_dir=tmp_path))
    assert "「missing.csv」が見つかりません" in ja and '"missing.csv" was not found' in en
    ja, en = messages(invalid(csv_question, "profile.png", base_dir=SAMPLES_DIR))
    assert ".csv" in ja and "right kind" in en
    ja, en = messages(invalid(csv_question, "売上.xlsx", base_dir=tmp_path))
    assert "Excel" in ja and "CSV UTF-8" in en


def test_unreadable_csv_and_image(tmp_path: Path) -> None:
    (tmp_path / "photo.csv").write_bytes((SAMPLES_DIR / "profile.png").read_bytes())
    ja, en = messages(invalid(q(type="file", file_types=[".csv"]), "photo.csv", base_dir=tmp_path))
    assert "CSV" in ja and "photo.csv" in ja and "CSV" in en
    (tmp_path / "empty.csv").write_bytes(b"")
    ja, en = messages(invalid(q(type="file", file_types=[".csv"]), "empty.csv", base_dir=tmp_path))
    assert "空" in ja and "empty" in en
    (tmp_path / "fake.png").write_text("not a picture", encoding="utf-8")
    image = q(type="file", file_types=["png", ".JPG"])
    assert image.file_types == [".png", ".jpg"]
    ja, en = messages(invalid(image, "fake.png", base_dir=tmp_path))
    assert "開けませんでした" in ja and "could not be opened" in en
    assert validate_answer(image, "profile.png", "en", base_dir=SAMPLES_DIR) == "profile.png"


def test_folder_questions(settings, tmp_path: Path) -> None:
    folder = get_job("file-renamer").question("folder")
    assert validate_answer(folder, "photos", "ja", base_dir=SAMPLES_DIR) == "photos"
    ja, en = messages(invalid(folder, "no-such-folder", base_dir=tmp_path))
    assert "フォルダー「no-such-folder」" in ja and 'folder "no-such-folder" was not found' in en


# --- columns of an earlier CSV ----------------------------------------------------------------


def test_column_questions_check_the_chosen_file(settings) -> None:
    job = get_job("csv-summary")
    answers = {"input_file": "sales_ja_sjis.csv"}
    group_by, value = job.question("group_by"), job.question("value_column")
    assert validate_answer(group_by, "店舗", "ja", base_dir=SAMPLES_DIR, answers=answers) == "店舗"
    en_answers = {"input_file": "sales_en.csv"}
    assert (
        validate_answer(group_by, " store ", "en", base_dir=SAMPLES_DIR, answers=en_answers)
        == "Store"
    )
    ja, en = messages(invalid(group_by, "支店", base_dir=SAMPLES_DIR, answers=answers))
    assert "「支店」という列はありません" in ja and "「店舗」" in ja
    assert 'no column called "支店"' in en and '"売上"' in en
    ja, en = messages(invalid(value, "店舗", base_dir=SAMPLES_DIR, answers=answers))
    assert "数が入っていません" in ja and "「売上」" in ja and "does not contain numbers" in en
    ja, en = messages(invalid(group_by, "店舗", base_dir=SAMPLES_DIR, answers={}))
    assert "先にファイル" in ja and "choose the file first" in en
    assert validate_answer(group_by, "anything", "en") == "anything"  # no answers given: no check


def test_letter_placeholders_must_be_columns(settings) -> None:
    template = get_job("form-letter").question("template_text")
    answers = {"data_file": "customers_ja.csv"}
    text = "{氏名} 様\n{住所}"
    assert validate_answer(template, text, "ja", base_dir=SAMPLES_DIR, answers=answers) == text
    ja, en = messages(invalid(template, "{お名前} 様", base_dir=SAMPLES_DIR, answers=answers))
    assert "{お名前} は「customers_ja.csv」の列にありません" in ja and "{氏名}" in ja
    assert '{お名前} is not a column of "customers_ja.csv"' in en
    ja, en = messages(invalid(template, "{氏名 様", base_dir=SAMPLES_DIR, answers=answers))
    assert "波かっこ" in ja and "{氏名}" in ja and "curly brackets" in en and "{Name}" in en


def test_column_choices_offer_the_csv_columns_of_the_right_kind() -> None:
    job = get_job("data-chart")
    answers = {"input_file": "sales_en.csv"}
    x, y = job.question("x_column"), job.question("y_column")
    everything = column_choices(x, answers, base_dir=SAMPLES_DIR)
    numbers = column_choices(y, answers, base_dir=SAMPLES_DIR)
    assert "Month" in everything and "Sales" in everything
    assert "Sales" in numbers and "Month" not in numbers  # column_type: number
    # Before the file is chosen, or when it is gone, there is nothing to offer.
    assert column_choices(x, {}, base_dir=SAMPLES_DIR) == []
    assert column_choices(x, {"input_file": "missing.csv"}, base_dir=SAMPLES_DIR) == []
