"""Preview after a restart cut a generation off: the page says so and offers to make it."""

from __future__ import annotations

import pytest

from support_system.core.i18n import t
from support_system.data.db import session_scope
from support_system.data.repositories import start_execution
from support_system.data.schema import utcnow
from support_system.generators import runs
from support_system.jobs import workspace
from tests.helpers.apptest import open_app


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_preview_explains_an_interrupted_run(user_id, lang, monkeypatch) -> None:
    _, session_id = workspace.create_project(user_id, "shop-page", lang)
    with session_scope() as session:
        start_execution(session, kind="generate:webpage", goal="shop-page", session_id=session_id)
    monkeypatch.setattr(runs, "_RUNS", {})  # runs of earlier tests (other databases, same ids)
    monkeypatch.setattr(runs, "PROCESS_STARTED", utcnow())
    runs.recover_interrupted()
    app = open_app(lang, "preview", session_id=session_id)
    assert [w.value for w in app.warning] == [t("ui.preview.interrupted", lang)]
    assert t("ui.preview.nothing_yet", lang) in [i.value for i in app.info]
