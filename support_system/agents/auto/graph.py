"""The auto-mode graph: plan → act → evaluate → adjust → (act | publish | finish).

    START → plan → review_plan → act → evaluate → adjust ─┬→ act (another round)
                                                           ├→ review_publish → publish → finish
                                                           └→ finish → END

Each node is one function of the state (the work in `nodes`, the state types in
`state`); every node names the next one in `state["decision"]`, and `build_graph` wires
those choices in one place, from the data below (NODES, ROUTES). The two `review_*`
nodes (in `reviews`) are the hybrid checkpoints: they pause with `interrupt()` only when
the person chose that checkpoint. Every node's work is recorded as a Substep (see
`records`, and `_node` here), evaluations and adjustments as FeedbackRecords.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from langgraph.graph import END, START, StateGraph

from support_system.agents.auto import records
from support_system.agents.auto.nodes import act, adjust, evaluate, finish, plan, publish
from support_system.agents.auto.reviews import review_plan, review_publish
from support_system.agents.auto.state import AutoState, Deps, Step
from support_system.data.schema import utcnow


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
