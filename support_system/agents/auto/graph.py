"""The auto-mode graph: plan → act → evaluate → adjust → (act | publish | finish).

    START → plan → review_plan → act → evaluate → adjust ─┬→ act (another round)
                                                           ├→ review_publish → publish → finish
                                                           └→ finish → END

Each node is one function of the state; every node names the next one in
`state["decision"]`, and `build_graph` wires those choices in one place. The two
`review_*` nodes are the hybrid checkpoints: they pause with `interrupt()` only when
the person chose that checkpoint. Every node's work is recorded as a Substep (see
`records`), evaluations and adjustments as FeedbackRecords.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from support_system.agents.auto import records, strategy
from support_system.agents.auto.config import AutoConfig
from support_system.agents.auto.judge import judge
from support_system.agents.auto.planning import apply_correction, generator_answers, make_plan
from support_system.core.i18n import t
from support_system.core.logging import get_logger
from support_system.core.settings import get_settings
from support_system.data.models import utcnow
from support_system.jobs.catalogue import get_job

log = get_logger(__name__)

OnEvent = Callable[[str, dict[str, Any]], None]


class AutoState(TypedDict, total=False):
    """Everything a run knows; checkpointed after every node (plain JSON-like values)."""

    execution_id: int
    goal: str
    lang: str
    agent: str | None
    model: str | None
    config: dict[str, Any]  # AutoConfig.model_dump(mode="json")
    given: dict[str, Any]  # answers the caller passed
    example: dict[str, Any] | None  # the closest successful run (learning from success)
    job_id: str | None
    answers: dict[str, Any]
    sources: dict[str, str]
    missing: list[str]
    notes: list[str]
    template_only: bool
    tried: list[str]  # adjustment kinds used so far
    history: list[dict[str, str]]  # per round: action and failure signatures
    round: int  # noqa: A003 - make → check rounds done
    step: int  # nodes completed (the key of the next Substep)
    seconds_used: float
    tokens_used: int
    last: dict[str, Any]  # the latest round's artifact and checks
    evaluation: dict[str, Any]
    best: dict[str, Any] | None
    published: dict[str, Any] | None
    outcome: str | None
    outcome_params: dict[str, Any]
    explanation: str
    decision: str


@dataclass
class Deps:
    """What a run needs that is not state: callbacks and test doubles, never checkpointed."""

    on_event: OnEvent = lambda event, info: None  # noqa: E731
    generator: Any = None  # a generators.base.Generator to use instead of the job's own
    cancel: threading.Event = field(default_factory=threading.Event)


def _config(state: AutoState) -> AutoConfig:
    return AutoConfig.model_validate(state.get("config") or {})


def _rank(item: dict[str, Any]) -> tuple[bool, float, float]:
    """Which round's artifact is best: passing checks first, then share passed, then judge."""
    return (bool(item.get("ok")), float(item.get("passed_share", 0)), float(item.get("judge") or 0))


@dataclass
class Step:
    """A node's result: the state update, and the Substep to record (no title: no row)."""

    update: dict[str, Any]
    title: str | None = None
    ok: bool = True
    metrics: dict[str, Any] | None = None
    score: float | None = None
    adjustments: list[Any] | None = None
    info: dict[str, Any] = field(default_factory=dict)


def _node(
    name: str, fn: Callable[[AutoState, Deps], Step], deps: Deps
) -> Callable[[AutoState], dict]:
    """Wrap a node: cancellation, replay of a step recorded before a crash, the Substep
    row, the step counter, working time and the progress event."""

    def run(state: AutoState) -> dict[str, Any]:
        execution_id = state["execution_id"]
        step = state.get("step", 0)
        key = f"{step}:{name}"
        if deps.cancel.is_set() and name != "finish":
            return {"decision": "finish", "outcome": "cancelled", "outcome_params": {}}
        recorded = records.find_step(execution_id, key)
        if recorded is not None and "update" in recorded:
            deps.on_event("replayed", {"node": name, "step": step})
            return recorded["update"]
        started, started_at = time.monotonic(), utcnow()
        result = fn(state, deps)
        update = {
            **result.update,
            "step": step + 1,
            "seconds_used": round(state.get("seconds_used", 0.0) + time.monotonic() - started, 3),
        }
        if result.title is not None:
            position = records.record_step(
                execution_id,
                key,
                result.title,
                ok=result.ok,
                output={"update": update, **result.info},
                started_at=started_at,
                metrics=result.metrics,
                score=result.score,
                adjustments=result.adjustments,
            )
            deps.on_event(
                "step",
                {
                    "node": name,
                    "position": position,
                    "title": result.title,
                    "ok": result.ok,
                    "score": result.score,
                    **result.info,
                },
            )
        return update

    return run


