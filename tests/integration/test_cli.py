"""The command line, run as a user would: a real subprocess, real model, real database."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from support_system.core.settings import PROJECT_ROOT
from tests.helpers.cli import run_cli


@pytest.mark.model
def test_models_test_prints_a_real_generation_and_tokens_per_second(settings) -> None:
    done = run_cli("models", "test", "qwen2.5-coder-0.5b", "--max-tokens", "24", "--lang", "en")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    match = re.search(r"(\d+) tokens in ([\d.]+) s \(([\d.]+) tokens/s\)", done.stdout)
    assert match, done.stdout
    tokens, rate = int(match.group(1)), float(match.group(3))
    assert tokens > 3 and rate > 0  # a figure is printed; speed targets live in bench/
    assert lines[0].strip(), "no generated text before the figures"
    assert "model: qwen2.5-coder-0.5b" in done.stdout
    # Logs go to the state dir's app.log as JSON, never between the command's own lines.
    log = (settings.state_dir / "logs" / "app.log").read_text(encoding="utf-8")
    events = [json.loads(line)["event"] for line in log.splitlines()]
    assert events and '"event"' not in done.stdout + done.stderr


def test_models_list_shows_every_registry_entry_with_status(settings) -> None:
    done = run_cli(
        "models",
        "list",
        "--lang",
        "en",
        env={"SUPPORT_SYSTEM_LLM__OLLAMA_HOST": "http://127.0.0.1:9"},
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"^\* qwen2.5-coder-0.5b\s+embedded\s+", done.stdout, re.M)
    assert "Start the server at http://127.0.0.1:9" in done.stdout  # dead Ollama host: fix shown
    assert "Add an API key for openai in Settings" in done.stdout


def test_unknown_model_fails_clearly(settings) -> None:
    done = run_cli("models", "test", "gpt-99", "--lang", "ja")
    assert done.returncode == 2
    assert "gpt-99" in done.stderr and "モデル" in done.stderr
    assert "Traceback" not in done.stderr


def test_generate_refuses_an_unknown_job_and_incomplete_answers(settings, tmp_path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("name: Hanako\n", encoding="utf-8")
    args = ["--answers", str(answers), "--out", str(tmp_path / "out"), "--lang", "en"]
    unknown = run_cli("generate", "--job", "no-such-job", *args)
    assert unknown.returncode == 2
    assert 'Unknown job "no-such-job"' in unknown.stderr
    incomplete = run_cli("generate", "--job", "shop-page", *args)
    assert incomplete.returncode == 2 and "Traceback" not in incomplete.stderr
    assert "address" in incomplete.stderr  # names the first unanswered question
    assert not (tmp_path / "out").exists()  # nothing half-made


def test_a_command_on_a_new_state_dir_creates_the_database_first(settings, extra_models) -> None:
    """Before, `generate --request … --plan` on a machine where the app never started
    ended in a traceback ("no such table: users"). No model answers here (a dead Ollama
    address): the request's own words choose the standard plan, stored in a database
    the command created."""
    import yaml

    from tests.helpers.generate_cli import DEAD_MODEL

    extra_models([DEAD_MODEL])
    database = settings.state_dir / "support_system.db"
    assert not database.exists()
    planned = run_cli(
        "generate", "--request", "count the words in my notes", "--plan", "--kind", "program",
        "--model", DEAD_MODEL["name"], "--lang", "en",
    )  # fmt: skip
    assert planned.returncode == 0, planned.stderr
    assert "Traceback" not in planned.stderr
    assert yaml.safe_load(planned.stdout)["job"].startswith("custom-")
    assert database.is_file()


def test_db_upgrade_is_idempotent(settings) -> None:
    first, second = (
        run_cli("db", "upgrade", "--lang", "en"),
        run_cli("db", "upgrade", "--lang", "en"),
    )
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "Database is up to date" in second.stdout
    assert (settings.state_dir / "support_system.db").is_file()
    # A new database also gets routing's starting figures, once (the Routing page and the
    # first choice have them).
    from support_system.data.db import reset_engine_cache, session_scope
    from support_system.data.repositories import routing as records

    reset_engine_cache()
    lines = (PROJECT_ROOT / "data" / "routing" / "outcomes.jsonl").read_text(encoding="utf-8")
    with session_scope() as session:
        assert records.outcome_count(session, "seed") == len(lines.splitlines())
    reset_engine_cache()


@pytest.mark.model
def test_chat_streams_an_answer_with_no_network_at_all(settings) -> None:
    """Runs in a network namespace with no interfaces up: the embedded path needs none."""
    if not shutil.which("unshare") or subprocess.run(["unshare", "-n", "true"]).returncode != 0:
        pytest.fail("unshare -n is needed to prove offline operation (util-linux, root)")
    assert run_cli("db", "upgrade").returncode == 0
    done = run_cli(
        "chat",
        "Say hello in one short sentence.",
        "--max-tokens",
        "24",
        "--lang",
        "en",
        prefix=["unshare", "-n"],
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
