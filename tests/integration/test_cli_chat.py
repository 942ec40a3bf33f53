"""`python -m support_system chat --agent NAME`: a real subprocess, real model, real database."""

from __future__ import annotations

import re

import pytest

from tests.helpers.cli import run_cli


@pytest.mark.model
def test_chat_with_an_agent_streams_saves_and_continues(db) -> None:
    from support_system.agents.dialog import history
    from support_system.agents.library import get_agent
    from support_system.data.db import session_scope
    from support_system.data.schema import Conversation

    first = run_cli(
        "chat", "--agent", "reviewer", "--max-tokens", "16", "--lang", "en", "Say hello."
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip()
    found = re.search(r"Conversation (\d+) \(continue it with --conversation \1\)", first.stderr)
    assert found, first.stderr
    conversation_id = int(found.group(1))

    again = run_cli(
        "chat",
        "--conversation",
        str(conversation_id),
        "--max-tokens",
        "8",
        "--lang",
        "ja",
        "ありがとう",
    )
    assert again.returncode == 0, again.stderr
    assert f"会話 {conversation_id}" in again.stderr
    messages = [(m.sender, m.content) for m in history(conversation_id)]
    assert [sender for sender, _ in messages] == ["user", "reviewer", "user", "reviewer"]
    assert messages[0][1] == "Say hello." and messages[2][1] == "ありがとう"
    with session_scope() as session:
        assert session.get(Conversation, conversation_id).agent_id == get_agent("reviewer").id


def test_chat_with_an_unknown_agent_or_conversation_fails_clearly(db) -> None:
    unknown = run_cli("chat", "--agent", "nobody", "--lang", "en", "Hello")
    assert unknown.returncode == 2 and 'There is no agent called "nobody"' in unknown.stderr
    assert "Traceback" not in unknown.stderr
    missing = run_cli("chat", "--conversation", "999", "--lang", "ja", "Hello")
    assert missing.returncode == 2 and "会話 999 はありません。" in missing.stderr
    assert "Traceback" not in missing.stderr
