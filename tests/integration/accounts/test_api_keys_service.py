"""The settings page's key service: keys are stored encrypted, listed only as hints, and an
empty box is refused with a translated error (real SQLite, no Streamlit)."""

from __future__ import annotations

import pytest

from support_system.accounts.api_keys import forget_key, save_key, stored_keys
from support_system.accounts.errors import APIKeyEmpty
from support_system.accounts.users import local_user_id
from support_system.data import repositories as repo
from support_system.data.db import session_scope

SECRET = "sk-test-0123456789abcdef"


def test_a_saved_key_is_listed_by_hint_and_can_be_forgotten(db) -> None:
    user = local_user_id()
    assert stored_keys(user) == {}
    info = save_key(user, "openai", f"  {SECRET}\n")
    assert info.key_hint == "…cdef"
    listed = stored_keys(user)
    assert list(listed) == ["openai"] and listed["openai"].key_hint == "…cdef"
    assert SECRET not in repr(listed)
    with session_scope() as session:  # the provider gets the trimmed key back
        assert repo.get_api_key(session, user, "openai") == SECRET
    assert forget_key(user, "openai") is True
    assert forget_key(user, "openai") is False
    assert stored_keys(user) == {}


def test_an_empty_key_is_refused_with_a_message_in_both_languages(db) -> None:
    user = local_user_id()
    with pytest.raises(APIKeyEmpty) as caught:
        save_key(user, "anthropic", "   ")
    assert caught.value.message("ja") == "先にキーを入力してください。"
    assert caught.value.message("en") == "Type the key first."
    assert stored_keys(user) == {}


def test_the_local_user_is_created_once(db) -> None:
    assert local_user_id() == local_user_id()
