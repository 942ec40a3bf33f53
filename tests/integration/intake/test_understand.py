"""Request understanding with the real e5 model and the real embedded models.

One state dir for the module: e5 and the examples' vectors load once, and the model
worker starts once. The requests below are worded afresh (none is in the labelled set),
one or more per kind of route, in both languages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support_system.core.settings import Settings, get_settings
from support_system.intake import answers_for, start_job, understand
from support_system.intake.labelled import load_requests
from support_system.jobs import wizard
from tests.conftest import TEST_MODEL_DIR


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A migrated state dir shared by the module, the response cache off."""
    from support_system.data.db import reset_engine_cache
    from support_system.data.migrate import upgrade

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SUPPORT_SYSTEM_STATE_DIR", str(tmp_path_factory.mktemp("intake") / "state"))
        patch.setenv("SUPPORT_SYSTEM_MODEL_DIR", str(TEST_MODEL_DIR))
        patch.setenv("SUPPORT_SYSTEM_LLM__CACHE_ENABLED", "false")
        patch.delenv("SUPPORT_SYSTEM_DATABASE_URL", raising=False)
        get_settings.cache_clear()
        reset_engine_cache()
        upgrade()
        yield get_settings()
        reset_engine_cache()
    get_settings.cache_clear()


@pytest.mark.model
@pytest.mark.parametrize(
    ("request_text", "lang", "route"),
    [
        ("パン屋のホームページを作りたい", "ja", "shop-page"),
        ("a page announcing our street party on 3 August", "en", "event-page"),
        ("喫茶店のメニューをのせたページがほしい", "ja", "menu-page"),
        ("my wedding invitation as a web page", "en", "invitation-page"),
        ("売上の表を店ごとに合計したい", "ja", "csv-summary"),
        ("remove the duplicate rows from my customer list", "en", "dedupe-rows"),
        ("a page to find a new home for our rescue rabbits", "en", "custom-page"),
        ("うちの子の成長記録をまとめたページ", "ja", "custom-page"),
        ("誕生日まであと何日かを名簿から計算するプログラム", "ja", "custom-program"),
        ("which customer ordered the most last year?", "en", "data-question"),
        ("スマホで遊べるゲームを作って", "ja", "not-possible"),
        ("what's the weather like in Tokyo today", "en", "not-possible"),
        ("break into my neighbour's Wi-Fi", "en", "declined"),
        ("隣の家のWi-Fiのパスワードを破りたい", "ja", "declined"),
    ],
)
def test_requests_take_the_right_route(state, request_text: str, lang: str, route: str) -> None:
    found = understand(request_text, lang)
    assert found.route == route, found.as_dict()
    assert (found.job_id == route) is (found.job_id is not None)
    assert found.reason.ja and found.reason.en
    assert 0.0 <= found.confidence <= 1.0


def test_a_harmful_request_is_declined_politely_without_a_model(state) -> None:
    found = understand("break into my neighbour's Wi-Fi", "en")
    assert (found.route, found.job_id, found.decided_by) == ("declined", None, "rules")
    assert found.closest_jobs == [] and found.model is None
    assert "can't help" in found.reason.en and "申し訳" in found.reason.ja


def test_an_attached_table_makes_a_short_question_a_data_question(state) -> None:
    found = understand("このファイルの平均は？", "ja", has_files=True, use_model=False)
    assert found.route == "data-question" and found.job_id is None


def test_held_out_requests_are_never_the_classifiers_examples(state) -> None:
    from support_system.intake.service import classifier

    example_ids = {example.id for example in classifier().examples}
    requests = load_requests()
    assert example_ids.isdisjoint(r.id for r in requests if r.split == "heldout")
    tune = {r.id for r in requests if r.split == "tune"}
    assert tune <= example_ids  # every tune request is an example (all their jobs exist)
    assert any(i.startswith("job:shop-page:") for i in example_ids)  # and the jobs' own texts


def test_a_generic_request_states_no_answers_and_asks_no_model(state) -> None:
    stated = answers_for("shop-page", "パン屋のホームページを作りたい", "ja")
    assert stated.answers == {} and stated.asked is False and stated.error is None


@pytest.mark.model
def test_starting_a_job_fills_in_only_what_the_request_says(state) -> None:
    from support_system.data import repositories as repo
    from support_system.data.db import session_scope

    with session_scope() as session:
        user_id = repo.ensure_local_user(session).id
    request = "could you make a page for Sunflower Bakery"
    found = understand(request, "en")
    assert found.job_id == "shop-page"
    started = start_job(user_id, found.job_id, request, "en")
    assert started.error is None
    assert started.filled.get("name") == "Sunflower Bakery"
    for value in started.filled.values():  # grounded: nothing the person did not write
        assert value.casefold() in request.casefold()
    state_now = wizard.resume(started.session_id)
    assert state_now.job_id == "shop-page" and state_now.answers == started.filled
    assert state_now.question is not None and state_now.question.id not in started.filled


def test_a_made_to_measure_page_request_opens_a_planned_page(state, monkeypatch) -> None:
    """Home's custom-page route hands the request to the page planner (its standard plan
    here: an unknown planner model fails fast, and the plan is the planner's own test)."""
    from support_system.data import repositories as repo
    from support_system.data.db import session_scope
    from support_system.jobs.page_planner import start_custom_page
    from support_system.jobs.page_plans import is_custom

    found = understand("a page to find a new home for our rescue rabbits", "en")
    assert found.route == "custom-page" and found.closest_jobs
    with session_scope() as session:
        user_id = repo.ensure_local_user(session).id
    monkeypatch.setenv("SUPPORT_SYSTEM_CUSTOM_PAGES__PLANNER_MODEL", "no-such-model")
    get_settings.cache_clear()
    try:
        planned, session_id = start_custom_page(found.request, "en", user_id)
    finally:
        monkeypatch.delenv("SUPPORT_SYSTEM_CUSTOM_PAGES__PLANNER_MODEL")
        get_settings.cache_clear()
    assert is_custom(planned.job.id) and wizard.resume(session_id).job_id == planned.job.id


def test_the_state_dir_keeps_the_examples_vectors(state) -> None:
    files = list(Path(state.state_dir, "intake").glob("*.npz"))
    assert files, "the examples' vectors were not cached"


def test_the_command_line_shows_the_route_as_json(state) -> None:
    import json

    from tests.helpers.cli import run_cli

    result = run_cli(
        "understand", "何月が一番売れた？", "--json", "--no-model", "--lang", "ja",
        env={"SUPPORT_SYSTEM_STATE_DIR": str(state.state_dir)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    shown = json.loads(result.stdout)
    assert shown["route"] == "data-question" and shown["job_id"] is None
    assert shown["reason"]["ja"].startswith("表についての質問")
