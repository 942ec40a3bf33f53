"""Chat room and Agent editor, headless through Streamlit's AppTest.

The chat replies come from the real embedded model (short prompts, so they stay short);
focus, the live region and axe are the browser suite's job (tests/e2e/test_chat_room.py).
"""

from __future__ import annotations

import pytest

from support_system.agents.library import get_agent, list_agents
from support_system.data import repositories as repo
from support_system.data.db import session_scope
from tests.helpers.apptest import (
    button,
    click,
    errors,
    open_app,
    rerun,
    shown_text,
    title,
)


def _messages(conversation_id: int) -> list[tuple[str, str]]:
    with session_scope() as session:
        return [(m.sender, m.content) for m in repo.list_messages(session, conversation_id)]


def _send(app, text: str):
    box = next(b for b in app.text_input if b.key == "chat-text")
    box.input(text)
    return click(app, next(b.label for b in app.button if b.label in ("Send", "送信")))


@pytest.mark.model
def test_chat_with_a_chosen_agent_streams_and_saves_both_messages(user_id: int) -> None:
    app = open_app("en", "chat")
    assert title(app) == "Chat room"
    radio = next(r for r in app.radio if r.key == "chat-agent")
    assert radio.value == "guide" and "Sora (web designer)" in radio.options
    radio.set_value("web-designer")
    rerun(app)
    assert "Your message to Sora (web designer)" in [b.label for b in app.text_input]
    _send(app, "Say hello in five words.")
    assert not errors(app), errors(app)
    conversation_id = app.session_state["chat_conversation"]
    saved = _messages(conversation_id)
    assert saved[0] == ("user", "Say hello in five words.")
    assert saved[1][0] == "web-designer" and saved[1][1].strip()
    with session_scope() as session:
        conversation = repo.list_conversations(session, user_id)[0]
        assert conversation.id == conversation_id
        assert conversation.agent_id == get_agent("web-designer").id
    assert saved[1][1].strip()[:20] in shown_text(app)
    assert "No messages yet" not in shown_text(app)
    # The conversation is now the selected one and continues on the next message.
    assert next(s for s in app.selectbox if s.key == "chat-conversation").value == conversation_id
    _send(app, "Thanks.")
    assert [sender for sender, _ in _messages(conversation_id)] == [
        "user",
        "web-designer",
        "user",
        "web-designer",
    ]

    # Another agent starts another conversation; the old one can be picked again.
    next(r for r in app.radio if r.key == "chat-agent").set_value("reviewer")
    rerun(app)
    assert app.session_state["chat_conversation"] is None
    assert "No messages yet" in shown_text(app)
    next(r for r in app.radio if r.key == "chat-agent").set_value("web-designer")
    rerun(app)
    next(s for s in app.selectbox if s.key == "chat-conversation").set_value(conversation_id)
    rerun(app)
    assert "Say hello in five words." in shown_text(app)


def test_chat_model_failure_is_translated_and_the_message_is_kept(
    user_id: int, monkeypatch
) -> None:
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__DEFAULT_MODEL", "no-such-model")
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__FALLBACK_MODELS", "[]")
    from support_system.core.settings import get_settings

    get_settings.cache_clear()
    app = open_app("ja", "chat")
    _send(app, "こんにちは")
    assert any("no-such-model" in e and "モデル" in e for e in errors(app)), errors(app)
    conversation_id = app.session_state["chat_conversation"]
    assert conversation_id is None or _messages(conversation_id)[0] == ("user", "こんにちは")
    with session_scope() as session:
        conversation = repo.list_conversations(session, user_id)[0]
    assert _messages(conversation.id) == [("user", "こんにちは")]


def test_handover_needs_a_conversation_first(user_id: int) -> None:
    app = open_app("en", "chat")
    click(app, "Make this with the wizard")
    assert errors(app) == ["Write at least one message first."]


def _form_field(app, kind: str, label: str):
    return next(w for w in getattr(app, kind) if w.label == label)


