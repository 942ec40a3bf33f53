"""The wizard service on a real SQLite database: every answer is committed the moment it
is given, and a crash (engine and sessions dropped) loses nothing."""

from __future__ import annotations

from typing import Any

import pytest

from support_system.core.errors import AnswerInvalid, UnknownJob
from support_system.data.db import make_engine, reset_engine_cache, session_scope
from support_system.data.repositories import ensure_local_user
from support_system.data.schema import WizardSession, WizardStatus
from support_system.jobs import wizard
from support_system.jobs.catalogue import SAMPLES_DIR


@pytest.fixture
def user_id(db) -> int:
    with session_scope() as session:
        return ensure_local_user(session).id


def stored(session_id: int) -> tuple[dict[str, Any], int]:
    """What another process would read right now (its own engine, no shared session)."""
    engine = make_engine()
    try:
        with session_scope(engine) as session:
            row = session.get(WizardSession, session_id)
            return dict(row.answers), row.current_step
    finally:
        engine.dispose()


def test_start_shows_the_first_question(user_id: int) -> None:
    row = wizard.start(user_id, "shop-page", "ja")
    state = wizard.resume(row.id)
    assert (state.job_id, state.language, state.status) == (
        "shop-page",
        "ja",
        WizardStatus.IN_PROGRESS,
    )
    assert state.question.id == "name" and state.step == 1 and state.progress == (0, 8)
    assert not state.can_go_back and not state.finished


def test_unknown_job_cannot_start(user_id: int) -> None:
    with pytest.raises(UnknownJob):
        wizard.start(user_id, "rocket-page", "en")


def test_every_answer_is_committed_at_once(user_id: int) -> None:
    session_id = wizard.start(user_id, "shop-page", "ja").id
    state = wizard.answer(session_id, "name", "  ひまわりベーカリー ", "ja")
    assert stored(session_id) == ({"name": "ひまわりベーカリー"}, 1)
    assert state.question.id == "tagline" and state.progress == (1, 8)
    wizard.answer(session_id, "tagline", "毎朝焼きたて", "ja")
    state = wizard.answer(session_id, "products", "メロンパン, 180\n食パン, 300", "ja")
    answers, _ = stored(session_id)
    assert answers["products"] == [
        {"name": "メロンパン", "price": "180"},
        {"name": "食パン", "price": "300"},
    ]
    assert state.question.id == "address"  # the first question still open


def test_an_invalid_answer_saves_nothing(user_id: int) -> None:
    session_id = wizard.start(user_id, "shop-page", "en").id
    wizard.answer(session_id, "name", "Sunflower Bakery", "en")
    with pytest.raises(AnswerInvalid) as caught:
        wizard.answer(session_id, "color", "#12345", "en")
    assert "#12345" in caught.value.message()
    assert stored(session_id)[0] == {"name": "Sunflower Bakery"}


def test_resume_after_a_crash(user_id: int) -> None:
    session_id = wizard.start(user_id, "csv-summary", "ja").id
    wizard.answer(session_id, "input_file", str(SAMPLES_DIR / "sales_ja_sjis.csv"), "ja")
    wizard.answer(session_id, "group_by", "店舗", "ja")
    reset_engine_cache()  # the app process dies: pooled connections and sessions are gone
    state = wizard.resume(session_id)
    assert state.question.id == "value_column" and state.progress == (2, 4)
    assert state.answers["group_by"] == "店舗"
    latest = wizard.latest_unfinished(user_id)
    assert latest is not None and latest.session_id == session_id


def test_columns_are_checked_against_the_saved_file(user_id: int) -> None:
    session_id = wizard.start(user_id, "csv-summary", "en").id
    wizard.answer(session_id, "input_file", "sales_en.csv", "en", base_dir=SAMPLES_DIR)
    with pytest.raises(AnswerInvalid) as caught:
        wizard.answer(session_id, "group_by", "Region", "en", base_dir=SAMPLES_DIR)
    assert '"Store"' in caught.value.message("en")
    assert (
        wizard.answer(session_id, "group_by", "store", "en", base_dir=SAMPLES_DIR).answers[
            "group_by"
        ]
        == "Store"
    )


