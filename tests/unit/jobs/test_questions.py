"""The question engine: answer validation per type (with the messages a person sees in
Japanese and English), show_if, the order questions are asked in, and "decide for me"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from support_system.core.errors import AnswerInvalid
from support_system.core.settings import PROJECT_ROOT
from support_system.jobs.answers import parse_color, parse_number, validate_answer
from support_system.jobs.catalogue import SAMPLES_DIR, get_job
from support_system.jobs.definitions import Job, Question
from support_system.jobs.flow import effective_answers, next_question, progress, visible_questions
from support_system.jobs.proposals import invents_facts, proposal_schema, propose_answer


def q(**fields: Any) -> Question:
    """A question with placeholder labels; `label` defaults to 価格 / Price."""
    fields.setdefault("id", "value")
    fields.setdefault("label", {"ja": "価格", "en": "Price"})
    return Question.model_validate(fields)


def invalid(question: Question, raw: Any, **kwargs: Any) -> AnswerInvalid:
    with pytest.raises(AnswerInvalid) as caught:
        validate_answer(question, raw, "ja", **kwargs)
    error = caught.value
    assert error.message("ja") != error.message("en")
    assert "errors." not in error.message("ja") + error.message("en")  # no raw keys leak
    return error


def messages(error: AnswerInvalid) -> tuple[str, str]:
    return error.message("ja"), error.message("en")


# --- text -------------------------------------------------------------------------------


def test_text_is_trimmed_and_kept_on_one_line() -> None:
    assert (
        validate_answer(q(type="text"), "  ひまわり\nベーカリー  ", "ja") == "ひまわり ベーカリー"
    )
    assert validate_answer(q(type="text"), 42, "en") == "42"


def test_long_text_keeps_lines() -> None:
    assert validate_answer(q(type="long_text"), "一行目\r\n二行目\n", "ja") == "一行目\n二行目"


def test_required_and_optional_empty_answers() -> None:
    ja, en = messages(invalid(q(type="text"), "   "))
    assert "回答が必要" in ja and "needs an answer" in en
    assert validate_answer(q(type="text", required=False), "", "ja") is None  # None = skipped


def test_too_long_text_says_the_limit_and_the_count() -> None:
    ja, en = messages(invalid(q(type="text", max_length=5), "あいうえおか"))
    assert "5 文字以内" in ja and "6 文字" in ja
    assert "5 characters or fewer" in en and "it is 6" in en


def test_email_questions_check_the_address() -> None:
    question = q(type="text", id="contact_email")
    assert validate_answer(question, " hanako@example.com ", "ja") == "hanako@example.com"
    assert (
        validate_answer(question, "ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ja")
        == "hanako@example.com"
    )
    ja, en = messages(invalid(question, "hanako@example"))
    assert "メールアドレス" in ja and "e-mail address" in en and "hanako@example" in en


def test_phone_questions_accept_full_width_digits() -> None:
    question = q(type="text", id="phone")
    assert validate_answer(question, "０６－１２３４－５６７８", "ja") == "06-1234-5678"
    assert validate_answer(question, "+44 117 496 0123", "en") == "+44 117 496 0123"
    ja, en = messages(invalid(question, "いつでも"))
    assert "電話番号" in ja and "phone number" in en


# --- numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,200円", 1200),
        ("１２００", 1200),
        ("¥980", 980),
        ("3.5", 3.5),
        ("-2", -2),
        (3.0, 3),
        (7, 7),
        ("$4.50", 4.5),
    ],
)
def test_numbers_as_people_type_them(raw: Any, expected: float) -> None:
    value = validate_answer(q(type="number"), raw, "ja")
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("raw", ["abc", "1.2.3", "nan", "inf", True, [1]])
def test_not_a_number(raw: Any) -> None:
    ja, en = messages(invalid(q(type="number"), raw))
    assert "数として読めません" in ja and "is not a number" in en


def test_number_limits() -> None:
    question = q(type="number", min=1, max=100)
    ja, en = messages(invalid(question, "0"))
    assert "1 以上" in ja and "1 or more" in en
    ja, en = messages(invalid(question, "150"))
    assert "100 以下" in ja and "100 or less" in en
    assert validate_answer(question, "100", "en") == 100


def test_parse_number_helper() -> None:
    assert parse_number("12,345.5") == 12345.5
    assert parse_number("1,2") is None  # not a thousands separator: refuse to guess


# --- choices ----------------------------------------------------------------------------


@pytest.fixture
def operation(settings) -> Question:
    return get_job("csv-summary").question("operation")


@pytest.mark.parametrize("raw", ["mean", "平均", "average", " AVERAGE ", "2"])
def test_choice_accepts_value_label_or_number(operation: Question, raw: str) -> None:
    assert validate_answer(operation, raw, "ja") == "mean"


def test_not_a_choice_lists_the_options(operation: Question) -> None:
    ja, en = messages(invalid(operation, "median"))
    assert "「median」は選択肢にありません" in ja and "「合計」" in ja and "「平均」" in ja
    assert '"median" is not one of the options' in en and '"Total (sum)"' in en


def test_multi_choice_from_text_or_list() -> None:
    question = q(
        type="multi_choice",
        max_items=2,
        choices=[
            {"value": v, "label": {"ja": j, "en": v.title()}}
            for v, j in [("bread", "パン"), ("cake", "ケーキ"), ("tea", "お茶")]
        ],
    )
    assert validate_answer(question, "パン、ケーキ、パン", "ja") == ["bread", "cake"]
    assert validate_answer(question, ["tea"], "en") == ["tea"]
    ja, en = messages(invalid(question, ["bread", "cake", "tea"]))
    assert "2 件まで" in ja and "3 件" in ja and "at most 2" in en


# --- lists and records --------------------------------------------------------------------


def test_list_from_lines_or_commas() -> None:
    question = q(type="list", max_items=3, max_length=10)
    assert validate_answer(question, "パン作り\n\n料理教室\nパン作り\n", "ja") == [
        "パン作り",
        "料理教室",
    ]
    assert validate_answer(question, "HTML, CSS、写真", "en") == ["HTML", "CSS", "写真"]
    assert validate_answer(question, ["a ", "", "b"], "en") == ["a", "b"]
    ja, en = messages(invalid(question, "a\nb\nc\nd"))
    assert "3 件まで" in ja and "at most 3" in en
    ja, en = messages(invalid(q(type="list", min_items=2), "a"))
    assert "少なくとも 2 件" in ja and "at least 2" in en


@pytest.fixture
def products(settings) -> Question:
    return get_job("shop-page").question("products")


def test_records_from_lines_dicts_lists_and_tables(products: Question) -> None:
    expected = [{"name": "メロンパン", "price": 180}, {"name": "食パン（1斤）", "price": 300}]
    assert validate_answer(products, "メロンパン, 180\n食パン（1斤）、３００円\n", "ja") == expected
    assert validate_answer(products, "メロンパン\t180\n食パン（1斤）\t300", "ja") == expected
    assert (
        validate_answer(products, [["メロンパン", "180"], ["食パン（1斤）", 300]], "ja") == expected
    )
    as_labels = [
        {"商品名": "メロンパン", "価格": "180"},
        {"Product": "食パン（1斤）", "Price": "300"},
    ]
    assert validate_answer(products, as_labels, "ja") == expected
    table = pd.DataFrame([*expected, {"name": None, "price": None}])  # a blank row from an editor
    assert validate_answer(products, table, "ja") == expected


def test_record_problems_name_the_row_and_field(products: Question) -> None:
    ja, en = messages(
        invalid(products, [{"name": "メロンパン", "price": 180}, {"name": "", "price": 300}])
    )
    assert "2 件目の「商品名」" in ja and 'Entry 2 has no "Product"' in en
    ja, en = messages(invalid(products, [{"name": "メロンパン", "price": "時価"}]))
    assert (
        "1 件目の「価格」（「時価」）" in ja
        and 'In entry 1, "Price" ("時価") is not a number' in en
    )
    ja, en = messages(invalid(products, [{"name": None, "price": None}]))
    assert "回答が必要" in ja and "needs an answer" in en  # only blank rows = no answer


# --- colours ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("#abc", "#aabbcc"),
        ("#AABBCC", "#aabbcc"),
        ("1E90FF", "#1e90ff"),
        ("red", "#ff0000"),
        ("Navy", "#000080"),
        ("赤", "#ff0000"),
        ("赤色", "#ff0000"),
        ("みどり", "#008000"),
        ("ネイビー", "#000080"),
        ("sky blue", "#87ceeb"),
        ("＃ＦＦＦ", "#ffffff"),
    ],
)
def test_colours(raw: str, expected: str) -> None:
    assert validate_answer(q(type="color"), raw, "ja") == expected


@pytest.mark.parametrize("raw", ["#12345", "#ggg", "blurple", "12"])
def test_bad_colours(raw: str) -> None:
    ja, en = messages(invalid(q(type="color"), raw))
    assert f"「{raw}」は色として読めません" in ja and f'"{raw}" is not a colour' in en
    assert parse_color(raw) is None


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


# --- yes / no ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(True, True), ("はい", True), ("YES", True), ("いいえ", False), ("no", False), (0, False)],
)
def test_yes_no(raw: Any, expected: bool) -> None:
    assert validate_answer(q(type="yes_no"), raw, "ja") is expected


def test_yes_no_rejects_other_words() -> None:
    ja, en = messages(invalid(q(type="yes_no"), "たぶん"))
    assert "「はい」か「いいえ」" in ja and "yes or no" in en


def test_error_remembers_the_request_language() -> None:
    with pytest.raises(AnswerInvalid) as caught:
        validate_answer(q(type="number"), "abc", "en")
    assert caught.value.message() == caught.value.message("en")


# --- flow: show_if, order, optional questions ------------------------------------------------


@pytest.fixture
def renamer(settings) -> Job:
    return get_job("file-renamer")


def _ids(questions: list[Question]) -> list[str]:
    return [question.id for question in questions]


def test_show_if_hides_and_shows(renamer: Job) -> None:
    assert _ids(visible_questions(renamer, {})) == ["folder", "pattern", "dry_run"]
    assert "prefix" in _ids(visible_questions(renamer, {"pattern": "prefix_original"}))
    assert "prefix" not in _ids(visible_questions(renamer, {"pattern": "number"}))


def test_next_question_follows_the_answers(renamer: Job) -> None:
    answers: dict[str, Any] = {}
    assert next_question(renamer, answers).id == "folder"
    answers["folder"] = "photos"
    assert next_question(renamer, answers).id == "pattern"
    answers["pattern"] = "prefix_number"
    assert next_question(renamer, answers).id == "prefix"
    assert progress(renamer, answers) == (2, 4)
    answers["pattern"] = "date_number"  # changing the rule hides the prefix question
    assert next_question(renamer, answers).id == "dry_run"
    assert progress(renamer, answers) == (2, 3)
    answers["dry_run"] = True
    assert next_question(renamer, answers) is None


def test_optional_questions_are_asked_once_then_skipped(settings) -> None:
    job = get_job("profile-page")
    answers = {k: v for k, v in job.samples["en"].items() if k != "photo"}
    assert next_question(job, answers).id == "photo"  # optional, but still offered
    answers["photo"] = None  # skipped
    assert next_question(job, answers).id == "layout"  # the next optional one, once
    answers["layout"] = None
    assert next_question(job, answers) is None
    assert progress(job, answers) == (8, 8)


def test_a_required_question_holding_none_is_asked_again(renamer: Job) -> None:
    assert next_question(renamer, {"folder": None}).id == "folder"


def test_effective_answers_fill_defaults_and_drop_hidden(renamer: Job) -> None:
    answers = {"folder": "photos", "pattern": "number", "prefix": "旅行", "dry_run": None}
    assert effective_answers(renamer, answers, "ja") == {
        "folder": "photos",
        "pattern": "number",
        "dry_run": True,
    }
    answers = {"folder": "photos", "pattern": "prefix_number"}
    assert effective_answers(renamer, answers, "ja")["prefix"] == "写真"
    assert effective_answers(renamer, answers, "en")["prefix"] == "photo"


# --- decide for me ------------------------------------------------------------------------------


def test_propose_default_first_choice_and_per_language(settings, renamer: Job) -> None:
    assert propose_answer(renamer, renamer.question("pattern"), {}, "ja") == "prefix_number"
    assert propose_answer(renamer, renamer.question("dry_run"), {}, "en") is True
    assert propose_answer(renamer, renamer.question("prefix"), {}, "ja") == "写真"
    assert propose_answer(renamer, renamer.question("prefix"), {}, "en") == "photo"
    no_default = q(
        type="choice", decide="default", choices=[{"value": "a", "label": {"ja": "あ", "en": "A"}}]
    )
    assert propose_answer(renamer, no_default, {}, "ja") == "a"


def test_facts_are_never_proposed(settings) -> None:
    shop = get_job("shop-page")
    for qid in ("name", "address", "opening_hours", "phone", "products"):
        assert propose_answer(shop, shop.question(qid), {}, "ja") is None


def test_llm_questions_fall_back_to_the_default_without_a_model(db) -> None:
    shop = get_job("shop-page")
    tagline = shop.question("tagline")
    assert (
        propose_answer(shop, tagline, {}, "ja", use_llm=False) == "ご来店を心よりお待ちしています"
    )
    # An unknown model is a ModelError: the button still gives a sensible answer.
    assert (
        propose_answer(shop, shop.question("color"), {}, "en", model="no-such-model") == "#8a4b14"
    )


def test_column_proposals_fit_the_column_kind(settings) -> None:
    chart = get_job("data-chart")
    answers: dict[str, Any] = {"input_file": "sales_ja_sjis.csv"}
    x = propose_answer(chart, chart.question("x_column"), answers, "ja", base_dir=SAMPLES_DIR)
    answers["x_column"] = x
    y = propose_answer(chart, chart.question("y_column"), answers, "ja", base_dir=SAMPLES_DIR)
    assert x == "日付" and y in ("数量", "売上") and x != y
    for qid, value in (("x_column", x), ("y_column", y)):
        validate_answer(chart.question(qid), value, "ja", base_dir=SAMPLES_DIR, answers=answers)


def test_invented_facts_are_detected() -> None:
    assert invents_facts("営業時間 9:00-17:00", {"name": "ひまわり"})
    assert invents_facts("Call info@bakery.example", {})
    assert not invents_facts("毎朝焼きたて、町のパン屋さん", {"name": "ひまわり"})
    assert not invents_facts("Since 1980", {"about": "founded in 1980"})
    assert invents_facts(["ok", "Open 24 hours"], {})


def test_proposal_schema_constrains_the_shape(settings) -> None:
    operation = get_job("csv-summary").question("operation")
    schema = proposal_schema(operation).model_json_schema()
    assert schema["properties"]["value"]["enum"] == ["sum", "mean", "count", "min", "max"]
    colour = proposal_schema(q(type="color")).model_json_schema()
    assert colour["properties"]["value"]["pattern"]
    columns = proposal_schema(q(type="text"), ["店舗", "売上"]).model_json_schema()
    assert columns["properties"]["value"]["enum"] == ["店舗", "売上"]


@pytest.mark.model
def test_real_model_proposes_a_valid_tagline_without_invented_facts(db) -> None:
    shop = get_job("shop-page")
    answers = {"name": "ひまわりベーカリー"}
    tagline = shop.question("tagline")
    value = propose_answer(shop, tagline, answers, "ja", model="qwen2.5-coder-0.5b")
    assert isinstance(value, str) and value.strip()
    assert validate_answer(tagline, value, "ja") == value
    assert not invents_facts(value, answers)


def test_prompt_file_exists() -> None:
    assert (PROJECT_ROOT / "prompts" / "jobs" / "propose_answer.j2").is_file()
