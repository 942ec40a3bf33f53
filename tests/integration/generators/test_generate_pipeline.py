"""The generate → check → repair loop, on the webpage generator and the real model.

The repair tests inject a validator into a real WebpageGenerator (the issue's
"validator injected to fail once"): drafts, pages and every other check stay real.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from support_system.core.settings import PROJECT_ROOT
from support_system.data.schema import ExecutionStatus, UsageStatus
from support_system.generators.base import CheckResult, Draft, GenerationContext
from support_system.generators.pipeline import Budget, run_pipeline
from support_system.generators.webpage.generator import WebpageGenerator, theme_colours
from support_system.jobs.catalogue import get_job

SAMPLES = PROJECT_ROOT / "data" / "samples"

pytestmark = [pytest.mark.model, pytest.mark.browser]


class FailingFirst(WebpageGenerator):
    """Fails an injected check on the first model attempt only; records the feedback."""

    def __init__(self, fail_attempts: int = 1) -> None:
        self.fail_attempts = fail_attempts
        self.feedback_seen: list[list[CheckResult]] = []

    def draft(self, ctx: GenerationContext, out_dir: Path) -> Draft:
        self.feedback_seen.append(list(ctx.feedback))
        return super().draft(ctx, out_dir)

    def check(self, ctx: GenerationContext, draft: Draft) -> list[CheckResult]:
        results = super().check(ctx, draft)
        if draft.models and ctx.attempt <= self.fail_attempts:  # model drafts only
            results.append(
                CheckResult("injected", False, ["the welcome sentence must be friendlier"])
            )
        return results


def _answers(job_id: str, sample: str = "ja") -> dict:
    return dict(get_job(job_id).samples[sample])


def _executions():
    from support_system.data.db import session_scope
    from support_system.data.schema import Execution, FeedbackRecord

    with session_scope() as s:
        executions = s.scalars(select(Execution)).all()
        feedback = s.scalars(select(FeedbackRecord).order_by(FeedbackRecord.id)).all()
        return [(e.status.value, [sub.title for sub in e.substeps]) for e in executions], [
            (f.metrics, f.adjustments) for f in feedback
        ]


def test_repair_loop_feeds_the_failure_back_and_the_second_attempt_passes(
    db, tmp_path: Path
) -> None:
    generator = FailingFirst(fail_attempts=1)
    result = run_pipeline(
        get_job("shop-page"),
        _answers("shop-page"),
        tmp_path / "out",
        lang="ja",
        generator=generator,
        base_dir=SAMPLES,
        budget=Budget(attempts=3),
    )
    assert result.ok, result.failed_checks()
    # Usually [False, True]. A repair is sampled (temperature 0.4), so now and then the
    # small model's answer is cut off at max_tokens and one more attempt is needed: that
    # failure is the model's own, never the injected check again.
    passed = [a.passed for a in result.attempts]
    assert passed[0] is False and passed[-1] is True and len(passed) <= 3, passed
    for attempt in result.attempts[1:-1]:
        assert "injected" not in [c.name for c in attempt.checks if not c.passed]
    n = len(passed)
    assert not result.fallback_used and result.explanation is None
    failed_first = [c.name for c in result.attempts[0].checks if not c.passed]
    assert failed_first == ["injected"]
    # The exact message of the failed check went back to the model on attempt 2.
    assert generator.feedback_seen[0] == []
    assert [m for c in generator.feedback_seen[1] for m in c.messages] == [
        "the welcome sentence must be friendlier"
    ]
    executions, feedback = _executions()
    assert executions == [
        (ExecutionStatus.COMPLETED.value, [f"attempt {i} (model)" for i in range(1, n + 1)])
    ]
    assert feedback[0][0]["checks"]["injected"] is False
    assert feedback[0][1] == ["the welcome sentence must be friendlier"]
    written = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    assert written["ok"] is True and len(written["attempts"]) == n
    # Every model call is counted against the run's owner (here the local user).
    from support_system.accounts.users import local_user_id
    from support_system.data.db import session_scope
    from support_system.data.schema import UsageRecord

    with session_scope() as s:
        users = set(s.scalars(select(UsageRecord.user_id)).all())
        answered = s.scalars(
            select(UsageRecord.model)
            .where(UsageRecord.status == UsageStatus.OK)
            .order_by(UsageRecord.id)
        ).all()
    assert users == {local_user_id()}
    # The default model wrote the first draft. A sampled repair cut off at max_tokens moves on
    # to the next model of the fallback chain, so result.json names exactly the models that
    # answered, as the usage records saw them.
    assert answered[0] == "qwen2.5-coder-0.5b"
    assert written["models"] == sorted(set(answered))
    # Routing chose that model for the page's copy and said why; the first attempt's
    # failure is what it learns from this run.
    routing = written["routing"]
    assert (routing["skill"], routing["model"]) == ("page-copy", answered[0])
    assert routing["decided_by"] == "router" and routing["reasons"]["ja"].endswith("。")
    from support_system.data.schema import RoutingOutcome

    with session_scope() as s:
        live = s.scalars(select(RoutingOutcome).where(RoutingOutcome.source == "live")).all()
        assert [(o.skill, o.model, o.quality) for o in live] == [("page-copy", answered[0], 0.0)]
        assert live[0].execution_id is not None


def test_budget_runs_out_and_the_template_is_delivered_with_an_explanation(
    db, tmp_path: Path
) -> None:
    result = run_pipeline(
        get_job("faq-page"),
        _answers("faq-page", "en"),
        tmp_path / "out",
        lang="en",
        generator=FailingFirst(fail_attempts=99),
        base_dir=SAMPLES,
        budget=Budget(attempts=2),
    )
    assert result.fallback_used
    assert [a.source for a in result.attempts] == ["model", "model", "template"]
    assert result.ok, result.failed_checks()  # the template passes every real check
    assert "2 attempts" in result.explanation and "introduction and closing" in result.explanation
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    for item in _answers("faq-page", "en")["faqs"]:
        assert item["question"] in page
    executions, _ = _executions()
    assert executions[0][1][-1] == "attempt 3 (template)"


def test_a_dead_model_server_gives_the_template_and_says_why(
    db, extra_models, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__FALLBACK_MODELS", "[]")  # no embedded rescue
    extra_models(
        [
            {
                "name": "dead-ollama",
                "provider": "ollama",
                "model_id": "qwen2.5:0.5b",
                "base_url": "http://127.0.0.1:9",
                "context_length": 2048,
            }
        ]
    )
    result = run_pipeline(
        get_job("profile-page"),
        _answers("profile-page"),
        tmp_path / "out",
        lang="ja",
        model="dead-ollama",
        base_dir=SAMPLES,
    )
    assert result.ok and result.fallback_used
    assert result.attempts[0].error and "dead-ollama" in result.attempts[0].error
    assert "dead-ollama" in result.explanation


def test_theme_colour_is_adjusted_to_pass_contrast() -> None:
    pale = theme_colours("#ffff99")
    assert pale["header_fg"] == "#000000"
    dark = theme_colours("#1a237e")
    assert dark["header_fg"] == "#ffffff"
    assert pale["link"] != "#ffff99"  # pale yellow links on white would be unreadable
