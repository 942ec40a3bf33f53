"""Preview's change form and version list headless (AppTest), on real generated pages.

Generation runs for real with its checks; the model is a registry entry nobody serves
(the tested template is delivered), since what is tested here is the page: asking for a
section's text, making the next version, and going back to the first one.
"""

from __future__ import annotations

import pytest

from support_system.core.i18n import t
from support_system.generators.pipeline import Budget
from support_system.generators.runs import current_run, start_generation
from support_system.jobs import wizard, workspace
from support_system.jobs.catalogue import get_job
from support_system.jobs.definitions import CHANGES_KEY
from tests.helpers.apptest import click, open_app, rerun, shown_text
from tests.helpers.generate_cli import DEAD_MODEL

SHOP = get_job("shop-page")


@pytest.fixture
def no_model(extra_models, monkeypatch: pytest.MonkeyPatch) -> None:
    extra_models([DEAD_MODEL])
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__DEFAULT_MODEL", DEAD_MODEL["name"])
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__FALLBACK_MODELS", "[]")
    monkeypatch.setenv("SUPPORT_SYSTEM_ROUTING__ENABLED", "false")  # no installed model either


def _finish(session_id: int) -> None:
    run = current_run(session_id)
    assert run is not None and run.wait(180), "generation did not finish"


def test_a_section_asked_for_on_preview_makes_a_new_version_and_undo_brings_back_the_first(
    user_id, no_model
) -> None:
    lang = "ja"
    _, session_id = workspace.create_project(user_id, "shop-page", lang)
    for question_id, value in SHOP.samples[lang].items():
        wizard.answer(session_id, question_id, value, lang)
    first = start_generation(session_id, lang=lang, budget=Budget(attempts=0))
    assert first.wait(180)

    app = open_app(lang, "preview", session_id=session_id)
    assert t("changes.undo", lang) not in [b.label for b in app.button]  # one version only
    [field] = [f for f in app.text_input if f.label == t("changes.field", lang)]
    field.set_value("駐車場について欄を追加")
    click(app, t("changes.submit", lang))
    [area] = [
        a for a in app.text_area if a.label == t("changes.section_field", lang, heading="駐車場")
    ]
    assert CHANGES_KEY not in wizard.resume(session_id).answers  # nothing saved yet
    area.set_value("店の裏に2台とめられます。")
    click(app, t("changes.section_submit", lang))
    _finish(session_id)
    app = rerun(app)

    latest = workspace.latest_artifact(session_id)
    assert latest is not None and latest.version == 2
    page = (latest.path / "index.html").read_text(encoding="utf-8")
    assert "駐車場" in page and "店の裏に2台とめられます。" in page
    text = shown_text(app)
    assert t("changes.versions_heading", lang) in text
    assert t("changes.version_change", lang, change="駐車場") in text

    click(app, t("changes.undo", lang))
    assert t("changes.restored", lang, version=1, new=3) in [i.value for i in app.info]
    latest = workspace.latest_artifact(session_id)
    assert latest is not None and latest.version == 3
    assert "店の裏に2台" not in (latest.path / "index.html").read_text(encoding="utf-8")
    assert CHANGES_KEY not in wizard.resume(session_id).answers
