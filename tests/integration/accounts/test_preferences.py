"""Per-user preferences: defaults, round trip, refused changes, bad stored data, migration."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from structlog.testing import capture_logs

from support_system.accounts.errors import PreferenceInvalid
from support_system.accounts.preferences import (
    Preferences,
    apply_to_settings,
    effective_model,
    load_preferences,
    save_choices,
    save_preferences,
    update_preferences,
)
from support_system.core.settings import Settings, get_settings
from support_system.data.db import session_scope
from support_system.data.repositories import ensure_local_user
from support_system.data.schema import User


@pytest.fixture
def user_id(db: Settings) -> int:
    with session_scope() as session:
        return ensure_local_user(session).id


def _store_raw(user_id: int, stored: object) -> None:
    """Write the column directly, bypassing every check (as an old version or a hand edit)."""
    with session_scope() as session:
        session.execute(update(User).where(User.id == user_id).values(preferences=stored))


def _stored(user_id: int) -> object:
    with session_scope() as session:
        return session.get(User, user_id).preferences


def test_defaults_when_nothing_is_stored(user_id: int) -> None:
    assert _stored(user_id) == {}
    prefs = load_preferences(user_id)
    assert prefs == Preferences()
    assert (prefs.language, prefs.theme, prefs.font_scale) == (None, "light", 100)
    assert (prefs.model, prefs.ollama_host) == (None, None)
    assert effective_model(prefs) == get_settings().llm.default_model


def test_round_trip(user_id: int) -> None:
    chosen = Preferences(
        language="en",
        theme="high-contrast",
        font_scale=150,
        model="smollm2-135m",
        ollama_host="http://gpu-box:11434/",
    )
    assert chosen.ollama_host == "http://gpu-box:11434"  # trailing slash stripped
    save_preferences(user_id, chosen)
    assert load_preferences(user_id) == chosen
    assert effective_model(load_preferences(user_id)) == "smollm2-135m"


def test_only_chosen_preferences_are_stored(user_id: int) -> None:
    save_preferences(user_id, Preferences(theme="dark"))
    assert _stored(user_id) == {"theme": "dark"}


def test_update_keeps_the_other_preferences(user_id: int) -> None:
    update_preferences(user_id, theme="dark", font_scale=125)
    prefs = update_preferences(user_id, language="ja")
    assert (prefs.language, prefs.theme, prefs.font_scale) == ("ja", "dark", 125)
    assert load_preferences(user_id) == prefs
    assert update_preferences(user_id, ollama_host="  ").ollama_host is None  # cleared box


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"theme": "purple"}, "theme"),
        ({"font_scale": 110}, "font_scale"),
        ({"language": "fr"}, "language"),
        ({"ollama_host": "gpu-box:11434"}, "ollama_host"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_update_is_refused_in_both_languages(
    user_id: int, changes: dict[str, object], field: str
) -> None:
    update_preferences(user_id, theme="dark")
    with pytest.raises(PreferenceInvalid) as caught:
        update_preferences(user_id, **{"font_scale": 175, **changes})  # one valid, one not
    error = caught.value
    assert error.field == field and error.detail.startswith(f"{field}:")
    ja, en = error.message("ja"), error.message("en")
    assert ja != en
    assert f"「{field}」" in ja and "保存できませんでした" in ja
    assert f'"{field}"' in en and "not saved" in en
    assert _stored(user_id) == {"theme": "dark"}  # nothing of the refused change was saved


def test_stored_garbage_drops_only_the_bad_fields(user_id: int) -> None:
    _store_raw(
        user_id,
        {
            "language": "en",  # fine
            "theme": 42,  # wrong type
            "font_scale": "huge",  # wrong type
            "model": "smollm2-135m",  # fine
            "ollama_host": "ftp://nope",  # wrong scheme
            "removed_in_an_old_version": True,  # ignored
        },
    )
    with capture_logs() as logs:
        prefs = load_preferences(user_id)
    assert prefs == Preferences(language="en", model="smollm2-135m")
    dropped = {entry["field"] for entry in logs if entry["event"] == "preference_dropped"}
    assert dropped == {"theme", "font_scale", "ollama_host"}
    assert all(entry["log_level"] == "warning" for entry in logs)

    # The next change saves a clean object, so the garbage is gone for good.
    update_preferences(user_id, theme="dark")
    assert _stored(user_id) == {"language": "en", "theme": "dark", "model": "smollm2-135m"}


@pytest.mark.parametrize("stored", [["not", "an", "object"], "text", 7])
def test_stored_non_object_loads_as_defaults(user_id: int, stored: object) -> None:
    _store_raw(user_id, stored)
    assert load_preferences(user_id) == Preferences()


def test_unknown_user_is_a_lookup_error(db: Settings) -> None:
    with pytest.raises(LookupError):
        load_preferences(999_999)
    with pytest.raises(LookupError):
        save_preferences(999_999, Preferences())


def test_apply_to_settings_sets_and_restores_the_ollama_host(db: Settings) -> None:
    configured = get_settings().llm.ollama_host
    apply_to_settings(Preferences(ollama_host="https://ollama.example:443/"))
    assert get_settings().llm.ollama_host == "https://ollama.example:443"
    apply_to_settings(Preferences())  # preference cleared: the configured address again
    assert get_settings().llm.ollama_host == configured


def test_saving_the_form_stores_model_and_host_only_once_chosen(user_id: int) -> None:
    settings = get_settings().llm
    form = {"language": "en", "theme": "dark", "font_scale": 125, "voice_mode": False}
    shown = {"model": settings.default_model, "ollama_host": settings.ollama_host}
    prefs = save_choices(user_id, load_preferences(user_id), **form, **shown)
    assert (prefs.theme, prefs.font_scale) == ("dark", 125)
    # The defaults the form merely showed are not pinned as the person's own choice.
    assert _stored(user_id) == {**form}
    assert effective_model(prefs) == settings.default_model

    prefs = save_choices(
        user_id, prefs, **form, model="smollm2-135m", ollama_host=" http://gpu-box:11434/ "
    )
    assert _stored(user_id) == {
        **form,
        "model": "smollm2-135m",
        "ollama_host": "http://gpu-box:11434",
    }
    # Once chosen, they stay stored even when saved unchanged, and clearing the host
    # goes back to the configured one.
    prefs = save_choices(user_id, prefs, **form, model="smollm2-135m", ollama_host="")
    assert _stored(user_id) == {**form, "model": "smollm2-135m", "ollama_host": None}
    assert prefs.ollama_host is None


def test_saving_the_form_refuses_a_bad_host_and_keeps_the_old_choices(user_id: int) -> None:
    llm = get_settings().llm
    before = update_preferences(user_id, theme="dark")
    with pytest.raises(PreferenceInvalid) as caught:
        save_choices(
            user_id,
            before,
            language="ja",
            theme="light",
            font_scale=100,
            voice_mode=True,
            model=llm.default_model,
            ollama_host="gpu-box:11434",
        )
    assert caught.value.field == "ollama_host"
    assert load_preferences(user_id).theme == "dark"
