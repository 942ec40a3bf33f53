"""Custom programs as stored jobs, without a model: the standard spec when no model
answers, the wizard on a planned program, and a run that cannot even reach a model.

The model-written programs themselves are in test_custom_programs.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from support_system.cli import app
from support_system.generators.pipeline import Budget, run_pipeline
from support_system.jobs import wizard
from support_system.jobs.catalogue import get_job, get_job_for
from support_system.jobs.custom_jobs import load_custom_job
from support_system.jobs.program_planner import start_custom_program
from tests.helpers.generate_cli import DEAD_MODEL


@pytest.fixture
def no_model(db, extra_models, monkeypatch: pytest.MonkeyPatch):
    """Every model call goes to a server that refuses at once (no fallbacks, and no
    routing, which would pick an installed model)."""
    monkeypatch.setenv("SUPPORT_SYSTEM_ROUTING__ENABLED", "false")
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__FALLBACK_MODELS", "[]")
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__DEFAULT_MODEL", DEAD_MODEL["name"])
    monkeypatch.setenv("SUPPORT_SYSTEM_CUSTOM_PROGRAMS__MODELS", "[]")
    return extra_models([DEAD_MODEL])


def _local_user() -> int:
    from support_system.data import repositories as repo
    from support_system.data.db import session_scope

    with session_scope() as session:
        return repo.ensure_local_user(session).id


def test_without_a_model_the_request_words_choose_a_standard_spec_and_the_wizard_opens(
    no_model,
) -> None:
    user_id = _local_user()
    planned, session_id = start_custom_program("売上の CSV を店ごとに合計したい", "ja", user_id)
    assert planned.model is None  # nobody planned it: the standard spec
    assert (planned.spec.input, planned.spec.output) == ("table", "table")
    load_custom_job.cache_clear()
    job = get_job(planned.job.id)
    assert job == planned.job and job.generator == "example-program"
    assert get_job_for(job.id, user_id) == job
    state = wizard.resume(session_id)
    assert state.job.id == job.id
    assert state.question is not None and state.question.id == "source"


def test_when_no_model_can_write_the_function_nothing_is_delivered(
    no_model, tmp_path: Path
) -> None:
    user_id = _local_user()
    planned, _ = start_custom_program("make the text upper case", "en", user_id)
    answers = {"source": "hi", "example1_input": "abc", "example1_output": "ABC"}
    result = run_pipeline(
        planned.job, answers, tmp_path / "out", lang="en", budget=Budget(attempts=2)
    )
    assert not result.ok and result.main_file is None and not result.fallback_used
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["result.json"]
    assert result.explanation and result.explanation.startswith("No program was made, because")


def test_the_cli_prints_a_planned_programs_questions(no_model) -> None:
    printed = CliRunner().invoke(  # no --kind: the request is understood as a program
        app, ["generate", "--request", "count the lines of every file in a folder", "--plan",
              "--lang", "en"],
    )  # fmt: skip
    assert printed.exit_code == 0, printed.output
    plan = yaml.safe_load(printed.stdout)
    assert plan["program"] == {"input": "folder", "output": "table"}
    assert [(q["id"], q["type"]) for q in plan["questions"]][:3] == [
        ("source", "text"), ("example1_input", "records"), ("example1_output", "long_text"),
    ]  # fmt: skip
    assert "standard plan" in printed.stderr
    wrong = CliRunner().invoke(app, ["generate", "--request", "x", "--plan", "--kind", "poem"])
    assert wrong.exit_code == 2


def test_pages_share_the_planning_and_get_their_standard_plan_without_a_model(
    no_model, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page planner asks through the same `jobs.planning` as the program planner."""
    from support_system.core.settings import get_settings
    from support_system.jobs.page_planner import plan_custom_page

    monkeypatch.setenv("SUPPORT_SYSTEM_CUSTOM_PAGES__PLANNER_MODEL", DEAD_MODEL["name"])
    get_settings.cache_clear()
    planned = plan_custom_page("a page for our choir", "en", user_id=_local_user())
    assert planned.model is None
    assert [s.kind for s in planned.plan.sections] == ["text", "contact"]
