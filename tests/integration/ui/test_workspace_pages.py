"""Projects and Settings pages headless (AppTest), on a real SQLite state dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from support_system.accounts.preferences import load_preferences
from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.data.db import session_scope
from support_system.data.repositories import get_api_key, list_api_keys
from support_system.data.schema import User
from support_system.jobs import wizard, workspace
from support_system.jobs.catalogue import get_job
from tests.helpers.apptest import click, errors, labels, open_app, shown_text

LANGS = ["ja", "en"]
SHOP = get_job("shop-page")


# --- 7. projects --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_projects_duplicate_and_delete_only_after_confirmation(user_id, lang) -> None:
    project_id, session_id = workspace.create_project(user_id, "shop-page", lang)
    wizard.answer(session_id, "name", SHOP.samples[lang]["name"], lang)
    name = SHOP.title.get(lang)
    app = open_app(lang, "projects")
    assert [s.value for s in app.header] == [name]
    assert t("ui.projects.progress", lang, answered=1, total=8) in app.caption[0].value

    click(app, t("ui.projects.duplicate", lang, name=name))
    copy_name = f"{name} {t('ui.projects.copy_suffix', lang)}"
    projects = workspace.list_projects(user_id)
    assert [p.name for p in projects] == [copy_name, name]
    copy = projects[0]
    assert wizard.resume(copy.session_id).answers == {"name": SHOP.samples[lang]["name"]}
    assert t("ui.projects.duplicated", lang, name=name) in [s.value for s in app.success]
    assert [s.value for s in app.header] == [copy_name, name]

    delete = t("ui.projects.delete", lang, name=copy_name)
    click(app, delete)  # first click only asks
    assert len(workspace.list_projects(user_id)) == 2
    assert [w.value for w in app.warning] == [t("ui.projects.confirm", lang, name=copy_name)]
    assert delete not in labels(app)  # the row shows the question instead of its buttons

    click(app, t("ui.projects.delete_no", lang))
    assert len(workspace.list_projects(user_id)) == 2 and not app.warning
    assert delete in labels(app)

    click(app, delete)
    click(app, t("ui.projects.delete_yes", lang))
    assert [p.id for p in workspace.list_projects(user_id)] == [project_id]
    assert t("ui.projects.deleted", lang, name=copy_name) in [s.value for s in app.success]
    assert [s.value for s in app.header] == [name]


def test_opening_a_project_continues_its_wizard(user_id) -> None:
    _, session_id = workspace.create_project(user_id, "shop-page", "en")
    wizard.answer(session_id, "name", "Sunflower Bakery", "en")
    workspace.create_project(user_id, "csv-summary", "en")  # newer: listed first
    app = open_app("en", "projects")
    click(app, t("ui.projects.open", "en", name=SHOP.title.en))
    assert app.query_params["s"] == str(session_id)
    assert app.get("progress")[0].proto.text == t("ui.questions.progress", "en", step=2, total=8)


# --- 8. settings --------------------------------------------------------------------------


def _database_bytes() -> bytes:
    """The SQLite database as stored: main file, write-ahead log and shared memory."""
    state_dir = get_settings().state_dir
    files = sorted(state_dir.glob("support_system.db*"))
    assert Path(state_dir / "support_system.db") in files
    return b"".join(path.read_bytes() for path in files)


@pytest.mark.parametrize("lang", LANGS)
def test_settings_theme_and_font_size_are_saved(user_id, lang) -> None:
    app = open_app(lang, "settings")
    app.radio[1].set_value("high-contrast")
    app.radio[2].set_value(150)
    click(app, t("ui.settings.save", lang))
    assert t("ui.settings.saved", lang) in [s.value for s in app.success]
    prefs = load_preferences(user_id)
    assert (prefs.theme, prefs.font_scale, prefs.language) == ("high-contrast", 150, lang)
    # The chrome follows at once: the root font size and the theme for the CSS.
    html = " ".join(h.proto.body for h in app.get("html"))
    assert "font-size: 150%" in html and '"theme": "high-contrast"' in html
    # And a new browser session starts with them.
    fresh = open_app(None, "settings")
    assert (fresh.radio[1].value, fresh.radio[2].value, fresh.session_state["lang"]) == (
        "high-contrast",
        150,
        lang,
    )


@pytest.mark.parametrize("lang", LANGS)
def test_settings_refuse_an_invalid_ollama_host_and_keep_the_old_one(user_id, lang) -> None:
    before = load_preferences(user_id)
    app = open_app(lang, "settings")
    app.text_input[0].input("ftp://x")
    click(app, t("ui.settings.save", lang))
    assert errors(app) == [t("ui.settings.invalid_host", lang, value="ftp://x")]
    assert t("ui.settings.saved", lang) not in shown_text(app)
    assert load_preferences(user_id) == before
    assert get_settings().llm.ollama_host != "ftp://x"


def test_settings_error_for_an_invalid_host_is_entirely_japanese(user_id) -> None:
    app = open_app("ja", "settings")
    app.text_input[0].input("ftp://x")
    click(app, t("ui.settings.save", "ja"))
    [error] = errors(app)
    assert "ftp://x" in error and "保存していません" in error
    for english in ("ollama_host", "Value error", "must start with", "was not saved"):
        assert english not in error


def _stored_preferences(user_id: int) -> dict:
    with session_scope() as session:
        return dict(session.get(User, user_id).preferences or {})


def test_saving_the_font_size_does_not_pin_the_default_model_or_host(user_id) -> None:
    app = open_app("en", "settings")
    app.radio[2].set_value(125)
    click(app, t("ui.settings.save", "en"))
    assert load_preferences(user_id).font_scale == 125
    stored = _stored_preferences(user_id)
    assert "model" not in stored and "ollama_host" not in stored


def test_a_host_the_person_typed_is_stored_and_kept_by_later_saves(user_id) -> None:
    host = "http://192.0.2.7:11434"
    app = open_app("en", "settings")
    app.text_input[0].input(host)
    click(app, t("ui.settings.save", "en"))
    assert _stored_preferences(user_id).get("ollama_host") == host
    assert "model" not in _stored_preferences(user_id)  # the model was not touched
    app.radio[2].set_value(150)
    click(app, t("ui.settings.save", "en"))
    stored = _stored_preferences(user_id)
    assert (stored.get("ollama_host"), stored.get("font_scale")) == (host, 150)
    assert get_settings().llm.ollama_host == host


@pytest.mark.parametrize("lang", LANGS)
def test_an_api_key_is_shown_only_as_a_hint_and_never_stored_in_plain_text(user_id, lang) -> None:
    key = "sk-test-PLAINTEXT-9f8e7d6c5b4a3210-wxyz"
    app = open_app(lang, "settings")
    provider = t("ui.settings.providers.openai", lang)
    label = t("ui.settings.key_label", lang, provider=provider)
    field = next(x for x in app.text_input if x.label == label)
    field.input(key)
    click(app, t("ui.settings.key_save", lang, provider=provider))
    assert t("ui.settings.key_saved", lang, provider=provider) in [s.value for s in app.success]

    with session_scope() as session:
        [info] = list_api_keys(session, user_id)
        assert get_api_key(session, user_id, "openai") == key  # really saved (encrypted)
    page = shown_text(app)
    assert t("ui.settings.key_set", lang, hint=info.key_hint) in page
    assert info.key_hint.strip("…") == "wxyz"
    assert key not in page and "PLAINTEXT" not in page
    assert t("ui.settings.key_delete", lang, provider=provider) in labels(app)

    stored = _database_bytes()
    assert info.key_hint.encode() in stored  # the row is in the bytes read
    assert key.encode() not in stored
    assert b"PLAINTEXT-9f8e7d6c" not in stored  # no fragment beyond the 4-character hint