def _fill(app, **values: str) -> None:
    labels = {
        "name": "Short name (id)",
        "ja": "Name shown in Japanese",
        "en": "Name shown in English",
        "dja": "What it is for, in Japanese",
        "den": "What it is for, in English",
    }
    for key, value in values.items():
        kind = "text_area" if key.startswith("d") else "text_input"
        _form_field(app, kind, labels[key]).input(value)


def test_agent_editor_creates_edits_and_deletes_an_agent(user_id: int) -> None:
    app = open_app("en", "agents")
    assert title(app) == "Agents"
    assert "Hana (guide) (guide)" in [s.value for s in app.subheader]  # built-in, read-only
    assert not any(b.label.startswith(("Change Hana", "Delete Hana")) for b in app.button)

    _fill(
        app,
        name="bakery-helper",
        ja="パンの先生",
        en="Bread teacher",
        dja="パンについて答えます。",
        den="Answers questions about bread.",
    )
    _form_field(app, "multiselect", "Tones").set_value(["casual", "humorous"])
    _form_field(app, "text_area", "Extra instructions in plain words (optional)").input(
        "Talk about bread."
    )
    click(app, "Create the agent")
    assert not errors(app), errors(app)
    assert "“Bread teacher” was created. You can talk with it in the chat room." in shown_text(app)
    created = get_agent("bakery-helper", user_id)
    assert created.owner_id == user_id and created.definition.tones == ["casual", "humorous"]
    assert created.definition.instructions == "Talk about bread." and created.path.exists()

    click(app, "Change Bread teacher")
    assert _form_field(app, "text_input", "Short name (id)").value == "bakery-helper"
    _form_field(app, "multiselect", "Tones").set_value(["formal"])
    _fill(app, en="Bread expert")
    click(app, "Save the changes")
    assert not errors(app), errors(app)
    assert "“Bread expert” was saved." in shown_text(app)
    changed = get_agent("bakery-helper", user_id)
    assert changed.id == created.id and changed.definition.tones == ["formal"]

    click(app, "Delete Bread expert")
    assert "Delete “Bread expert”? Conversations with it are kept." in shown_text(app)
    click(app, "Yes, delete it")
    assert "“Bread expert” was deleted." in shown_text(app)
    assert [a.name for a in list_agents(user_id) if not a.is_system] == []
    assert not created.path.exists()


@pytest.mark.parametrize(
    ("lang", "values", "expected"),
    [
        (
            "en",
            {"name": "Bad Name", "ja": "名前", "en": "Name", "dja": "説明", "den": "About"},
            'Please fix “Short name (id)”: "name" may contain only lower-case letters',
        ),
        (
            "ja",
            {"name": "helper", "ja": "名前", "en": "", "dja": "説明", "den": "About"},
            "「表示名（英語）」を直してください",
        ),
        (
            "en",
            {"name": "guide", "ja": "名前", "en": "Name", "dja": "説明", "den": "About"},
            'An agent called "guide" already exists.',
        ),
    ],
)
def test_agent_editor_shows_translated_problems_and_saves_nothing(
    user_id: int, lang: str, values: dict[str, str], expected: str
) -> None:
    app = open_app(lang, "agents")
    if lang == "ja":
        labels = {
            "name": "短い名前（ID）",
            "ja": "表示名（日本語）",
            "en": "表示名（英語）",
            "dja": "何をするエージェントか（日本語）",
            "den": "何をするエージェントか（英語）",
        }
        for key, value in values.items():
            _form_field(
                app, "text_area" if key.startswith("d") else "text_input", labels[key]
            ).input(value)
        button(app, "エージェントを作る").click()
    else:
        _fill(app, **values)
        button(app, "Create the agent").click()
    rerun(app)
    assert any(expected in e for e in errors(app)), errors(app)
    assert [a for a in list_agents(user_id) if not a.is_system] == []
