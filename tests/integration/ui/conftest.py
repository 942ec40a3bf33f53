"""Fixtures for the wizard page tests (all opt-in: nothing here is autouse, so the other
UI tests run exactly as before). Helpers to drive the pages are in apptest_helpers.py.

`ui/pages/` is literally named "pages", so Streamlit treats the app as a legacy
pages-directory app until the first `st.navigation` call of the process, and AppTest
resets that flag before every run: without `navigation_v2`, every page but Home runs
without `ui/app.py` (no language picker, no theme, no preferences). The real server has
the same problem on the first request after a restart; see
`test_wizard_pages.py::test_a_deep_link_right_after_a_restart_still_gets_the_app_around_it`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def navigation_v2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run pages through `ui/app.py` as the real server does once `st.navigation` ran."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def user_id(db, navigation_v2, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """The local user of a fresh, migrated state dir, with pages run through app.py."""
    import streamlit as st

    from support_system.data.db import session_scope
    from support_system.data.repositories import ensure_local_user

    monkeypatch.setenv("SUPPORT_SYSTEM_SITES_PORT", "0")  # the local site server: any free port
    st.cache_resource.clear()  # a site server cached by an earlier test serves its state dir
    with session_scope() as session:
        uid = ensure_local_user(session).id
    yield uid
    st.cache_resource.clear()
