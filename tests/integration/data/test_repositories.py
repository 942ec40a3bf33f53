"""Repository functions against real databases: answers, conversations, usage."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from support_system.data import repositories as repo
from support_system.data.db import make_engine, session_scope
from support_system.data.schema import MessageType, Role, UsageRecord, User, WizardSession, utcnow


def test_local_user_is_created_once(migrated_url: str) -> None:
    with session_scope() as session:
        first = repo.ensure_local_user(session)
    with session_scope() as session:
        again = repo.ensure_local_user(session)
        assert len(session.scalars(select(User)).all()) == 1
    assert (again.id, again.username, again.role) == (first.id, "local", Role.ADMIN)


def test_an_answer_is_committed_by_its_scope_and_only_by_it(migrated_url: str) -> None:
    """Repositories never commit: an answer saved in its own `session_scope` is readable by
    another process as soon as the block ends, and a block that fails keeps nothing."""
    other_process = make_engine(migrated_url)

    def stored(wizard_id: int) -> tuple[dict, int]:
        with session_scope(other_process) as session:
            row = session.get(WizardSession, wizard_id)
            return row.answers, row.current_step

    try:
        with session_scope() as session:
            user = repo.ensure_local_user(session)
            wizard = repo.create_wizard_session(session, user.id, "webpage.shop", language="ja")
        with session_scope() as session:
            repo.save_answer(session, wizard.id, "shop_name", "ひまわりベーカリー", 1)
            assert stored(wizard.id) == ({}, 0)  # not committed while the block runs
        assert stored(wizard.id) == ({"shop_name": "ひまわりベーカリー"}, 1)
        with session_scope() as session:
            repo.save_answer(session, wizard.id, "colors", ["yellow", "brown"], 2)
        try:
            with session_scope() as session:
                repo.save_answer(session, wizard.id, "shop_name", "Sun Bakery", 2)
                raise RuntimeError("the page crashes before the scope ends")
        except RuntimeError:
            pass
        expected = ({"shop_name": "ひまわりベーカリー", "colors": ["yellow", "brown"]}, 2)
        assert stored(wizard.id) == expected
    finally:
        other_process.dispose()


def test_save_answer_keeps_answers_saved_by_another_session(migrated_url: str) -> None:
    with session_scope() as session:
        user = repo.ensure_local_user(session)
        wizard_id = repo.create_wizard_session(session, user.id, "j", language="en").id
    with session_scope() as first:
        repo.save_answer(first, wizard_id, "a", 1, 1)
    with session_scope() as first:
        stale = first.get(WizardSession, wizard_id)  # `first` holds a copy without "b"
        assert stale.answers == {"a": 1}
        with session_scope() as second:
            repo.save_answer(second, wizard_id, "b", 2, 2)
        repo.save_answer(first, wizard_id, "c", 3, 3)
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


def test_record_usage(migrated_url: str) -> None:
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
        stored = session.scalars(select(UsageRecord).order_by(UsageRecord.id)).all()
        assert [(r.model, r.tokens_in, r.tokens_out, r.cache_hit) for r in stored] == [
            ("qwen", 10, 20, False),
            ("qwen", 10, 20, True),
            ("qwen", 10, 0, False),
            ("gpt", 1000, 500, False),
        ]
        assert [(r.status, r.error_type) for r in stored][2:] == [
            ("error", "Timeout"),
            ("ok", None),
        ]
        assert (stored[0].first_token_ms, stored[3].purpose, stored[3].cost) == (
            30,
            "routing",
            pytest.approx(0.0125),
        )
        assert {r.user_id for r in stored} == {user_id}
        assert all(r.created_at <= utcnow() for r in stored)
