"""The generate → check → repair loop every job goes through.

A small model often gets something wrong, so one attempt is never trusted: each
candidate is checked, the exact failure messages go back to the model, and the loop
retries within a budget (attempts, seconds, tokens). When the budget runs out, or the
model is not available at all, the job's tested template filled with the user's
answers is delivered instead, with a plain explanation of what was not customised.
Every attempt and its check results are recorded (Execution → Substep →
FeedbackRecord) and written to `result.json` beside the artifact.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from support_system.core.errors import InvalidOutput, ModelError, SupportSystemError
from support_system.core.i18n import t
from support_system.core.logging import get_logger
from support_system.data.schema import ExecutionStatus
from support_system.generators import get_generator
from support_system.generators.base import (
    CheckResult,
    Draft,
    GenerationContext,
    Generator,
    knowledge_query,
)
from support_system.jobs.definitions import Job
from support_system.rag.context import knowledge_for
from support_system.routing.service import Route, choose, record
from support_system.routing.skills import job_request_text, skill_for_job_kind

log = get_logger(__name__)

RESULT_FILE = "result.json"
OUTPUT_DIR = "output"
Progress = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class Budget:
    """How much effort the model gets before the template is delivered instead."""

    attempts: int = 3
    seconds: float = 300.0
    tokens: int = 6000


@dataclass
class AttemptReport:
    number: int
    source: str  # "model" | "template"
    passed: bool
    checks: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0
    models: list[str] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    error: str | None = None


@dataclass
class PipelineResult:
    job_id: str
    lang: str
    ok: bool
    out_dir: Path
    main_file: Path | None
    attempts: list[AttemptReport]
    checks: list[CheckResult]
    fallback_used: bool
    explanation: str | None
    not_customised: list[str]
    run: CheckResult | None
    outputs: list[str]
    seconds: float
    execution_id: int | None = None
    cancelled: bool = False
    sources: list[str] = field(default_factory=list)  # knowledge-base documents used
    routing: dict[str, Any] | None = None  # which model was chosen and why (Route.as_dict)
    # What this version was made from: "go back to this version" restores it.
    answers: dict[str, Any] = field(default_factory=dict)

    @property
    def models(self) -> list[str]:
        return sorted({m for attempt in self.attempts for m in attempt.models})

    @property
    def tokens_in(self) -> int:
        return sum(a.tokens_in for a in self.attempts)

    @property
    def tokens_out(self) -> int:
        return sum(a.tokens_out for a in self.attempts)

    def failed_checks(self) -> list[CheckResult]:
        final = [*self.checks, *([self.run] if self.run else [])]
        return [check for check in final if not check.passed]

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job_id,
            "lang": self.lang,
            "ok": self.ok,
            "main_file": self.main_file.relative_to(self.out_dir).as_posix()
            if self.main_file
            else None,
            "models": self.models,
            "fallback_used": self.fallback_used,
            "explanation": self.explanation,
            "not_customised": self.not_customised,
            "sources": self.sources,
            "routing": self.routing,
            "attempts": [
                {**asdict(a), "checks": [c.to_dict() for c in a.checks]} for a in self.attempts
            ],
            "checks": [c.to_dict() for c in self.checks],
            "run": self.run.to_dict() if self.run else None,
            "outputs": self.outputs,
            "tokens": {"in": self.tokens_in, "out": self.tokens_out},
            "seconds": round(self.seconds, 2),
            "execution_id": self.execution_id,
            "cancelled": self.cancelled,
            "answers": _json_safe(self.answers),
        }


def _json_safe(value: Any) -> Any:
    """Answers as JSON (a file answer may be a Path)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


