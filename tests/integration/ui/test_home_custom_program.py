"""Home → "Make a program for this" → the questions of a program made by example.

No model answers here (a refused server): the request's own words choose the standard
spec, which is what the person then answers; the real model's programs are tested in
tests/integration/jobs/test_custom_programs.py.
"""

from __future__ import annotations

import pytest

from tests.helpers.generate_cli import DEAD_MODEL


@pytest.mark.parametrize(
    ("lang", "request_text"),
    [
        ("en", "a program that tells me how many days until each birthday in my list"),
        ("ja", "名簿の生年月日から年齢を計算するプログラムを作りたい"),
    ],
)
def test_a_program_request_leads_to_the_questions_for_its_examples(
    user_id, extra_models, monkeypatch: pytest.MonkeyPatch, lang: str, request_text: str
) -> None:
    from support_system.core.i18n import t
    from support_system.jobs import wizard
    from tests.helpers.apptest import click, open_app, title

    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__FALLBACK_MODELS", "[]")
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__DEFAULT_MODEL", DEAD_MODEL["name"])
    extra_models([DEAD_MODEL])
    app = open_app(lang)
    [want] = [box for box in app.text_input if box.label == t("ui.home.want_label", lang)]
    want.input(request_text)
    click(app, t("ui.home.want_button", lang))
    assert not app.exception
    [info] = [box.value for box in app.info]
    assert t("intake.home.custom_program", lang) in info
    offered = [b.label for b in app.button if b.key and b.key.startswith("suggest-")]
    assert offered[0] == t("intake.home.make_program", lang)

    click(app, t("intake.home.make_program", lang))
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert title(app).endswith(t("custom_program.fallback.title", lang))  # the questions
    state = wizard.resume(app.session_state["wizard_id"])
    assert state.job.generator == "example-program" and state.job.program is not None
    assert state.question is not None and state.question.id == "source"
