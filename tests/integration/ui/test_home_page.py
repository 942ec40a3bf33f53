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


# --- "What do you want to make?": the request understood (support_system.intake) ---------


def _ask(app, lang: str, request: str):
    from support_system.core.i18n import t
    from tests.helpers.apptest import click

    [want] = [box for box in app.text_input if box.label == t("ui.home.want_label", lang)]
    want.input(request)
    return click(app, t("ui.home.want_button", lang))


@pytest.mark.model
def test_a_job_request_starts_the_job_with_what_it_already_says(user_id) -> None:
    from support_system.core.i18n import t
    from support_system.jobs import wizard
    from tests.helpers.apptest import click, open_app, title

    app = _ask(open_app("en"), "en", "could you make a page for Sunflower Bakery")
    assert t("intake.home.understood", "en") in " ".join(m.value for m in app.markdown)
    click(app, t("ui.jobs.start", "en", job="Shop page"))
    assert title(app) != t("app.title", "en")  # the questions page
    state = wizard.resume(app.session_state["wizard_id"])
    assert state.job_id == "shop-page" and state.answers.get("name") == "Sunflower Bakery"


@pytest.mark.parametrize(
    ("lang", "request_text", "key", "extra"),
    [
        ("ja", "スマホのゲームを作って", "intake.reason.not-possible", "intake.home.can_make"),
        ("en", "break into my neighbour's Wi-Fi", "intake.reason.declined", None),
        ("en", "a page to find a new home for our rescue rabbits", "intake.reason.custom-page",
         "intake.home.custom_page"),
    ],
)  # fmt: skip
def test_what_cannot_be_made_is_explained_in_the_persons_language(
    user_id, lang: str, request_text: str, key: str, extra: str | None
) -> None:
    from support_system.core.i18n import t
    from tests.helpers.apptest import open_app

    app = _ask(open_app(lang), lang, request_text)
    assert not app.exception and not app.error
    [info] = [box.value for box in app.info]
    assert t(key, lang) in info
    if extra:
        assert t(extra, lang) in info
    offered = [b.label for b in app.button if b.key and b.key.startswith("suggest-")]
    if key == "intake.reason.custom-page":  # a planned page, or the closest ready-made ones
        assert offered[0] == t("intake.home.plan_page", lang)
        assert len(offered) > 1 and all(label.startswith("Start") for label in offered[1:])
    else:
        assert offered == []
