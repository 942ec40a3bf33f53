"""The auto-mode run's state and what each node gets and gives back.

`AutoState` is checkpointed after every node, so it holds plain JSON-like values only;
what must not be checkpointed (callbacks, test doubles, the cancel flag) travels in
`Deps`. A node returns a `Step`: its state update and the Substep to record.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypedDict

from support_system.agents.auto.config import AutoConfig

OnEvent = Callable[[str, dict[str, Any]], None]


class AutoState(TypedDict, total=False):
    """Everything a run knows; checkpointed after every node (plain JSON-like values)."""

    execution_id: int
    goal: str
    lang: str
    agent: str | None
    agent_reason: str  # why the agent selector chose it ("" when the person named one)
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


def run_config(state: AutoState) -> AutoConfig:
    """The run's AutoConfig (kept in the state as JSON, so a resumed run keeps it)."""
    return AutoConfig.model_validate(state.get("config") or {})
