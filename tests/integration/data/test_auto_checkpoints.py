"""Auto mode's checkpoints live where the app's data lives: a SQLite file in the state
dir, or the app's PostgreSQL database (LangGraph's PostgresSaver). The run here needs no
model (the always-failing generator drafts from the template), so it is quick on both."""

from __future__ import annotations

import pytest

from support_system.agents import auto
from support_system.agents.auto.service import checkpointer
from support_system.core.settings import get_settings
from tests.helpers.auto_mode import GOAL, AlwaysFailing


@pytest.mark.browser
def test_a_run_is_checkpointed_in_the_apps_own_database(migrated_url: str) -> None:
    config = auto.AutoConfig(
        budget=auto.AutoBudget(steps=2), judge=False, use_examples=False, extract_with_model=False
    )
    run_id = auto.start(GOAL, lang="en", config=config, generator=AlwaysFailing(), background=False)
    status = auto.status(run_id)
    assert status.state == "failed" and status.timeline  # ended within its budget, explained
    saver = checkpointer()
    postgres = migrated_url.startswith("postgresql")
    assert type(saver).__name__ == ("PostgresSaver" if postgres else "SqliteSaver")
    saved = list(saver.list({"configurable": {"thread_id": str(run_id)}}))
    assert saved, "no checkpoint was stored for the run"
    sqlite_file = get_settings().state_dir / "auto" / "checkpoints.sqlite"
    assert sqlite_file.exists() != postgres  # one place only
