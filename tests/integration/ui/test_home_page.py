"""Home page, headless through Streamlit's AppTest: model status and the one-box chat.

AppTest runs the real script, the real services and the real embedded model; it cannot
see focus or accessibility (the browser suite checks those).
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from support_system.core.settings import PROJECT_ROOT
from tests.conftest import usage_records

APP = str(PROJECT_ROOT / "ui" / "app.py")


def _app(lang: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["lang"] = lang
    return app.run()


@pytest.mark.parametrize(
    ("lang", "title", "status"),
    [("ja", "サポートシステム", "準備完了"), ("en", "Support System", "Ready")],
)
def test_home_shows_model_and_status_in_the_chosen_language(db, lang, title, status) -> None:
    app = _app(lang)
    assert not app.exception
    assert app.title[0].value == title
    text = " ".join(m.value for m in app.markdown)
    assert "Qwen2.5-Coder 0.5B" in text
    assert status in text or ("初回" if lang == "ja" else "loads on first use") in text


def test_chat_streams_a_reply_from_the_embedded_model_and_saves_it(db) -> None:
    from sqlalchemy import select

    from support_system.data.db import session_scope
    from support_system.data.schema import Message

    app = _app("en")
    next(box for box in app.text_input if box.label == "Your message").input(
        "Say hello in three words."
    )
    next(b for b in app.button if b.label == "Send").click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    replies = [m for m in app.chat_message if m.name == "assistant"]
    assert replies and replies[0].markdown[0].value.strip()
    assert "Answered by qwen2.5-coder-0.5b" in " ".join(c.value for c in app.caption)
    with session_scope() as session:
        saved = [
            (m.sender, m.content) for m in session.scalars(select(Message).order_by(Message.id))
        ]
    assert saved[0] == ("user", "Say hello in three words.")
    assert (
        saved[1][0] == "assistant" and saved[1][1].strip() == replies[0].markdown[0].value.strip()
    )
    assert usage_records()[-1].purpose == "chat"


def test_broken_model_shows_a_translated_error_not_a_crash(db, monkeypatch) -> None:
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__DEFAULT_MODEL", "no-such-model")
    from support_system.core.settings import get_settings

    get_settings.cache_clear()
    app = _app("ja")
    assert not app.exception
    assert any("no-such-model" in e.value and "モデル" in e.value for e in app.error)
