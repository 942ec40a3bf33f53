"""The hybrid-mode nodes: `review_plan` after planning and `review_publish` before
publishing pause with `interrupt()` only when the person chose that checkpoint, then
go on as the person replied (approve, correct, cancel).
"""

from __future__ import annotations

from typing import Any

from langgraph.types import interrupt

from support_system.agents.auto.planning import apply_correction
from support_system.agents.auto.state import AutoState, Deps, Step, run_config
from support_system.core.i18n import t
from support_system.jobs.catalogue import get_job


def _pause(state: AutoState, checkpoint: str, extra: dict[str, Any]) -> dict[str, Any] | None:
    """Wait for the person at `checkpoint` if they chose it; their reply, or None."""
    if checkpoint not in run_config(state).pause_at:
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
        job, state["answers"], text, state["lang"], run_config(state).base_dir
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
