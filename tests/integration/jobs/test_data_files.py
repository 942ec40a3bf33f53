"""The tables a person asks about (jobs.data_files) on a real state folder and database:
uploads are kept and never overwritten, files already in projects are found, and
Home's test for "a question about a table" accepts questions and refuses other requests."""

from __future__ import annotations

import pytest

from support_system.core.errors import InvalidUpload
from support_system.core.settings import get_settings
from support_system.data.db import session_scope
from support_system.data.repositories import ensure_local_user
from support_system.jobs import workspace
from support_system.jobs.catalogue import SAMPLES_DIR
from support_system.jobs.data_files import (
    is_table_file,
    known_tables,
    save_table,
    sounds_like_data_question,
    uploads_dir,
)

SALES = (SAMPLES_DIR / "sales_ja_sjis.csv").read_bytes()


@pytest.fixture
def user_id(db) -> int:
    with session_scope() as session:
        return ensure_local_user(session).id


def test_an_upload_is_kept_in_the_state_dir_and_never_overwritten(user_id: int) -> None:
    saved = save_table(user_id, "売上.csv", SALES)
    assert saved == uploads_dir(user_id).resolve() / "売上.csv"
    assert saved.read_bytes() == SALES
    assert saved.is_relative_to(get_settings().state_dir.resolve())
    # The page sends the same upload again on a rerun: one file.
    assert save_table(user_id, "売上.csv", SALES) == saved
    # Other content under the same name goes beside it; the first file is untouched.
    other = save_table(user_id, "売上.csv", b"a,b\n1,2\n")
    assert other.name == "売上-2.csv" and saved.read_bytes() == SALES
    # A name cannot leave the folder; an empty file is kept (the reader explains it).
    assert save_table(user_id, "../../x.xlsx", b"").parent == saved.parent


def test_a_file_that_is_no_table_or_too_large_is_refused_before_writing(
    user_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InvalidUpload) as wrong:
        save_table(user_id, "memo.exe", b"MZ")
    assert wrong.value.reason == "errors.upload.wrong_type"
    assert "memo.exe" in wrong.value.message("ja")
    monkeypatch.setattr(workspace, "MAX_UPLOAD_BYTES", 4)
    with pytest.raises(InvalidUpload) as large:
        save_table(user_id, "big.csv", b"a,b\n1,2\n")
    assert large.value.reason == "errors.upload.too_large"
    assert not uploads_dir(user_id).exists() or not any(uploads_dir(user_id).iterdir())


def test_known_tables_are_those_in_projects_and_earlier_uploads(user_id: int) -> None:
    assert known_tables(user_id) == []
    older, older_session = workspace.create_project(user_id, "csv-summary", "ja", name="古い")
    newer, newer_session = workspace.create_project(user_id, "csv-summary", "ja", name="新しい")
    in_older = workspace.save_upload(older_session, "a.csv", SALES, allowed_types=[])
    in_newer = workspace.save_upload(newer_session, "b.xlsx", b"PK", allowed_types=[])
    workspace.save_upload(newer_session, "photo.png", b"png", allowed_types=[])
    earlier = save_table(user_id, "c.csv", SALES)
    found = [(table.project, table.path, table.name) for table in known_tables(user_id)]
    assert found == [
        ("新しい", in_newer.resolve(), "b.xlsx"),
        ("古い", in_older.resolve(), "a.csv"),
        (None, earlier, "c.csv"),
    ]
    assert newer != older


@pytest.mark.parametrize(
    ("name", "table"),
    [("売上.csv", True), ("Book1.XLSX", True), ("notes.txt", False), ("csv", False)],
)
def test_is_table_file(name: str, table: bool) -> None:
    assert is_table_file(name) is table


@pytest.mark.parametrize(
    "text",
    [
        "何月が一番売れた？",
        "売上の合計はいくらですか？",
        "売上を店舗ごとに集計して",
        "What is the total of sales?",
        "Which store sold the most?",
        "How many rows are there?",
        "total up my sales CSV per store",
    ],
)
def test_questions_about_a_table_are_recognised(text: str) -> None:
    assert sounds_like_data_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "パン屋のページを作りたい",
        "旅行に行きたい？",
        "a page for my bakery",
        "a summer page for my country café",  # "sum", "count" only inside other words
    ],
)
def test_other_requests_are_not_taken_for_data_questions(text: str) -> None:
    assert not sounds_like_data_question(text)