# --- nodes -------------------------------------------------------------------------------


def plan(state: AutoState, deps: Deps) -> Step:
    lang, config = state["lang"], _config(state)
    result = make_plan(
        state["goal"],
        lang,
        job_id=state.get("job_id"),
        given=state.get("given"),
        example=state.get("example") if config.use_examples else None,
        model=state.get("model"),
        use_samples=config.use_samples,
        extract_with_model=config.extract_with_model,
        decide_with_model=config.decide_with_model,
        base_dir=config.base_dir,
    )
    if result.job_id is None:
        update = {
            "decision": "finish",
            "outcome": "no_job",
            "outcome_params": {"goal": state["goal"]},
        }
        return Step(update, t("auto.step.plan_no_job", lang), ok=False)
    job = get_job(result.job_id)
    steps = [t(f"auto.plan.{key}", lang) for key in ("answers", "make", "check", "publish")]
    update: dict[str, Any] = {
        "job_id": job.id,
        "answers": result.answers,
        "sources": result.sources,
        "missing": result.missing,
        "notes": sorted(set(state.get("notes", []) + result.notes)),
        "decision": "review_plan",
    }
    if result.missing and "after_plan" not in config.pause_at:
        update.update(decision="finish", outcome="needs_answers", outcome_params={})
    samples = [q for q, source in result.sources.items() if source == "sample"]
    info = {"job": job.id, "plan": steps, "sources": result.sources, "missing": result.missing}
    if samples:
        info["note"] = t("auto.note.samples", lang, questions=", ".join(samples))
    title = t("auto.step.plan", lang, job=job.title.get(lang), count=len(result.answers))
    return Step(update, title, ok=not result.missing, info=info)


def _pause(state: AutoState, checkpoint: str, extra: dict[str, Any]) -> dict[str, Any] | None:
    """Wait for the person at `checkpoint` if they chose it; their reply, or None."""
    if checkpoint not in _config(state).pause_at:
        return None
    reply = interrupt(
        {
            "checkpoint": checkpoint,
            "job": state.get("job_id"),
            "answers": state.get("answers"),
            "missing": state.get("missing", []),
            **extra,
        }
    )
    return reply if isinstance(reply, dict) else {"action": str(reply)}


def _cancelled(lang: str) -> Step:
    """The person cancelled at a pause (or while the run worked): finish, nothing more."""
    return Step(
        {"decision": "finish", "outcome": "cancelled", "outcome_params": {}},
        t("auto.step.cancelled", lang),
        ok=False,
    )


def _correction(state: AutoState, reply: dict[str, Any]) -> tuple[str, dict[str, Any], list[str]]:
    """The person's correction at a pause: its text, the answers after applying it, and
    the questions it changed (none when it was not "question: value")."""
    job = get_job(state["job_id"])  # type: ignore[arg-type]
    text = str(reply.get("text", ""))
    answers, changed = apply_correction(
        job, state["answers"], text, state["lang"], _config(state).base_dir
    )
    return text, answers, changed


def review_plan(state: AutoState, deps: Deps) -> Step:
    lang = state["lang"]
    reply = _pause(state, "after_plan", {})
    if reply is None:
        return Step({"decision": "act"})
    action = reply.get("action")
    if action == "cancel":
        return _cancelled(lang)
    if action == "correct":
        text, answers, changed = _correction(state, reply)
        if not changed:  # not "question: value": read it as more of the goal and plan again
            goal = f"{state['goal']}\n{text}"
            return Step(
                {"goal": goal, "decision": "plan"},
                t("auto.step.replan", lang),
                metrics={"correction": text},
                adjustments=[text],
                info={"text": text},
            )
        missing = [q for q in state.get("missing", []) if q not in changed]
        decision = "review_plan" if missing else "act"
        return Step(
            {"answers": answers, "missing": missing, "decision": decision},
            t("auto.step.corrected", lang, questions=", ".join(changed)),
            metrics={"correction": text, "changed": changed},
            adjustments=[text],
        )
    if state.get("missing"):
        return Step(
            {"decision": "finish", "outcome": "needs_answers", "outcome_params": {}},
            t("auto.step.approved", lang),
            ok=False,
        )
    return Step({"decision": "act"}, t("auto.step.approved", lang))


