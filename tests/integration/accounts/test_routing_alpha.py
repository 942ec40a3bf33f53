"""A person's "faster ↔ better" weight (`Preferences.routing_alpha`): stored, refused when
out of range, and saved from the Settings form only once it differs from the default."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from structlog.testing import capture_logs

from support_system.accounts.errors import PreferenceInvalid
from support_system.accounts.preferences import (
    Preferences,
    effective_alpha,
    load_preferences,
    save_choices,
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


def _stored(user_id: int) -> object:
    with session_scope() as session:
        return session.get(User, user_id).preferences


def _form() -> dict[str, object]:
    """The Settings form as shown to someone who never chose a model or host."""
    llm = get_settings().llm
    return {
        "language": "en",
        "theme": "light",
        "font_scale": 100,
        "voice_mode": False,
        "model": llm.default_model,
        "ollama_host": llm.ollama_host,
    }


def test_unset_means_the_installation_default(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Preferences().routing_alpha is None
    assert effective_alpha(Preferences()) == settings.routing.alpha
    monkeypatch.setenv("SUPPORT_SYSTEM_ROUTING__ALPHA", "0.3")
    get_settings.cache_clear()
    assert effective_alpha(Preferences()) == 0.3
    assert effective_alpha(Preferences(routing_alpha=0.9)) == 0.9


@pytest.mark.parametrize("alpha", [0.0, 0.8, 1.0])
def test_round_trip(user_id: int, alpha: float) -> None:
    update_preferences(user_id, theme="dark")
    prefs = update_preferences(user_id, routing_alpha=alpha)
    assert _stored(user_id) == {"theme": "dark", "routing_alpha": alpha}
    assert load_preferences(user_id) == prefs
    assert effective_alpha(load_preferences(user_id)) == alpha
    # Cleared: the installation's default again.
    update_preferences(user_id, routing_alpha=None)
    assert effective_alpha(load_preferences(user_id)) == get_settings().routing.alpha


def test_a_slider_step_is_stored_as_written(user_id: int) -> None:
    update_preferences(user_id, routing_alpha=0.1 * 7)  # 0.7000000000000001
    assert _stored(user_id) == {"routing_alpha": 0.7}


@pytest.mark.parametrize("value", [1.5, -0.1, float("nan"), float("inf"), True, "fast"])
def test_out_of_range_is_refused_in_both_languages(user_id: int, value: object) -> None:
    update_preferences(user_id, routing_alpha=0.4)
    with pytest.raises(PreferenceInvalid) as caught:
        update_preferences(user_id, theme="dark", routing_alpha=value)
    error = caught.value
    assert error.field == "routing_alpha" and error.detail.startswith("routing_alpha:")
    ja, en = error.message("ja"), error.message("en")
    assert "「routing_alpha」" in ja and "保存できませんでした" in ja
    assert '"routing_alpha"' in en and "not saved" in en
    assert _stored(user_id) == {"routing_alpha": 0.4}  # nothing of the change was saved


def test_a_bad_stored_value_is_dropped_not_fatal(user_id: int) -> None:
    with session_scope() as session:
        session.execute(
            update(User)
            .where(User.id == user_id)
            .values(preferences={"routing_alpha": 7, "theme": "dark"})
        )
    with capture_logs() as logs:
        prefs = load_preferences(user_id)
    assert prefs == Preferences(theme="dark")
    assert [e["field"] for e in logs if e["event"] == "preference_dropped"] == ["routing_alpha"]


def test_the_form_stores_the_weight_only_once_moved(user_id: int) -> None:
    default = get_settings().routing.alpha
    # Saved at the default it shows: not pinned as the person's own choice.
    prefs = save_choices(user_id, load_preferences(user_id), **_form(), routing_alpha=default)
    assert "routing_alpha" not in _stored(user_id)
    assert prefs.routing_alpha is None and effective_alpha(prefs) == default

    # Moved: stored. Moved back to the default: still theirs (they chose it).
    prefs = save_choices(user_id, prefs, **_form(), routing_alpha=0.2)
    assert _stored(user_id)["routing_alpha"] == 0.2
    prefs = save_choices(user_id, prefs, **_form(), routing_alpha=default)
    assert _stored(user_id)["routing_alpha"] == default
    assert effective_alpha(prefs) == default

    # A form without the slider leaves the weight alone.
    prefs = save_choices(user_id, prefs, **{**_form(), "theme": "dark"})
    assert (prefs.theme, prefs.routing_alpha) == ("dark", default)


def test_the_form_refuses_a_weight_out_of_range(user_id: int) -> None:
    with pytest.raises(PreferenceInvalid) as caught:
        save_choices(user_id, load_preferences(user_id), **_form(), routing_alpha=1.2)
    assert caught.value.field == "routing_alpha"
    assert _stored(user_id) == {}