class _Recorder:
    """Database records of a run. A database failure is logged, never fatal: the user's
    artifact matters more than its history."""

    def __init__(
        self,
        job: Job,
        session_id: int | None,
        project_id: int | None,
        execution_id: int | None = None,
    ) -> None:
        self.execution_id: int | None = execution_id
        self.owner_id: int | None = None  # the run's user, when this recorder started it
        if execution_id is None:  # else the caller (the API's runner) started the row
            self._try(self._start, job, session_id, project_id)

    def _try(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - see class docstring
            log.warning("generation_record_failed", error=str(exc), step=fn.__name__)
            return None

    def _start(self, job: Job, session_id: int | None, project_id: int | None) -> None:
        from support_system.data import repositories
        from support_system.data.db import session_scope

        with session_scope() as s:
            execution = repositories.start_execution(
                s,
                kind=f"generate:{job.kind}",
                goal=job.id,
                session_id=session_id,
                project_id=project_id,
            )
            self.execution_id = execution.id
            self.owner_id = execution.user_id

    def attempt(self, report: AttemptReport, feedback: list[CheckResult]) -> None:
        if self.execution_id is None:
            return
        self._try(self._attempt, report, feedback)

    def _attempt(self, report: AttemptReport, feedback: list[CheckResult]) -> None:
        from support_system.data import repositories
        from support_system.data.db import session_scope

        checks = [c.to_dict() for c in report.checks]
        with session_scope() as s:
            repositories.record_substep(
                s,
                self.execution_id,  # type: ignore[arg-type]
                title=f"attempt {report.number} ({report.source})",
                status=ExecutionStatus.COMPLETED if report.passed else ExecutionStatus.FAILED,
                input={"feedback": [c.to_dict() for c in feedback]},
                output={"checks": checks, "error": report.error, "models": report.models},
                metrics={
                    "checks": {c.name: c.passed for c in report.checks},
                    "seconds": report.seconds,
                    "tokens_in": report.tokens_in,
                    "tokens_out": report.tokens_out,
                    "source": report.source,
                },
                score=(sum(c.passed for c in report.checks) / len(report.checks))
                if report.checks
                else 0.0,
                adjustments=[m for c in report.checks if not c.passed for m in c.messages][:50],
            )

    def finish(
        self, result: PipelineResult, session_id: int | None, project_id: int | None
    ) -> None:
        if self.execution_id is None:
            return
        self._try(self._finish, result, session_id, project_id)

    def _finish(
        self, result: PipelineResult, session_id: int | None, project_id: int | None
    ) -> None:
        from support_system.data import repositories
        from support_system.data.db import session_scope

        summary = result.to_json()
        with session_scope() as s:
            if not result.cancelled:
                repositories.add_artifact(
                    s,
                    kind=result.job_id,
                    path=str(result.out_dir),
                    checks={"checks": summary["checks"], "run": summary["run"]},
                    checks_passed=result.ok,
                    session_id=session_id,
                    project_id=project_id,
                )
            repositories.finish_execution(
                s,
                self.execution_id,  # type: ignore[arg-type]
                status=ExecutionStatus.COMPLETED if result.ok else ExecutionStatus.FAILED,
                result=summary,
                error=None
                if result.ok
                else (
                    "cancelled"
                    if result.cancelled
                    else "; ".join(c.name for c in result.failed_checks())
                ),
            )


def _copy_draft(draft: Draft, out_dir: Path) -> Path:
    """Move the winning candidate into the output folder; return its main file there."""
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(draft.root, out_dir, dirs_exist_ok=True)
    return out_dir / draft.main_file.relative_to(draft.root)


def _list_outputs(output_dir: Path, out_dir: Path) -> list[str]:
    if not output_dir.is_dir():
        return []
    return sorted(p.relative_to(out_dir).as_posix() for p in output_dir.rglob("*") if p.is_file())


def run_pipeline(
    job: Job,
    answers: dict[str, Any],
    out_dir: Path,
    *,
    lang: str,
    model: str | None = None,
    alpha: float | None = None,
    agent: tuple[str, str] | None = None,
    budget: Budget = Budget(),
    base_dir: Path | None = None,
    generator: Generator | None = None,
    run_outputs: bool = True,
    session_id: int | None = None,
    project_id: int | None = None,
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
    on_text: Callable[[str], None] | None = None,
    use_knowledge: bool = True,
    execution_id: int | None = None,
    user_id: int | None = None,
) -> PipelineResult:
    """Make the artifact for `job` from `answers` in `out_dir`; never raises ModelError.

    The result says whether every check passed (`ok`), what each attempt did, and, when
    the template was used, why (`explanation`, in `lang`). `on_text` receives the model's
    text as it streams (for a live view). With `use_knowledge` the person's relevant
    knowledge-base passages go into the prompt and the documents used are listed in the
    result (`sources`). `execution_id` records the run in an Execution the caller already
    started (one row per run, e.g. a task agent's); otherwise the pipeline starts one.
    Model usage is counted against `user_id` (default: the owner of that Execution).
    `model` is an explicit choice; without one the router picks the model for the job's
    skill (config/skills.yaml), weighing quality against time by `alpha`, and records how
    the first attempt went so the next choice learns from it; the choice and its reason
    are in the result (`routing`). `agent` (its name as shown, its preferred model) is the
    persona doing the work: its model wins over the router's, after an explicit `model`.
    Setting `cancel` stops the run
    at the next step boundary (a model call in flight finishes first); a cancelled run
    leaves `out_dir` as it was, apart from its result.json.
    """
    started = time.monotonic()
    generator = generator or get_generator(job.generator)
    notify = on_progress or (lambda event, info: None)
    out_dir = Path(out_dir).resolve()
    route = _route(job, answers, lang, model, alpha, agent)
    if route is not None:  # the live view says which model works on it, and why
        notify("routed", route.as_dict())
    ctx = GenerationContext(
        job=job,
        answers=dict(answers),
        lang=lang,
        model=route.model if route is not None else model,
        base_dir=(base_dir or Path.cwd()).resolve(),
        on_text=on_text,
    )
    if use_knowledge:
        ctx.knowledge = knowledge_for(knowledge_query(ctx), project=project_id)
        if ctx.knowledge:
            notify("knowledge", {"passages": len(ctx.knowledge)})
    recorder = _Recorder(job, session_id, project_id, execution_id)
    ctx.user_id = user_id if user_id is not None else recorder.owner_id
    attempts: list[AttemptReport] = []
    winner: Draft | None = None
    winner_checks: list[CheckResult] = []
    stop_reason = ""
    tokens_used = 0

    with tempfile.TemporaryDirectory(prefix="support-system-draft-") as scratch:
        for number in range(1, budget.attempts + 1):
            if cancel is not None and cancel.is_set():
                break
            elapsed = time.monotonic() - started
            if elapsed >= budget.seconds:
                stop_reason = t("generate.reason_time", lang, seconds=int(budget.seconds))
                break
            if tokens_used >= budget.tokens:
                stop_reason = t("generate.reason_tokens", lang, tokens=budget.tokens)
                break
            ctx.attempt = number
            ctx.feedback = [c for c in (attempts[-1].checks if attempts else []) if not c.passed]
            notify("attempt", {"number": number, "of": budget.attempts})
            report = AttemptReport(number=number, source="model", passed=False)
            attempt_started = time.monotonic()
            try:
                draft = generator.draft(ctx, Path(scratch) / f"attempt-{number}")
            except InvalidOutput as exc:
                # The model did not follow the schema: feed that back like a failed check.
                report.error = exc.message(lang)
                report.checks = [CheckResult("format", False, [exc.detail or str(exc)])]
                draft = None
            except ModelError as exc:
                # Down, missing or too slow: retrying the same model rarely helps.
                report.error = exc.message(lang)
                report.seconds = round(time.monotonic() - attempt_started, 2)
                attempts.append(report)
                recorder.attempt(report, ctx.feedback)
                stop_reason = exc.message(lang)
                break
            if draft is not None:
                report.models = draft.models
                report.tokens_in, report.tokens_out = draft.tokens_in, draft.tokens_out
                tokens_used += draft.tokens_in + draft.tokens_out
                notify("checking", {"number": number})
                report.checks = generator.check(ctx, draft)
                report.passed = all(c.passed for c in report.checks)
            report.seconds = round(time.monotonic() - attempt_started, 2)
            attempts.append(report)
            recorder.attempt(report, ctx.feedback)
            notify("checked", {"number": number, "passed": report.passed, "checks": report.checks})
            if report.passed and draft is not None:
                winner, winner_checks = draft, report.checks
                break
        else:
            stop_reason = t("generate.reason_attempts", lang, attempts=budget.attempts)

        if cancel is not None and cancel.is_set():
            return _cancelled(
                job, lang, out_dir, attempts, started, recorder, session_id, project_id, notify
            )
        fallback_used = winner is None
        explanation: str | None = None
        not_customised: list[str] = []
        if winner is None:
            ctx.feedback = []
            template = generator.fallback(ctx, Path(scratch) / "template")
            if template is None:  # nothing tested to deliver: say what failed, make nothing
                return _nothing_made(
                    generator, ctx, out_dir, attempts, stop_reason, started, recorder,
                    (session_id, project_id), notify,
                )  # fmt: skip
            notify("fallback", {"reason": stop_reason})
            template_started = time.monotonic()
            winner = template
            winner_checks = generator.check(ctx, winner)
            report = AttemptReport(
                number=len(attempts) + 1,
                source="template",
                passed=all(c.passed for c in winner_checks),
                checks=winner_checks,
                seconds=round(time.monotonic() - template_started, 2),
            )
            attempts.append(report)
            recorder.attempt(report, [])
            not_customised = list(winner.not_customised)
            explanation = t(
                "generate.fallback_explanation",
                lang,
                reason=stop_reason,
                parts=", ".join(not_customised) or "-",
            )
        main_file = _copy_draft(winner, out_dir)

    run_check: CheckResult | None = None
    if run_outputs:
        notify("running", {})
        try:
            run_check = generator.run(ctx, _rebased(winner, out_dir), out_dir / OUTPUT_DIR)
        except SupportSystemError as exc:
            run_check = CheckResult("run", False, [exc.message(lang)])
    result = PipelineResult(
        job_id=job.id,
        lang=lang,
        ok=all(c.passed for c in winner_checks) and (run_check is None or run_check.passed),
        out_dir=out_dir,
        main_file=main_file,
        attempts=attempts,
        checks=winner_checks,
        fallback_used=fallback_used,
        explanation=explanation,
        not_customised=not_customised,
        sources=list(winner.sources),
        run=run_check,
        outputs=_list_outputs(out_dir / OUTPUT_DIR, out_dir),
        seconds=time.monotonic() - started,
        execution_id=recorder.execution_id,
        answers=ctx.answers,
        routing=route.as_dict() if route is not None else None,
    )
    _learn(route, attempts, job, answers, lang, recorder.execution_id)
    recorder.finish(result, session_id, project_id)
    _write_result(result)
    notify("done", {"ok": result.ok})
    return result


def _route(
    job: Job,
    answers: dict[str, Any],
    lang: str,
    model: str | None,
    alpha: float | None,
    agent: tuple[str, str] | None,
) -> Route | None:
    """The model for this job (None: a job kind no skill covers; the default is used)."""
    skill = skill_for_job_kind(job.kind)
    if skill is None:
        return None
    name, preferred = agent or (None, None)
    text = job_request_text(job, answers, lang)
    return choose(skill, text, lang, model=model, alpha=alpha, agent=name, agent_model=preferred)


def _learn(
    route: Route | None,
    attempts: list[AttemptReport],
    job: Job,
    answers: dict[str, Any],
    lang: str,
    execution_id: int | None,
) -> None:
    """Tell routing how the chosen model's first attempt went (passed every check or
    not, and its seconds), as the bench measures it. A model that did not answer at all
    (down, missing) says nothing about its quality, so that is not recorded."""
    first = attempts[0] if attempts else None
    if route is None or first is None or first.source != "model":
        return
    answered = route.model in first.models or any(c.name == "format" for c in first.checks)
    if not answered:  # the model gave no answer at all (a format failure is an answer)
        return
    record(
        route,
        quality=1.0 if first.passed else 0.0,
        seconds=first.seconds,
        text=job_request_text(job, answers, lang),
        execution_id=execution_id,
    )


def _write_result(result: PipelineResult) -> None:
    """result.json beside the artifact: what a later preview or a person reads back."""
    (result.out_dir / RESULT_FILE).write_text(
        json.dumps(result.to_json(), ensure_ascii=False, indent=2), encoding="utf-8"
    )


def _cancelled(
    job: Job,
    lang: str,
    out_dir: Path,
    attempts: list[AttemptReport],
    started: float,
    recorder: _Recorder,
    session_id: int | None,
    project_id: int | None,
    notify: Progress,
) -> PipelineResult:
    """The person stopped the run: nothing new is delivered, what was there stays."""
    result = PipelineResult(
        job_id=job.id,
        lang=lang,
        ok=False,
        out_dir=out_dir,
        main_file=None,
        attempts=attempts,
        checks=[],
        fallback_used=False,
        explanation=t("generate.cancelled", lang),
        not_customised=[],
        run=None,
        outputs=[],
        seconds=time.monotonic() - started,
        execution_id=recorder.execution_id,
        cancelled=True,
    )
    recorder.finish(result, session_id, project_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_result(result)
    notify("cancelled", {})
    return result


def _nothing_made(
    generator: Generator,
    ctx: GenerationContext,
    out_dir: Path,
    attempts: list[AttemptReport],
    stop_reason: str,
    started: float,
    recorder: _Recorder,
    where: tuple[int | None, int | None],
    notify: Progress,
) -> PipelineResult:
    """No candidate passed and the generator has no tested template (a program made by
    example): nothing is delivered as working. The result keeps every attempt, and its
    explanation says plainly why the model stopped and what failed last (the generator's
    `describe_failure`, else the failed checks' first messages)."""
    last = attempts[-1].checks if attempts else []
    describe = getattr(generator, "describe_failure", None)
    if describe is not None:
        failures = describe(ctx, last)
    else:
        failures = [f"{c.name}: {m}" for c in last if not c.passed for m in c.messages[:3]]
    explanation = t(
        "generate.nothing_made",
        ctx.lang,
        reason=stop_reason or t("generate.reason_unknown", ctx.lang),
        failures="\n".join(f"- {line}" for line in failures) or "-",
    )
    notify("nothing_made", {"reason": stop_reason, "failures": failures})
    result = PipelineResult(
        job_id=ctx.job.id,
        lang=ctx.lang,
        ok=False,
        out_dir=out_dir,
        main_file=None,
        attempts=attempts,
        checks=[c for c in last if not c.passed],
        fallback_used=False,
        explanation=explanation,
        not_customised=[],
        run=None,
        outputs=[],
        seconds=time.monotonic() - started,
        execution_id=recorder.execution_id,
    )
    recorder.finish(result, *where)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_result(result)
    notify("done", {"ok": False})
    return result


def _rebased(draft: Draft, out_dir: Path) -> Draft:
    """The same draft, with paths pointing into the output folder it was copied to."""

    def move(path: Path) -> Path:
        return out_dir / path.relative_to(draft.root)

    return replace(
        draft, root=out_dir, main_file=move(draft.main_file), files=[move(p) for p in draft.files]
    )
