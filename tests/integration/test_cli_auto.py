"""`auto …`: one subcommand per action, each with only its own options (no model runs)."""

from __future__ import annotations

from typer.testing import CliRunner

from support_system.cli import app


def test_auto_has_a_subcommand_per_action() -> None:
    result = CliRunner().invoke(app, ["auto", "--help"])
    assert result.exit_code == 0
    for name in ("start", "resume", "approve", "correct", "cancel"):
        assert name in result.output
    correct = CliRunner().invoke(app, ["auto", "correct", "--help"])
    assert "CORRECTION" in correct.output and "--steps" not in correct.output


def test_start_needs_a_goal(settings) -> None:
    result = CliRunner().invoke(app, ["auto", "start", "--lang", "en"])
    assert result.exit_code == 2 and "GOAL" in result.output


def test_start_refuses_an_unknown_pause_or_budget_before_anything_runs(settings) -> None:
    pause = CliRunner().invoke(app, ["auto", "start", "A page", "--pause-at", "lunch"])
    assert pause.exit_code == 2 and "unknown checkpoints ['lunch']" in pause.stderr
    budget = CliRunner().invoke(app, ["auto", "start", "A page", "--steps", "0"])
    assert budget.exit_code == 2 and "greater than or equal to 1" in budget.stderr


def test_an_unknown_run_is_reported_for_every_action(db) -> None:
    for action in (["resume"], ["approve"], ["correct", "layout: card"], ["cancel"]):
        args = ["auto", action[0], "999", *action[1:], "--lang", "en"]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, (action, result.output)
        assert "There is no auto run with that number" in result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)
