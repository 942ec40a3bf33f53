"""Dialog mode end to end: real agents, a real SQLite database and real models.

The replies come from the embedded Qwen model (kept to a few tokens); the mid-stream
failure comes from `tests.fakes.ollama_server`, which generates with a real GGUF model
and drops the connection after a few chunks, as a crashing server would.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from support_system.agents import library
from support_system.agents.definitions import AgentDefinition
from support_system.agents.dialog import chat, history
from support_system.agents.library import create_agent, get_agent
from support_system.core.errors import ModelError, ModelUnavailable, UnknownModel
from support_system.core.settings import get_settings
from support_system.data import repositories as repo
from support_system.data.db import reset_engine_cache, session_scope
from support_system.data.schema import Conversation, MessageType
from tests.fakes.ollama_server import DROP_MIDSTREAM, FakeOllama, running_fake_ollama

QWEN = "qwen2.5-coder-0.5b"
DROP_AFTER = 3


@pytest.fixture
def no_fallback(db, monkeypatch: pytest.MonkeyPatch):
    """No fallback models: a failing model must fail, not be answered by another one."""
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__FALLBACK_MODELS", "[]")
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def dead_port() -> Iterator[int]:
    """A port that refuses connections: bound (so nobody else takes it) but not listening."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


@pytest.fixture(scope="module")
def fake_ollama(smol_gguf: Path) -> Iterator[FakeOllama]:
    with running_fake_ollama(
        smol_gguf, ["fake:latest"], faults={DROP_MIDSTREAM: DROP_AFTER}
    ) as server:
        yield server


def messages(conversation_id: int) -> list[tuple[str, str, str]]:
    return [(m.sender, m.type.value, m.content) for m in history(conversation_id, events=True)]


@pytest.mark.model
def test_dialog_streams_saves_both_messages_and_continues_after_a_restart(no_fallback) -> None:
    reply = chat("My shop is called Sunflower Bakery. Say hello.", language="en", agent="guide",
                 model=QWEN, max_tokens=12)  # fmt: skip
    chunks = list(reply)
    assert len(chunks) > 1 and "".join(chunks).strip()
    assert reply.result is not None and reply.result.model == QWEN
    first_answer = "".join(chunks)
    assert messages(reply.conversation_id) == [
        ("user", "text", "My shop is called Sunflower Bakery. Say hello."),
        ("guide", "text", first_answer),
    ]
    with session_scope() as session:
        conversation = session.get(Conversation, reply.conversation_id)
        assert conversation.agent_id == get_agent("guide").id
    assert "Hana" in reply.prompt.messages[0][1]  # the guide's persona, in English

    # "Restart": no engine, no settings, no sync state left in memory.
    reset_engine_cache()
    get_settings.cache_clear()
    library._synced.clear()

    again = chat("What is my shop called?", language="en", conversation_id=reply.conversation_id,
                 model=QWEN, max_tokens=8)  # fmt: skip
    assert again.agent.name == "guide"  # the conversation's own agent answers
    sent = again.prompt.messages
    assert sent[1:] == [
        ("user", "My shop is called Sunflower Bakery. Say hello."),
        ("assistant", first_answer),
        ("user", "What is my shop called?"),
    ]
    assert again.prompt.kept == 2 and again.prompt.dropped == 0
    second_answer = "".join(again)
    assert [m[:2] for m in messages(reply.conversation_id)] == [
        ("user", "text"), ("guide", "text"), ("user", "text"), ("guide", "text"),
    ]  # fmt: skip
    assert messages(reply.conversation_id)[-1][2] == second_answer


def test_unknown_model_keeps_the_message_and_explains_in_both_languages(db) -> None:
    reply = chat("Hello there", language="ja", agent="reviewer", model="no-such-model")
    with pytest.raises(UnknownModel) as caught:
        list(reply)
    error = caught.value
    assert "no-such-model" in error.message("ja") and "no-such-model" in error.message("en")
    assert error.message("ja") != error.message("en")
    assert messages(reply.conversation_id) == [("user", "text", "Hello there")]