def act(state: AutoState, deps: Deps) -> Step:
    from support_system.generators.pipeline import Budget, run_pipeline

    lang, config = state["lang"], _config(state)
    job = get_job(state["job_id"])  # type: ignore[arg-type]
    number = state.get("round", 0) + 1
    out_dir = get_settings().state_dir / "auto" / str(state["execution_id"]) / f"round-{number}"
    template_only = state.get("template_only", False)
    budget = Budget(
        attempts=0 if template_only else config.attempts_per_act,
        seconds=max(1.0, config.budget.seconds - state.get("seconds_used", 0.0)),
        tokens=max(0, config.budget.tokens - state.get("tokens_used", 0)),
    )
    answers = generator_answers(job, state["answers"], lang)
    result = run_pipeline(
        job,
        answers,
        out_dir,
        lang=lang,
        model=state.get("model"),
        budget=budget,
        base_dir=config.base_dir,
        generator=deps.generator,
        cancel=deps.cancel,
        on_progress=lambda event, info: deps.on_event("pipeline", {"event": event, **_plain(info)}),
    )
    checks = [*result.checks, *([result.run] if result.run else [])]
    last = {
        "round": number,
        "out_dir": str(result.out_dir),
        "main_file": str(result.main_file) if result.main_file else None,
        "ok": result.ok,
        "checks": [
            {"name": c.name, "passed": c.passed, "messages": c.messages[:3]} for c in checks
        ],
        "passed_share": round(sum(c.passed for c in checks) / len(checks), 3) if checks else 0.0,
        "fallback_used": result.fallback_used,
        "explanation": result.explanation,
        "models": result.models,
        "pipeline_execution": result.execution_id,
        "action": strategy.action_signature(state.get("model"), state["answers"], template_only),
    }
    if result.cancelled:
        return Step(
            {"last": last, "decision": "finish", "outcome": "cancelled", "outcome_params": {}},
            t("auto.step.cancelled", lang),
            ok=False,
        )
    tokens = result.tokens_in + result.tokens_out
    update = {
        "last": last,
        "round": number,
        "tokens_used": state.get("tokens_used", 0) + tokens,
        "decision": "evaluate",
    }
    how = t(
        "auto.how.template" if result.fallback_used else "auto.how.model",
        lang,
        model=", ".join(result.models) or "-",
    )
    title = t("auto.step.act", lang, round=number, how=how)
    return Step(update, title, ok=result.ok, info={"out_dir": last["out_dir"], "tokens": tokens})


def _plain(info: dict[str, Any]) -> dict[str, Any]:
    """Pipeline progress info without objects (CheckResults become names)."""
    return {
        k: ([getattr(c, "name", c) for c in v] if isinstance(v, list) else v)
        for k, v in info.items()
    }


def evaluate(state: AutoState, deps: Deps) -> Step:
    lang, config = state["lang"], _config(state)
    job = get_job(state["job_id"])  # type: ignore[arg-type]
    last = dict(state["last"])
    failed = [c["name"] for c in last["checks"] if not c["passed"]]
    verdict = None
    tokens = 0
    if last["ok"] and config.judge and last.get("main_file"):
        verdict = judge(
            state["goal"], job, state["answers"], Path(last["main_file"]), lang, state.get("model")
        )
        tokens = verdict.tokens
    score = verdict.score if verdict else None
    judge_low = score is not None and score < config.pass_score
    accepted = bool(last["ok"]) and not judge_low
    last["judge"] = score
    best = state.get("best")
    if best is None or _rank(last) >= _rank(best):
        best = last
    evaluation = {
        "accepted": accepted,
        "failed": failed,
        "judge": score,
        "reasons": verdict.reasons if verdict else [],
        "failure": strategy.failure_signature(failed, judge_low),
    }
    metrics = {
        "round": last["round"],
        "checks": {c["name"]: c["passed"] for c in last["checks"]},
        "judge_score": score,
        "judge_reasons": evaluation["reasons"],
        "judge_model": verdict.model if verdict else None,
        "judge_error": verdict.error if verdict else None,
        "accepted": accepted,
    }
    messages = [
        f"{c['name']}: {m}" for c in last["checks"] if not c["passed"] for m in c["messages"]
    ]
    title = t(
        "auto.step.evaluate",
        lang,
        round=last["round"],
        passed=sum(c["passed"] for c in last["checks"]),
        total=len(last["checks"]),
        judge="-" if score is None else f"{score:.2f}",
    )
    update = {
        "evaluation": evaluation,
        "best": best,
        "last": last,
        "tokens_used": state.get("tokens_used", 0) + tokens,
        "decision": "adjust",
    }
    return Step(
        update,
        title,
        ok=accepted,
        metrics=metrics,
        score=score if score is not None else last["passed_share"],
        adjustments=messages[:20],
        info={"failed": failed, "judge": score},
    )


