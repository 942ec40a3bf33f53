"""Fixtures for the wizard page tests (all opt-in: nothing here is autouse, so the other
UI tests run exactly as before). Helpers to drive the pages are in tests/helpers/apptest.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def user_id(db, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """The local user of a fresh, migrated state dir."""
    import streamlit as st

    from support_system.data.db import session_scope
    from support_system.data.repositories import ensure_local_user

    monkeypatch.setenv("SUPPORT_SYSTEM_SITES_PORT", "0")  # the local site server: any free port
    st.cache_resource.clear()  # a site server cached by an earlier test serves its state dir
    with session_scope() as session:
        uid = ensure_local_user(session).id
    yield uid
    st.cache_resource.clear()