def test_closed_port_keeps_the_message_and_explains(
    no_fallback, extra_models, dead_port: int
) -> None:
    extra_models([{"name": "dead-server", "provider": "openai_compatible", "model_id": "m",
                   "base_url": f"http://127.0.0.1:{dead_port}/v1"}])  # fmt: skip
    reply = chat("Are you there?", language="en", agent="guide", model="dead-server", max_tokens=8)
    with pytest.raises(ModelUnavailable) as caught:
        list(reply)
    assert "dead-server" in caught.value.message("en") and "dead-server" in caught.value.message(
        "ja"
    )
    assert messages(reply.conversation_id) == [("user", "text", "Are you there?")]


@pytest.mark.model
def test_a_reply_cut_off_midstream_is_kept_as_partial(
    db, extra_models, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__OLLAMA_HOST", fake_ollama.url)
    extra_models([{"name": "ollama-drop", "provider": "ollama", "model_id": DROP_MIDSTREAM}])
    reply = chat("Count from 1 to 50.", language="en", agent="python-programmer",
                 model="ollama-drop", max_tokens=48)  # fmt: skip
    shown: list[str] = []
    with pytest.raises(ModelError) as caught:
        for piece in reply:
            shown.append(piece)
    assert shown and caught.value.message("ja") != caught.value.message("en")
    assert messages(reply.conversation_id) == [
        ("user", "text", "Count from 1 to 50."),
        ("python-programmer", MessageType.PARTIAL.value, "".join(shown)),
    ]


def test_a_users_own_agent_answers_with_its_persona(db) -> None:
    with session_scope() as session:
        user_id = repo.ensure_local_user(session).id
    create_agent(user_id, AgentDefinition.model_validate({
        "name": "bread-coach", "display_name": {"ja": "パン先生", "en": "Bread coach"},
        "description": {"ja": "パンの先生", "en": "Teaches baking"}, "tones": ["strict"],
        "roles": ["teacher"], "instructions": "Always mention the oven temperature.",
    }))  # fmt: skip
    reply = chat("How do I bake bread?", language="ja", agent="bread-coach",
                 model="no-such-model")  # fmt: skip
    system = reply.prompt.messages[0][1]
    assert "パン先生" in system and "Always mention the oven temperature." in system
    assert "You teach." in system and "Be strict" in system and "Japanese" in system
    with session_scope() as session:
        assert session.get(Conversation, reply.conversation_id).agent_id == reply.agent.id
    assert not reply.agent.is_system


def test_knowledge_hook_puts_retrieved_passages_and_sources_in_the_prompt(
    db, tmp_path: Path
) -> None:
    from support_system.agents.prompting import knowledge_base_retriever
    from support_system.rag import KnowledgeBase

    document = tmp_path / "shop-hours.txt"
    document.write_text(
        "Sunflower Bakery opens at eight in the morning from Tuesday to Saturday.\n\n"
        "The bakery is closed on Mondays.",
        encoding="utf-8",
    )
    KnowledgeBase().add([document])
    reply = chat("When does Sunflower Bakery open?", language="en", agent="guide",
                 model="no-such-model", knowledge=knowledge_base_retriever("en"))  # fmt: skip
    system = reply.prompt.messages[0][1]
    assert "[1] Sunflower Bakery opens at eight" in system
    assert "shop-hours.txt" in system and "knowledge base" in system
    without = chat("When does it open?", language="en", conversation_id=reply.conversation_id,
                   model="no-such-model")  # fmt: skip
    assert "shop-hours.txt" not in without.prompt.messages[0][1]  # off unless asked for


@pytest.mark.model
def test_a_reply_the_reader_stops_is_kept_as_partial(
    db, extra_models, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__OLLAMA_HOST", fake_ollama.url)
    extra_models([{"name": "ollama-fake", "provider": "ollama", "model_id": "fake:latest"}])
    reply = chat("Count from 1 to 50.", language="en", agent="guide", model="ollama-fake",
                 max_tokens=48)  # fmt: skip
    stream = iter(reply)
    shown = [next(stream), next(stream)]
    stream.close()  # the page was closed while the reply was streaming
    assert messages(reply.conversation_id) == [
        ("user", "text", "Count from 1 to 50."),
        ("guide", MessageType.PARTIAL.value, "".join(shown)),
    ]
