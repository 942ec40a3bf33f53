"""The project workspace on a real SQLite database and a real state folder: projects are
listed newest first with their progress, duplicates keep working when the original is
deleted, deletes leave nothing behind, and uploads never escape their folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from support_system.core.errors import AnswerInvalid, InvalidUpload, UnknownJob
from support_system.data.db import session_scope
from support_system.data.repositories import add_artifact, ensure_local_user, start_execution
from support_system.data.schema import Artifact, Execution, Project, WizardSession, WizardStatus
from support_system.jobs import wizard, workspace
from support_system.jobs.catalogue import SAMPLES_DIR, get_job

SALES_EN = (SAMPLES_DIR / "sales_en.csv").read_bytes()


@pytest.fixture
def user_id(db) -> int:
    with session_scope() as session:
        return ensure_local_user(session).id


def count(model: type, **where: object) -> int:
    with session_scope() as session:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return session.scalar(query)


def test_create_uses_the_job_title_and_starts_a_session(user_id: int) -> None:
    project_id, session_id = workspace.create_project(user_id, "shop-page", "ja")
    assert workspace.project_for_session(session_id) == project_id
    assert workspace.latest_session(project_id) == session_id
    [summary] = workspace.list_projects(user_id)
    assert summary.name == get_job("shop-page").title.ja
    assert (summary.id, summary.job_id, summary.session_id) == (project_id, "shop-page", session_id)
    assert summary.status == WizardStatus.IN_PROGRESS.value and summary.status == "in_progress"
    assert (summary.answered, summary.total) == (0, 8)
    assert (summary.artifact_count, summary.last_ok) == (0, None)
    named, _ = workspace.create_project(user_id, "csv-summary", "en", name="  April sales ")
    assert {s.id: s.name for s in workspace.list_projects(user_id)}[named] == "April sales"


def test_create_with_an_unknown_job_creates_nothing(user_id: int) -> None:
    with pytest.raises(UnknownJob):
        workspace.create_project(user_id, "rocket-page", "en")
    assert count(Project) == 0 and count(WizardSession) == 0


def test_list_is_newest_first_with_progress(user_id: int) -> None:
    first, first_session = workspace.create_project(user_id, "shop-page", "en")
    second, _ = workspace.create_project(user_id, "csv-summary", "en")
    assert [s.id for s in workspace.list_projects(user_id)] == [second, first]
    # Answering a question touches only the session, yet moves its project to the top.
    wizard.answer(first_session, "name", "Sunflower Bakery", "en")
    wizard.answer(first_session, "tagline", "Fresh every morning", "en")
    summaries = workspace.list_projects(user_id)
    assert [s.id for s in summaries] == [first, second]
    assert (summaries[0].answered, summaries[0].total) == (2, 8)
    assert (summaries[1].answered, summaries[1].total) == (0, 4)
    assert workspace.list_projects(user_id + 1) == []


def test_a_project_whose_job_is_gone_is_listed_without_progress(user_id: int) -> None:
    project_id, session_id = workspace.create_project(user_id, "shop-page", "en")
    with session_scope() as session:
        session.get(WizardSession, session_id).job_id = "retired-job"
    [summary] = workspace.list_projects(user_id)
    assert (summary.id, summary.job_id, summary.answered, summary.total) == (
        project_id,
        "retired-job",
        0,
        0,
    )


def test_rename_and_invalid_names(user_id: int) -> None:
    project_id, _ = workspace.create_project(user_id, "shop-page", "ja")
    workspace.rename_project(project_id, "  ひまわりベーカリー  ")
    assert workspace.list_projects(user_id)[0].name == "ひまわりベーカリー"
    for bad in ("   ", "x" * 201):
        with pytest.raises(workspace.ProjectNameInvalid) as caught:
            workspace.rename_project(project_id, bad)
        assert "200" in caught.value.message("ja") and "名前" in caught.value.message("ja")
        assert "200 characters" in caught.value.message("en")
    assert workspace.list_projects(user_id)[0].name == "ひまわりベーカリー"
    workspace.rename_project(project_id, "y" * 200)  # the limit itself is fine
    with pytest.raises(workspace.ProjectNotFound):
        workspace.rename_project(project_id + 99, "name")


def test_duplicate_copies_answers_and_uploads_and_survives_the_original(user_id: int) -> None:
    project_id, session_id = workspace.create_project(user_id, "csv-summary", "en", name="Sales")
    upload = workspace.save_upload(session_id, "sales.csv", SALES_EN, allowed_types=[".csv"])
    wizard.answer(session_id, "input_file", str(upload), "en")
    wizard.answer(session_id, "group_by", "Store", "en")
    add_artifact_for(session_id, project_id, workspace.new_output_dir(session_id))

    copy_id, copy_session = workspace.duplicate_project(project_id, user_id, "en", "(copy)")
    original = wizard.resume(session_id)
    copy = wizard.resume(copy_session)
    assert workspace.project_for_session(copy_session) == copy_id != project_id
    assert copy.status == WizardStatus.IN_PROGRESS and copy.language == "en"
    assert copy.job_id == "csv-summary" and copy.question.id == original.question.id
    copied_file = Path(copy.answers["input_file"])
    assert copied_file != upload and copied_file.read_bytes() == SALES_EN
    assert copied_file.is_relative_to(workspace.project_dir(copy_id))
    assert {k: v for k, v in copy.answers.items() if k != "input_file"} == {"group_by": "Store"}
    summaries = {s.id: s for s in workspace.list_projects(user_id)}
    assert summaries[copy_id].name == "Sales (copy)"
    assert summaries[copy_id].artifact_count == 0 and summaries[project_id].artifact_count == 1

    workspace.delete_project(project_id)
    assert copied_file.read_bytes() == SALES_EN
    state = wizard.answer(copy_session, "value_column", "Sales", "en")  # columns still readable
    assert state.answers["value_column"] == "Sales"


def add_artifact_for(session_id: int, project_id: int | None, folder: Path, ok: bool = True) -> int:
    (folder / "index.html").write_text("<!doctype html><title>t</title>", encoding="utf-8")
    with session_scope() as session:
        return add_artifact(
            session,
            kind="webpage",
            path=str(folder),
            checks={"html": ok},
            checks_passed=ok,
            session_id=session_id,
            project_id=project_id,
        ).id


def test_delete_removes_rows_and_folder(user_id: int) -> None:
    project_id, session_id = workspace.create_project(user_id, "shop-page", "en")
    keep_id, keep_session = workspace.create_project(user_id, "shop-page", "en")
    add_artifact_for(session_id, project_id, workspace.new_output_dir(session_id), ok=False)
    workspace.save_upload(session_id, "logo.png", b"\x89PNG data", allowed_types=[".png"])
    with session_scope() as session:
        start_execution(
            session, kind="wizard", goal="page", project_id=project_id, session_id=session_id
        )
    folder = workspace.project_dir(project_id)
    assert [s.last_ok for s in workspace.list_projects(user_id) if s.id == project_id] == [False]

    workspace.delete_project(project_id)
    assert not folder.exists()
    assert count(Project, id=project_id) == 0
    assert (
        count(WizardSession, project_id=project_id) == 0
        and count(WizardSession, id=session_id) == 0
    )
    assert count(Artifact) == 0 and count(Execution) == 0
    assert [s.id for s in workspace.list_projects(user_id)] == [keep_id]
    assert workspace.latest_session(keep_id) == keep_session
    workspace.delete_project(project_id)  # already gone: nothing happens


def test_new_output_dir_numbers_each_generation(user_id: int, db) -> None:
    project_id, session_id = workspace.create_project(user_id, "shop-page", "en")
    base = workspace.project_dir(project_id) / "outputs" / str(session_id)
    first, second = workspace.new_output_dir(session_id), workspace.new_output_dir(session_id)
    assert (first, second) == (base / "1", base / "2")
    assert first.is_dir() and not any(first.iterdir())
    second.rmdir()
    assert workspace.new_output_dir(session_id) == base / "2"
    (base / "7").mkdir()
    assert workspace.new_output_dir(session_id) == base / "8"
    loose = wizard.start(user_id, "shop-page", "en").id  # a session without a project
    assert (
        workspace.new_output_dir(loose)
        == db.state_dir / "projects" / "none" / "outputs" / str(loose) / "1"
    )
    assert workspace.project_dir(project_id) == db.state_dir / "projects" / str(project_id)


def test_latest_artifact_skips_missing_folders(user_id: int, tmp_path: Path) -> None:
    project_id, session_id = workspace.create_project(user_id, "shop-page", "en")
    assert workspace.latest_artifact(session_id) is None
    kept = workspace.new_output_dir(session_id)
    first = add_artifact_for(session_id, project_id, kept, ok=True)
    gone = workspace.new_output_dir(session_id)
    add_artifact_for(session_id, project_id, gone, ok=False)
    latest = workspace.latest_artifact(session_id)
    assert latest is not None and latest.version == 2 and latest.path == gone
    assert latest.checks_passed is False
    (gone / "index.html").unlink()
    gone.rmdir()
    latest = workspace.latest_artifact(session_id)
    assert latest is not None
    assert (latest.id, latest.path, latest.version, latest.checks_passed) == (first, kept, 1, True)
    assert latest.created_at.tzinfo is not None
    kept.joinpath("index.html").unlink()
    kept.rmdir()
    assert workspace.latest_artifact(session_id) is None


def test_save_upload_refuses_bad_files_and_touches_nothing(user_id: int) -> None:
    _, session_id = workspace.create_project(user_id, "csv-summary", "ja")
    saved = workspace.save_upload(session_id, "売上.csv", SALES_EN, allowed_types=[".csv"])
    assert saved.name == "売上.csv" and saved.read_bytes() == SALES_EN

    with pytest.raises(InvalidUpload) as caught:
        workspace.save_upload(session_id, "売上.csv", b"", allowed_types=[".csv"])
    assert caught.value.reason == "errors.upload.empty"
    assert "空" in caught.value.message("ja") and "empty" in caught.value.message("en")

    with pytest.raises(InvalidUpload) as caught:
        big = b"a" * (workspace.MAX_UPLOAD_BYTES + 1)
        workspace.save_upload(session_id, "売上.csv", big, allowed_types=[".csv"])
    assert caught.value.reason == "errors.upload.too_large"
    assert "20 MB" in caught.value.message("ja") and "20 MB" in caught.value.message("en")

    with pytest.raises(InvalidUpload) as caught:
        workspace.save_upload(session_id, "売上.xlsx", b"PK\x03\x04", allowed_types=[".csv"])
    assert caught.value.reason == "errors.upload.wrong_type"
    assert "売上.xlsx" in caught.value.message("ja") and ".csv" in caught.value.message("ja")
    assert ".csv" in caught.value.message("en")

    assert saved.read_bytes() == SALES_EN
    assert [p.name for p in saved.parent.iterdir()] == ["売上.csv"]


def test_save_upload_keeps_files_inside_and_apart(user_id: int) -> None:
    project_id, session_id = workspace.create_project(user_id, "csv-summary", "en")
    folder = workspace.project_dir(project_id) / "uploads" / str(session_id)
    evil = workspace.save_upload(
        session_id, "../../etc/passwd.csv", b"a,b\n1,2\n", allowed_types=["csv"]
    )
    assert evil == folder / "passwd.csv"
    windows = workspace.save_upload(
        session_id, r"C:\Users\x\..\data.CSV", b"a\n1\n", allowed_types=[".csv"]
    )
    assert windows == folder / "data.CSV"
    hidden = workspace.save_upload(session_id, "..csv", b"a\n1\n", allowed_types=[".csv"])
    assert hidden == folder / "upload.csv"

    first = workspace.save_upload(session_id, "sales.csv", b"a\n1\n", allowed_types=[".csv"])
    again = workspace.save_upload(session_id, "sales.csv", b"a\n1\n", allowed_types=[".csv"])
    other = workspace.save_upload(session_id, "sales.csv", b"a\n2\n", allowed_types=[".csv"])
    assert first == again == folder / "sales.csv"
    assert other == folder / "sales-2.csv"
    assert (first.read_bytes(), other.read_bytes()) == (b"a\n1\n", b"a\n2\n")
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temp files left


def test_answer_question_keeps_an_upload_and_keeps_it_when_nothing_new_is_sent(
    user_id: int,
) -> None:
    project_id, session_id = workspace.create_project(user_id, "csv-summary", "en")
    question = get_job("csv-summary").question("input_file")
    state = workspace.answer_question(
        session_id, question, None, "en", upload=("売上.csv", SALES_EN)
    )
    saved = Path(state.answers["input_file"])
    assert saved.parent == workspace.project_dir(project_id) / "uploads" / str(session_id)
    assert saved.read_bytes() == SALES_EN
    assert state.question is not None and state.question.id != "input_file"

    wizard.back(session_id)  # back on the file question, "next" without a new file
    again = workspace.answer_question(session_id, question, None, "en")
    assert again.answers["input_file"] == str(saved)

    with pytest.raises(InvalidUpload):  # a bad file is refused; the good one stays
        workspace.answer_question(session_id, question, None, "en", upload=("a.csv", b""))
    assert wizard.resume(session_id).answers["input_file"] == str(saved)


def test_answer_question_validates_typed_answers(user_id: int) -> None:
    _, session_id = workspace.create_project(user_id, "shop-page", "ja")
    question = get_job("shop-page").question("name")
    state = workspace.answer_question(session_id, question, " ひまわり ", "ja")
    assert state.answers["name"] == "ひまわり"
    with pytest.raises(AnswerInvalid):
        workspace.answer_question(session_id, question, "   ", "ja")
    assert wizard.resume(session_id).answers["name"] == "ひまわり"
