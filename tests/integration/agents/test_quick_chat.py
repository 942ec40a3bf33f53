"""The home page's quick chat with the real embedded model: the question is saved before
the model is asked, the reply when it ends, and the next question sees both."""

from __future__ import annotations

import pytest

from support_system.agents.dialog import history
from support_system.agents.quick_chat import quick_chat
from support_system.core.errors import UnknownModel
from support_system.core.settings import get_settings

QWEN = "qwen2.5-coder-0.5b"


@pytest.fixture
def no_fallback(db, monkeypatch: pytest.MonkeyPatch) -> None:
    """No fallback models: a failing model must fail, not be answered by another one."""
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__FALLBACK_MODELS", "[]")
    get_settings.cache_clear()


def _saved(conversation_id: int) -> list[tuple[str, str, bool]]:
    return [(m.sender, m.content, m.is_partial) for m in history(conversation_id)]


@pytest.mark.model
def test_question_and_reply_are_saved_and_the_next_turn_continues(no_fallback) -> None:
    reply = quick_chat("Say hello to Hana.", language="en", model=QWEN, max_tokens=8)
    first = "".join(reply)
    assert first.strip() and reply.result is not None and reply.result.model == QWEN
    assert _saved(reply.conversation_id) == [
        ("user", "Say hello to Hana.", False),
        ("assistant", first, False),
    ]

    again = quick_chat(
        "And goodbye.",
        language="en",
        model=QWEN,
        max_tokens=8,
        conversation_id=reply.conversation_id,
    )
    second = "".join(again)
    assert again.conversation_id == reply.conversation_id
    assert [m[:2] for m in _saved(reply.conversation_id)] == [
        ("user", "Say hello to Hana."),
        ("assistant", first),
        ("user", "And goodbye."),
        ("assistant", second),
    ]


def test_an_unknown_model_keeps_the_question(no_fallback) -> None:
    reply = quick_chat("こんにちは", language="ja", model="no-such-model")
    with pytest.raises(UnknownModel) as caught:
        list(reply)
    assert caught.value.message("ja") != caught.value.message("en")
    assert _saved(reply.conversation_id) == [("user", "こんにちは", False)]
