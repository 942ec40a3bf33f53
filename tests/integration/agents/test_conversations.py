"""What the chat room lists and shows: a person's conversations with one agent, and the
messages without the bookkeeping events (real SQLite, no Streamlit)."""

from __future__ import annotations

from support_system.accounts.users import local_user_id
from support_system.agents.dialog import conversations, history, record_event
from support_system.agents.library import list_agents
from support_system.data import repositories as repo
from support_system.data.db import session_scope
from support_system.data.schema import MessageType


def test_conversations_are_listed_per_agent_most_recent_first(db) -> None:
    user = local_user_id()
    first, second = list_agents(user)[:2]
    with session_scope() as session:
        older = repo.create_conversation(session, user, agent_id=first.id).id
        other = repo.create_conversation(session, user, agent_id=second.id).id
        newer = repo.create_conversation(session, user, agent_id=first.id).id
        repo.add_message(session, older, sender="user", content="still there?")  # now newest
    assert [c.id for c in conversations(user, first.id)] == [older, newer]
    assert [c.id for c in conversations(user, second.id)] == [other]
    assert conversations(user + 1, first.id) == []  # someone else's are never listed


def test_history_leaves_out_events_unless_asked_and_marks_partial_replies(db) -> None:
    user = local_user_id()
    with session_scope() as session:
        conversation = repo.create_conversation(session, user).id
        repo.add_message(session, conversation, sender="user", content="hello")
        repo.add_message(
            session, conversation, sender="guide", content="Hel", type=MessageType.PARTIAL
        )
    record_event(conversation, {"event": "handover", "job_id": "shop-page"})

    shown = history(conversation)
    assert [(m.sender, m.content, m.is_partial) for m in shown] == [
        ("user", "hello", False),
        ("guide", "Hel", True),
    ]
    everything = history(conversation, events=True)
    assert [m.type for m in everything] == [
        MessageType.TEXT,
        MessageType.PARTIAL,
        MessageType.EVENT,
    ]