def _over_budget(state: AutoState, config: AutoConfig) -> str | None:
    if state.get("round", 0) >= config.budget.steps:
        return "budget_steps"
    if state.get("seconds_used", 0.0) >= config.budget.seconds:
        return "budget_seconds"
    if state.get("tokens_used", 0) >= config.budget.tokens:
        return "budget_tokens"
    return None


def _after_stop(state: AutoState, outcome: str, params: dict[str, Any]) -> dict[str, Any]:
    """Stopping: a best artifact that passes its checks is still delivered (published)."""
    best = state.get("best") or {}
    if best.get("ok"):
        return {"decision": "review_publish", "outcome": outcome, "outcome_params": params}
    return {"decision": "finish", "outcome": outcome, "outcome_params": params}


def adjust(state: AutoState, deps: Deps) -> Step:
    lang, config = state["lang"], _config(state)
    evaluation = state["evaluation"]
    if evaluation["accepted"]:
        return Step(
            {
                "decision": "review_publish",
                "outcome": "done",
                "outcome_params": {},
                "best": state["last"],
            },
            t("auto.step.accept", lang),
        )
    history = [
        *state.get("history", []),
        {"action": state["last"]["action"], "failure": evaluation["failure"]},
    ]
    stop = _over_budget(state, config)
    if stop:
        params = {"limit": getattr(config.budget, stop.split("_", 1)[1])}
        return Step(
            {"history": history, **_after_stop(state, stop, params)},
            t("auto.step.stop", lang, reason=t(f"auto.reason.{stop}", lang, **params)),
            ok=False,
            metrics={"adjustment": "stop", "reason": stop},
            adjustments=[stop],
        )
    job = get_job(state["job_id"])  # type: ignore[arg-type]
    change = strategy.choose(
        job,
        state["answers"],
        state.get("model"),
        state.get("template_only", False),
        history,
        state.get("tried", []),
    )
    metrics = {
        "adjustment": change.kind,
        "loop": change.loop,
        "failure": evaluation["failure"],
        **change.detail,
    }
    said = t(f"auto.adjust.{change.kind}", lang, **{k: v or "-" for k, v in change.detail.items()})
    if change.loop:
        said = t("auto.adjust.loop", lang, failure=evaluation["failure"]) + " " + said
    if change.kind == "stop":
        outcome = "loop" if change.loop else "no_ideas"
        params = {"failure": evaluation["failure"]}
        return Step(
            {"history": history, **_after_stop(state, outcome, params)},
            t("auto.step.adjust", lang, change=said),
            ok=False,
            metrics=metrics,
            adjustments=[said],
        )
    update = {
        "history": history,
        "answers": change.answers,
        "model": change.model,
        "template_only": change.template_only,
        "tried": [*state.get("tried", []), change.kind],
        "decision": "act",
    }
    return Step(
        update, t("auto.step.adjust", lang, change=said), metrics=metrics, adjustments=[said]
    )


def review_publish(state: AutoState, deps: Deps) -> Step:
    lang = state["lang"]
    reply = _pause(state, "before_publish", {"best": state.get("best")})
    if reply is None:
        return Step({"decision": "publish"})
    action = reply.get("action")
    if action == "cancel":
        return _cancelled(lang)
    if action == "correct":
        text, answers, changed = _correction(state, reply)
        return Step(
            {"answers": answers, "decision": "act", "outcome": None, "outcome_params": {}},
            t("auto.step.corrected", lang, questions=", ".join(changed) or "-"),
            metrics={"correction": text, "changed": changed},
            adjustments=[text],
        )
    return Step({"decision": "publish"}, t("auto.step.approved", lang))


