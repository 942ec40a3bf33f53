"""The auto-mode work nodes: plan → act → evaluate → adjust, then publish and finish.

Each node is one function of the state (and `Deps`) returning a `Step`; it names the
next node in `decision`, and `graph.build_graph` wires those choices. The pause points
of hybrid mode are in `reviews`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support_system.agents.auto import records, strategy
from support_system.agents.auto.config import AutoConfig
from support_system.agents.auto.judge import judge
from support_system.agents.auto.planning import generator_answers, make_plan
from support_system.agents.auto.state import AutoState, Deps, Step, run_config
from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.jobs.catalogue import get_job


def plan(state: AutoState, deps: Deps) -> Step:
    lang, config = state["lang"], run_config(state)
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
    if state.get("agent_reason"):
        title = f"{title} {state['agent_reason']}"  # which persona and why, on the timeline
    return Step(update, title, ok=not result.missing, info=info)


def act(state: AutoState, deps: Deps) -> Step:
    from support_system.generators.pipeline import Budget, run_pipeline

    lang, config = state["lang"], run_config(state)
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
        agent=_agent_of(state),
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
        "routing": result.routing,
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
    if result.routing and result.routing.get("reason"):
        title = f"{title} {result.routing['reason']}"  # which model and why, on the timeline
    return Step(update, title, ok=result.ok, info={"out_dir": last["out_dir"], "tokens": tokens})


def _agent_of(state: AutoState) -> tuple[str, str] | None:
    """The run's persona as routing needs it: (name as shown, its preferred model), when
    it prefers an installed model."""
    name = state.get("agent")
    if not name:
        return None
    from support_system.agents.library import get_agent
    from support_system.ai import get_registry

    definition = get_agent(name).definition
    preferred = definition.preferred_model
    if preferred is None or preferred not in get_registry().names():
        return None
    return definition.display_name.get(state["lang"]), preferred


def _plain(info: dict[str, Any]) -> dict[str, Any]:
    """Pipeline progress info without objects (CheckResults become names)."""
    return {
        k: ([getattr(c, "name", c) for c in v] if isinstance(v, list) else v)
        for k, v in info.items()
    }


def _rank(item: dict[str, Any]) -> tuple[bool, float, float]:
    """Which round's artifact is best: passing checks first, then share passed, then judge."""
    return (bool(item.get("ok")), float(item.get("passed_share", 0)), float(item.get("judge") or 0))


def evaluate(state: AutoState, deps: Deps) -> Step:
    lang, config = state["lang"], run_config(state)
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
    lang, config = state["lang"], run_config(state)
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


def publish(state: AutoState, deps: Deps) -> Step:
    from support_system.publishing.errors import PublishError
    from support_system.publishing.site import publish as publish_site

    lang, config = state["lang"], run_config(state)
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
        "agent_reason": state.get("agent_reason"),
    }
    records.finish(state["execution_id"], ok=ok, result=result, error=None if ok else outcome)
    if ok and run_config(state).use_examples:
        from support_system.agents.auto import examples

        examples.remember(state["goal"], state["job_id"], state["answers"])  # type: ignore[arg-type]
    deps.on_event("done", {"outcome": outcome, "ok": ok, "explanation": explanation})
    return Step(
        {"explanation": explanation, "decision": "end"},
        t("auto.step.finish", lang),
        ok=ok,
        info={"outcome": outcome},
    )
