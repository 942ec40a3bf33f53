"""A preview is read back from a generated folder (template path: no model needed)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from support_system.core.settings import PROJECT_ROOT
from support_system.generators.base import CheckResult, GenerationContext
from support_system.generators.pipeline import Budget, run_pipeline
from support_system.generators.webpage.generator import WebpageGenerator
from support_system.jobs.catalogue import get_job
from support_system.publishing.preview import load_preview


class TemplateOnly(WebpageGenerator):
    """Skips the model (its draft always fails a check) so the test needs no model."""

    def draft(self, ctx: GenerationContext, out_dir: Path):
        draft = self.fallback(ctx, out_dir)
        draft.models = ["none"]
        return draft

    def check(self, ctx, draft) -> list[CheckResult]:
        results = super().check(ctx, draft)
        if draft.models:
            results.append(CheckResult("injected", False, ["model drafts are refused here"]))
        return results


@pytest.mark.browser
def test_preview_reads_the_artifact_and_its_checks(db, tmp_path: Path) -> None:
    job = get_job("faq-page")
    result = run_pipeline(
        job,
        dict(job.samples["ja"]),
        tmp_path / "out",
        lang="ja",
        generator=TemplateOnly(),
        budget=Budget(attempts=1),
        base_dir=PROJECT_ROOT / "data" / "samples",
    )
    preview = load_preview(tmp_path / "out")
    assert preview.ok == result.ok is True
    assert preview.explanation and "テンプレート" in preview.explanation
    assert {c["name"] for c in preview.checks} >= {"vnu", "axe", "facts"}
    html = base64.b64decode(preview.data_url().split(",", 1)[1]).decode("utf-8")
    assert job.samples["ja"]["title"] in html


def test_a_tampered_result_cannot_point_outside(tmp_path: Path) -> None:
    (tmp_path / "result.json").write_text(
        json.dumps({"job": "faq-page", "ok": True, "main_file": "../../etc/passwd"}),
        encoding="utf-8",
    )
    assert load_preview(tmp_path).main_file is None


class CancelledDuringFirstDraft(TemplateOnly):
    """The person presses "cancel" while the first attempt is being made."""

    def __init__(self, cancel) -> None:
        self.cancel = cancel

    def draft(self, ctx: GenerationContext, out_dir: Path):
        self.cancel.set()
        return super().draft(ctx, out_dir)


@pytest.mark.browser
def test_cancel_stops_at_the_next_step_and_keeps_what_was_there(db, tmp_path: Path) -> None:
    import threading

    from sqlalchemy import func, select

    from support_system.data.db import session_scope
    from support_system.data.schema import Artifact, Execution

    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("<p>the page published yesterday</p>", encoding="utf-8")
    cancel = threading.Event()
    job = get_job("faq-page")
    events: list[str] = []
    result = run_pipeline(
        job,
        dict(job.samples["en"]),
        out,
        lang="en",
        generator=CancelledDuringFirstDraft(cancel),
        budget=Budget(attempts=3),
        base_dir=PROJECT_ROOT / "data" / "samples",
        on_progress=lambda event, info: events.append(event),
        cancel=cancel,
    )
    assert result.cancelled and not result.ok and not result.fallback_used
    assert len(result.attempts) == 1  # no second attempt, no template after the cancel
    assert "Nothing was changed" in result.explanation
    assert (out / "index.html").read_text(encoding="utf-8") == "<p>the page published yesterday</p>"
    assert json.loads((out / "result.json").read_text(encoding="utf-8"))["cancelled"] is True
    assert events[-1] == "cancelled"
    with session_scope() as s:
        execution = s.scalars(select(Execution)).one()
        assert execution.error == "cancelled"
        assert s.scalar(select(func.count()).select_from(Artifact)) == 0
