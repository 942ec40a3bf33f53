"""Repository functions against real databases: answers, conversations, usage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from support_system.data import repositories as repo
from support_system.data.db import make_engine, session_scope
from support_system.data.models import MessageType, Role, UsageRecord, User, WizardSession, utcnow


def test_local_user_is_created_once(migrated_url: str) -> None:
    with session_scope() as session:
        first = repo.ensure_local_user(session)
    with session_scope() as session:
        again = repo.ensure_local_user(session)
        assert len(session.scalars(select(User)).all()) == 1
    assert (again.id, again.username, again.role) == (first.id, "local", Role.ADMIN)


def test_save_answer_persists_on_every_call(migrated_url: str) -> None:
    """Each answer must be readable by another process the moment save_answer returns."""
    other_process = make_engine(migrated_url)

    def stored(wizard_id: int) -> tuple[dict, int]:
        with session_scope(other_process) as session:
            row = session.get(WizardSession, wizard_id)
            return row.answers, row.current_step

    try:
        with session_scope() as session:
            user = repo.ensure_local_user(session)
            wizard = repo.create_wizard_session(session, user.id, "webpage.shop", language="ja")
            session.commit()
            repo.save_answer(session, wizard.id, "shop_name", "ひまわりベーカリー", 1)
            assert stored(wizard.id) == ({"shop_name": "ひまわりベーカリー"}, 1)
            repo.save_answer(session, wizard.id, "colors", ["yellow", "brown"], 2)
            assert stored(wizard.id) == (
                {"shop_name": "ひまわりベーカリー", "colors": ["yellow", "brown"]},
                2,
            )
            repo.save_answer(session, wizard.id, "shop_name", "Sun Bakery", 2)  # changed answer
            raise RuntimeError("the page crashes before the scope ends")
    except RuntimeError:
        pass
    try:
        assert stored(wizard.id) == ({"shop_name": "Sun Bakery", "colors": ["yellow", "brown"]}, 2)
    finally:
        other_process.dispose()


def test_save_answer_keeps_answers_saved_by_another_session(migrated_url: str) -> None:
    with session_scope() as first, session_scope() as second:
        user = repo.ensure_local_user(first)
        wizard_id = repo.create_wizard_session(first, user.id, "j", language="en").id
        first.commit()
        repo.save_answer(first, wizard_id, "a", 1, 1)
        repo.save_answer(second, wizard_id, "b", 2, 2)
        repo.save_answer(first, wizard_id, "c", 3, 3)  # `first` holds a stale copy without "b"
    with session_scope() as session:
        assert session.get(WizardSession, wizard_id).answers == {"a": 1, "b": 2, "c": 3}


def test_save_answer_for_a_missing_session_raises(migrated_url: str) -> None:
    with pytest.raises(LookupError), session_scope() as session:
        repo.save_answer(session, 999, "q", "v", 1)


def test_conversations_and_messages(migrated_url: str) -> None:
    with session_scope() as session:
        user_id = repo.ensure_local_user(session).id
        older = repo.create_conversation(session, user_id, title="first")
        newer = repo.create_conversation(session, user_id, title="second")
        repo.add_message(session, newer.id, sender="user", content="hi")
        repo.add_message(session, older.id, sender="user", content="おはよう")
        repo.add_message(session, older.id, sender="assistant", content="おは", type="partial")
    with session_scope() as session:
        assert [c.title for c in repo.list_conversations(session, user_id)] == ["first", "second"]
        messages = repo.list_messages(session, older.id)
        assert [(m.sender, m.content, m.type) for m in messages] == [
            ("user", "おはよう", MessageType.TEXT),
            ("assistant", "おは", MessageType.PARTIAL),
        ]
        assert repo.list_conversations(session, user_id, limit=1)[0].title == "first"


def test_record_usage_and_summary(migrated_url: str) -> None:
    rows = [
        dict(
            model="qwen",
            provider="embedded",
            tokens_in=10,
            tokens_out=20,
            latency_ms=100,
            first_token_ms=30,
            cost=0.0,
            cache_hit=False,
            status="ok",
        ),
        dict(
            model="qwen",
            provider="embedded",
            tokens_in=10,
            tokens_out=20,
            latency_ms=5,
            first_token_ms=None,
            cost=0.0,
            cache_hit=True,
            status="ok",
        ),
        dict(
            model="qwen",
            provider="embedded",
            tokens_in=10,
            tokens_out=0,
            latency_ms=300,
            first_token_ms=None,
            cost=0.0,
            cache_hit=False,
            status="error",
            error_type="Timeout",
        ),
        dict(
            model="gpt",
            provider="openai",
            purpose="routing",
            tokens_in=1000,
            tokens_out=500,
            latency_ms=800,
            first_token_ms=200,
            cost=0.0125,
            cache_hit=False,
            status="ok",
        ),
    ]
    with session_scope() as session:
        user_id = repo.ensure_local_user(session).id
        recorded = [repo.record_usage(session, user_id=user_id, **row) for row in rows]
        assert all(r.id is not None for r in recorded)
    with session_scope() as session:
        summary = {s.model: s for s in repo.usage_summary(session)}
        assert (
            session.scalars(select(UsageRecord.error_type).order_by(UsageRecord.id)).all()[2]
            == "Timeout"
        )

    qwen, gpt = summary["qwen"], summary["gpt"]
    assert (qwen.calls, qwen.tokens_in, qwen.tokens_out, qwen.cache_hits, qwen.errors) == (
        3,
        30,
        40,
        1,
        1,
    )
    assert qwen.mean_latency_ms == pytest.approx(
        135.0
    ) and qwen.mean_first_token_ms == pytest.approx(30.0)
    assert (gpt.calls, gpt.errors, gpt.cost, gpt.mean_latency_ms) == (
        1,
        0,
        pytest.approx(0.0125),
        800.0,
    )
    with session_scope() as session:
        assert repo.usage_summary(session, since=utcnow() + timedelta(minutes=1)) == []
