"""The Auto mode page headless (AppTest): start a hybrid run that waits after planning,
see the plan, approve it to the end (one round, real 0.5B model), and cancel another
paused run. Runs use cheap settings: the service's default AutoConfig is swapped.
"""

from __future__ import annotations

import pytest

from support_system.agents import auto
from support_system.agents.auto import service
from support_system.core.i18n import t
from tests.helpers.apptest import click, open_app, rerun, shown_text, title
from tests.helpers.auto_mode import GOAL


@pytest.fixture
def cheap_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        service,
        "AutoConfig",
        lambda: auto.AutoConfig(
            budget=auto.AutoBudget(steps=1),
            judge=False,
            use_examples=False,
            extract_with_model=False,
        ),
    )


def _start(app, goal: str) -> int:  # noqa: ANN001
    app.text_area(key="auto-goal").input(goal)
    app.checkbox(key="auto-pause-plan").check()
    click(app, t("ui.auto.start", "en"))
    run_id = app.session_state["auto_run"]
    assert str(run_id) in app.query_params["run"]
    status = auto.wait(run_id, timeout=120)
    assert status.state == "paused" and status.paused_at == "after_plan", status.explanation
    rerun(app)
    return run_id


@pytest.mark.model
@pytest.mark.browser
def test_auto_page_pauses_after_planning_approves_to_the_end_and_cancels(
    user_id, cheap_runs
) -> None:
    en = "en"
    app = open_app(en, "auto")
    assert title(app) == t("ui.auto.title", en)

    run_id = _start(app, GOAL)
    text = shown_text(app)
    assert t("ui.auto.states.paused", en) in text
    assert t("ui.auto.waiting_plan", en) in text and "Hanako Yamada" in text
    assert "1. Plan" in text  # the timeline's first substep
    click(app, t("ui.auto.approve", en))
    status = auto.wait(run_id, timeout=600)
    assert status.state == "completed", status.explanation
    rerun(app)
    text = shown_text(app)
    assert t("ui.auto.states.completed", en) in text and status.explanation in text
    for entry in status.timeline:
        assert f"{entry.position}. {entry.title}" in text
    links = app.get("link_button")
    assert links and links[0].proto.url == status.url

    second = _start(app, GOAL)
    assert second != run_id
    click(app, t("ui.auto.cancel", en))
    status = auto.status(second)
    assert status.outcome == "cancelled" and status.state == "failed"
    assert t("ui.auto.states.cancelled", en) in shown_text(app)
    # Both runs are listed; the first one reopens.
    recent = app.selectbox(key="auto-recent")
    assert len(recent.options) == 2
    recent.set_value(run_id)
    click(app, t("ui.auto.open", en))
    assert app.session_state["auto_run"] == run_id
    assert t("ui.auto.run_heading", en, run=run_id) in shown_text(app)