def test_back_shows_the_saved_answer_and_next_returns_to_the_open_question(user_id: int) -> None:
    session_id = wizard.start(user_id, "file-renamer", "en").id
    wizard.answer(session_id, "folder", "photos", "en", base_dir=SAMPLES_DIR)
    wizard.answer(session_id, "pattern", "prefix_number", "en")
    state = wizard.back(session_id)
    assert state.question.id == "pattern" and state.value == "prefix_number" and state.step == 2
    assert stored(session_id)[1] == 1  # the cursor is saved too: a reload shows the same question
    reset_engine_cache()
    assert wizard.resume(session_id).question.id == "pattern"
    state = wizard.back(session_id)
    assert state.question.id == "folder" and not state.can_go_back
    assert wizard.back(session_id).question.id == "folder"  # nothing before the first question
    state = wizard.answer(session_id, "folder", "photos", "en", base_dir=SAMPLES_DIR)
    assert state.question.id == "prefix"  # straight back to the first open question


def test_changing_an_answer_can_hide_a_question(user_id: int) -> None:
    session_id = wizard.start(user_id, "file-renamer", "ja").id
    wizard.answer(session_id, "folder", "photos", "ja", base_dir=SAMPLES_DIR)
    state = wizard.answer(session_id, "pattern", "prefix_number", "ja")
    assert state.question.id == "prefix" and state.total == 4
    wizard.back(session_id)
    state = wizard.answer(session_id, "pattern", "number", "ja")
    assert state.question.id == "dry_run" and state.total == 3
    state = wizard.answer(session_id, "dry_run", "はい", "ja")
    assert state.finished and state.progress == (3, 3) and state.step == 4
    assert wizard.back(session_id).question.id == "dry_run"  # back from the review page


def test_skip_optional_only(user_id: int) -> None:
    session_id = wizard.start(user_id, "profile-page", "ja").id
    with pytest.raises(AnswerInvalid) as caught:
        wizard.skip(session_id, "name", "ja")
    assert "回答が必要" in caught.value.message()
    for qid, value in (
        ("name", "山田 花子"),
        ("headline", "パン教室"),
        ("about", "よろしく。"),
        ("skills", "パン作り"),
        ("contact_email", "hanako@example.com"),
        ("color", "紺"),
    ):
        state = wizard.answer(session_id, qid, value, "ja")
    assert state.question.id == "photo"
    state = wizard.skip(session_id, "photo", "ja")
    assert state.question.id == "layout"  # optional too: offered once
    state = wizard.skip(session_id, "layout", "ja")
    assert state.finished and state.progress == (8, 8)
    assert stored(session_id)[0]["photo"] is None  # seen and skipped, never asked again
    reset_engine_cache()
    assert wizard.resume(session_id).finished


def test_complete_and_latest_unfinished(user_id: int) -> None:
    first = wizard.start(user_id, "faq-page", "en").id
    second = wizard.start(user_id, "shop-page", "en").id
    wizard.answer(first, "title", "FAQ", "en")  # touched last: offered first
    assert wizard.latest_unfinished(user_id).session_id == first
    with pytest.raises(AnswerInvalid):
        wizard.complete(first)  # required questions are still open
    wizard.answer(first, "faqs", [{"question": "Parking?", "answer": "Yes, three spaces."}], "en")
    wizard.answer(first, "contact", "info@example.com", "en")
    assert wizard.complete(first).status == WizardStatus.COMPLETED
    assert wizard.latest_unfinished(user_id).session_id == second
    wizard.abandon(second)
    assert wizard.latest_unfinished(user_id) is None


def test_go_to_a_question_from_the_review(user_id: int) -> None:
    session_id = wizard.start(user_id, "faq-page", "ja").id
    wizard.answer(session_id, "title", "よくある質問", "ja")
    state = wizard.go_to(session_id, "title")
    assert state.question.id == "title" and state.value == "よくある質問"
