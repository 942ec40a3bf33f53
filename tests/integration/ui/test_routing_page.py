"""The Routing page and the "faster ↔ better" slider on Settings, headless (AppTest).

The browser test (tests/e2e/test_routing_keyboard.py) covers keyboard use and axe; this
one checks what the page says, fast: the figures' tables, the weights, an empty database.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from support_system.accounts.preferences import load_preferences
from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.data.db import session_scope
from support_system.data.schema import RoutingCluster, RoutingOutcome, RoutingStat
from support_system.routing.overview import routing_overview, skill_rows
from support_system.routing.reasons import skill_name
from tests.helpers.apptest import button, open_app, rerun, shown_text


def _tables(app) -> list:  # noqa: ANN001 - an AppTest
    return [table.value for table in app.table]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_page_shows_the_weights_and_each_models_figures(user_id: int, lang: str) -> None:
    app = open_app(lang, "routing")
    assert app.title[0].value == t("ui.routing.title", lang)
    weights, summary, *clusters, skill_table = _tables(app)
    assert list(weights.index) == [
        t("ui.routing.alpha_rows.person", lang),
        t("ui.routing.alpha_rows.installation", lang),
        t("ui.routing.alpha_rows.in_use", lang),
    ]
    default = f"{get_settings().routing.alpha:.1f}"
    assert list(weights.iloc[:, 0]) == [t("ui.routing.alpha_unset", lang), default, default]

    # The seeded figures: each kind of task, translated, with both models by short name.
    assert summary.index.name == t("ui.routing.columns.skill", lang)
    assert t("routing.skill.data-question", lang) in set(summary.index)
    assert set(summary[t("ui.routing.columns.model", lang)]) == {"0.5B", "1.5B"}
    assert set(summary[t("ui.routing.columns.chosen", lang)]) == {0}
    # Then one table per kind of task that has figures, under its name.
    skills = routing_overview().skills
    assert len(clusters) == len(skills) > 1
    assert [s.value for s in app.subheader] == [skill_name(skill, lang) for skill in skills]
    assert all(table.index.name == t("ui.routing.columns.cluster", lang) for table in clusters)
    # Last, every skill of config/skills.yaml with its settings, in words.
    rows = skill_rows()
    assert list(skill_table.index) == [skill_name(row.skill, lang) for row in rows]
    page_copy = skill_table.loc[skill_name("page-copy", lang)]
    assert page_copy[t("ui.routing.columns.job_kinds", lang)] == t("ui.routing.kind.webpage", lang)
    assert page_copy[t("ui.routing.columns.category", lang)] == t(
        "ui.routing.category.writing", lang
    )
    assert page_copy[t("ui.routing.columns.preferred", lang)] == t(
        "ui.routing.router_decides", lang
    )


def test_an_empty_database_shows_a_note(user_id: int) -> None:
    with session_scope() as session:
        for table in (RoutingStat, RoutingOutcome, RoutingCluster):
            session.execute(delete(table))
    app = open_app("en", "routing")
    assert [info.value for info in app.info] == [t("ui.routing.empty", "en")]
    assert len(app.table) == 2  # only the weights and the skills


def test_the_slider_is_saved_and_shown_on_the_routing_page(user_id: int) -> None:
    app = open_app("en", "settings")
    [slider] = [s for s in app.slider if s.label == t("ui.settings.alpha", "en")]
    assert slider.value == pytest.approx(get_settings().routing.alpha)
    shown = t("ui.settings.alpha_help", "en", alpha=f"{get_settings().routing.alpha:.1f}")
    assert shown in shown_text(app)

    slider.set_value(0.9)
    button(app, t("ui.settings.save", "en")).click()
    rerun(app)
    assert load_preferences(user_id).routing_alpha == 0.9

    app = open_app("en", "routing")
    weights = _tables(app)[0]
    assert list(weights.iloc[:, 0]) == ["0.9", f"{get_settings().routing.alpha:.1f}", "0.9"]