def publish(state: AutoState, deps: Deps) -> Step:
    from support_system.publishing.errors import PublishError
    from support_system.publishing.site import publish as publish_site

    lang, config = state["lang"], _config(state)
    best = state.get("best") or {}
    job = get_job(state["job_id"])  # type: ignore[arg-type]
    if not config.publish or job.kind != "webpage":
        return Step(
            {"decision": "finish"},
            t("auto.step.kept", lang, path=best.get("out_dir", "-")),
            info={"path": best.get("out_dir")},
        )
    try:
        site = publish_site(
            Path(best["out_dir"]), "auto", f"{job.id}-{state['execution_id']}", owner="auto"
        )
    except PublishError as error:
        return Step(
            {"decision": "finish", "published": None},
            t("auto.step.publish_failed", lang, error=error.message(lang)),
            ok=False,
        )
    published = {"url": site.url, "path": str(site.path)}
    return Step(
        {"decision": "finish", "published": published},
        t("auto.step.published", lang, url=site.url),
        info=published,
    )


def finish(state: AutoState, deps: Deps) -> Step:
    lang = state["lang"]
    outcome = state.get("outcome") or "done"
    best = state.get("best") or {}
    published = state.get("published")
    job_title = get_job(state["job_id"]).title.get(lang) if state.get("job_id") else "-"
    params = {
        "job": job_title,
        "rounds": state.get("round", 0),
        "path": best.get("out_dir") or "-",
        "url": (published or {}).get("url") or "-",
        "goal": state.get("goal", ""),
        "failed": ", ".join(c["name"] for c in best.get("checks", []) if not c["passed"]) or "-",
        "questions": ", ".join(state.get("missing", [])) or "-",
        "score": "-" if best.get("judge") is None else f"{best['judge']:.2f}",
        **state.get("outcome_params", {}),
    }
    key = outcome
    if outcome == "done":
        key = "published" if published else "done"
    lines = [t(f"auto.explain.{key}", lang, **params)]
    if outcome not in ("done", "no_job", "needs_answers", "cancelled") and published:
        lines.append(t("auto.explain.delivered", lang, **params))
    if any(source == "sample" for source in (state.get("sources") or {}).values()):
        samples = [q for q, s in state["sources"].items() if s == "sample"]
        lines.append(t("auto.note.samples", lang, questions=", ".join(samples)))
    explanation = " ".join(lines)
    ok = outcome == "done" and bool(best.get("ok"))
    result = {
        "outcome": outcome,
        "ok": ok,
        "explanation": explanation,
        "job": state.get("job_id"),
        "answers": state.get("answers"),
        "sources": state.get("sources"),
        "best": best or None,
        "published": published,
        "rounds": state.get("round", 0),
        "tokens": state.get("tokens_used", 0),
        "seconds": state.get("seconds_used", 0.0),
        "model": state.get("model"),
        "agent": state.get("agent"),
    }
    records.finish(state["execution_id"], ok=ok, result=result, error=None if ok else outcome)
    if ok and _config(state).use_examples:
        from support_system.agents.auto import examples

        examples.remember(state["goal"], state["job_id"], state["answers"])  # type: ignore[arg-type]
    deps.on_event("done", {"outcome": outcome, "ok": ok, "explanation": explanation})
    return Step(
        {"explanation": explanation, "decision": "end"},
        t("auto.step.finish", lang),
        ok=ok,
        info={"outcome": outcome},
    )


# --- wiring ------------------------------------------------------------------------------

NODES: dict[str, Callable[[AutoState, Deps], Step]] = {
    "plan": plan,
    "review_plan": review_plan,
    "act": act,
    "evaluate": evaluate,
    "adjust": adjust,
    "review_publish": review_publish,
    "publish": publish,
    "finish": finish,
}
ROUTES: dict[str, list[str]] = {
    "plan": ["review_plan", "finish"],
    "review_plan": ["act", "plan", "review_plan", "finish"],
    "act": ["evaluate", "finish"],
    "evaluate": ["adjust"],
    "adjust": ["act", "review_publish", "finish"],
    "review_publish": ["publish", "act", "finish"],
    "publish": ["finish"],
}


def build_graph(deps: Deps) -> StateGraph:
    """The graph (not compiled): nodes above, edges chosen by `state["decision"]`."""
    graph = StateGraph(AutoState)
    for name, fn in NODES.items():
        graph.add_node(name, _node(name, fn, deps))
    graph.add_edge(START, "plan")
    for name, targets in ROUTES.items():
        graph.add_conditional_edges(
            name, lambda state: state["decision"], {t_: t_ for t_ in targets}
        )
    graph.add_edge("finish", END)
    return graph
