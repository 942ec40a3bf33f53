"""Auto and hybrid mode end to end: the real graph, checkpointer, generators, checks and
(where marked) the embedded model. See support_system/agents/auto/."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from support_system.agents import auto
from support_system.core.settings import PROJECT_ROOT
from tests.helpers.auto_mode import GOAL, AlwaysFailing


def _rows():
    from support_system.data.db import session_scope
    from support_system.data.schema import Execution, FeedbackRecord, Substep

    with session_scope() as s:
        executions = s.scalars(select(Execution).where(Execution.kind == "auto")).all()
        substeps = s.scalars(select(Substep).order_by(Substep.execution_id, Substep.position)).all()
        feedback = s.scalars(select(FeedbackRecord)).all()
        s.expunge_all()
        return list(executions), list(substeps), list(feedback)


def _auto_substeps(run_id: int):
    return [row for row in _rows()[1] if row.execution_id == run_id]


@pytest.mark.model
@pytest.mark.browser
def test_auto_mode_makes_checks_and_publishes_a_profile_page(db) -> None:
    events: list[tuple[str, dict]] = []
    config = auto.AutoConfig(budget=auto.AutoBudget(steps=2), use_examples=False)
    run_id = auto.start(
        GOAL,
        lang="en",
        config=config,
        background=False,
        on_event=lambda event, info: events.append((event, info)),
    )
    status = auto.status(run_id)
    assert status.state == "completed", status.explanation
    assert status.outcome == "done"
    assert status.url and "auto" in status.url
    page = db.state_dir / "sites" / "auto" / f"profile-page-{run_id}" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert "Hanako Yamada" in html and "hanako@example.com" in html
    # The stored plan: the job and the answers, each with where it came from.
    substeps = _auto_substeps(run_id)
    plan = substeps[0]
    assert plan.title.startswith("Plan") and plan.output["job"] == "profile-page"
    assert plan.output["sources"]["name"] == "goal" and plan.output["sources"]["color"] == "decided"
    assert [s.position for s in substeps] == list(range(1, len(substeps) + 1))
    # ≥1 evaluation stored, and the accepted round passed every check.
    _, _, feedback = _rows()
    evaluations = [f for f in feedback if "judge_score" in f.metrics]
    assert evaluations and all(evaluations[-1].metrics["checks"].values())
    assert status.timeline and status.timeline[-1].node == "finish"
    names = [event for event, _ in events]
    assert "step" in names and "pipeline" in names and "done" in names
    assert "passed every check" in status.explanation


@pytest.mark.browser
def test_loop_detection_stops_within_budget_with_an_explanation_and_the_best_artifact(db) -> None:
    config = auto.AutoConfig(
        budget=auto.AutoBudget(steps=6), judge=False, use_examples=False, extract_with_model=False
    )
    run_id = auto.start(GOAL, lang="en", config=config, generator=AlwaysFailing(), background=False)
    status = auto.status(run_id)
    assert status.state == "failed" and status.outcome == "loop"
    rounds = [e for e in status.timeline if e.node == "act"]
    assert 2 <= len(rounds) < 6  # stopped by the loop detector, well within the budget
    adjustments = [e for e in status.timeline if e.node == "adjust"]
    assert adjustments[0].metrics["adjustment"] == "layout" and not adjustments[0].metrics["loop"]
    assert adjustments[-1].metrics["loop"] and adjustments[-1].metrics["adjustment"] == "stop"
    assert "same problem" in status.explanation and "injected" in status.explanation
    assert status.artifact and (Path(status.artifact) / "index.html").is_file()
    assert status.url is None  # nothing that fails its checks is published


@pytest.mark.model
@pytest.mark.browser
def test_hybrid_mode_pauses_after_planning_and_continues_on_approval(db) -> None:
    config = auto.AutoConfig(budget=auto.AutoBudget(steps=1), judge=False, use_examples=False)
    run_id = auto.start(GOAL, lang="en", config=config, pause_at=["after_plan"])
    status = auto.wait(run_id, timeout=120)
    assert status.state == "paused" and status.paused_at == "after_plan"
    assert status.pause["answers"]["name"] == "Hanako Yamada"
    assert [e.node for e in status.timeline] == ["plan"]
    with pytest.raises(auto.service.RunNotPaused):
        auto.resume(run_id)  # a paused run continues by approval, not by resume
    auto.correct(run_id, "layout: card")
    status = auto.wait(run_id, timeout=600)
    assert status.state == "completed", status.explanation
    nodes = [e.node for e in status.timeline]
    assert nodes[:3] == ["plan", "review_plan", "act"] and nodes.count("plan") == 1
    assert "layout" in status.timeline[1].metrics["changed"]
    assert status.url


@pytest.mark.model
@pytest.mark.browser
def test_hybrid_mode_approved_after_planning_and_before_publishing_publishes(db) -> None:
    config = auto.AutoConfig(budget=auto.AutoBudget(steps=1), judge=False, use_examples=False)
    run_id = auto.start(GOAL, lang="en", config=config, pause_at=["after_plan", "before_publish"])
    status = auto.wait(run_id, timeout=120)
    assert status.state == "paused" and status.paused_at == "after_plan"
    auto.approve(run_id)
    status = auto.wait(run_id, timeout=600)
    assert status.state == "paused" and status.paused_at == "before_publish", status.explanation
    assert not status.url  # nothing is published before the person approves
    auto.approve(run_id)
    status = auto.wait(run_id, timeout=120)
    assert status.state == "completed", status.explanation
    nodes = [e.node for e in status.timeline]
    assert nodes.count("review_plan") == 1 and nodes.count("review_publish") == 1
    assert nodes.index("review_publish") < nodes.index("publish")
    assert status.url


@pytest.mark.model
@pytest.mark.browser
def test_killed_run_resumes_from_its_checkpoint_without_redoing_steps(db) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable,
        "-m",
        "support_system",
        "auto",
        "start",
        GOAL,
        "--lang",
        "en",
        "--steps",
        "2",
        "--no-judge",
    ]
    first = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 180
        assert first.stdout is not None
        while time.monotonic() < deadline:
            line = first.stdout.readline()
            if not line:
                break
            seen.append(line)
            if "drafting" in line:  # the plan is done and checkpointed; the model is at work
                first.send_signal(signal.SIGKILL)
                break
    finally:
        first.kill()
        first.wait(30)
    assert any(line.startswith("[1] Plan") for line in seen), seen
    executions, _, _ = _rows()
    run_id = executions[-1].id
    before = _auto_substeps(run_id)
    assert executions[-1].status.value == "running"
    assert [s.title.split(":")[0] for s in before] == ["Plan"]

    second = subprocess.run(
        [sys.executable, "-m", "support_system", "auto", "resume", str(run_id), "--lang", "en"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert second.returncode == 0, second.stdout + second.stderr
    assert "[1] Plan" not in second.stdout  # the plan did not run again
    after = _auto_substeps(run_id)
    assert after[0].id == before[0].id and after[0].ended_at == before[0].ended_at
    assert [s.position for s in after] == list(range(1, len(after) + 1))
    keys = [s.input["key"] for s in after]
    assert len(keys) == len(set(keys)) and sum(k.endswith(":plan") for k in keys) == 1
    executions, _, _ = _rows()
    assert executions[-1].status.value == "completed"
    assert executions[-1].result["answers"] == before[0].output["update"]["answers"]
