"""Auto and hybrid mode as a service: start a run, watch it, approve, correct, cancel,
resume after a crash. The run id is the Execution id and the checkpoint thread id.

Runs started here go on in a background thread (or in the caller's thread with
`background=False`, as the CLI does). The timeline comes from the database, so another
process (a UI page) can show a run it did not start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langgraph.types import Command

from support_system.agents.auto import records
from support_system.agents.auto.config import CHECKPOINTS, AutoConfig
from support_system.agents.auto.graph import build_graph
from support_system.agents.auto.state import Deps, OnEvent
from support_system.agents.errors import RunNotFound, RunNotPaused
from support_system.core.errors import SupportSystemError
from support_system.core.logging import get_logger
from support_system.core.settings import get_settings

log = get_logger(__name__)


@dataclass
class RunStatus:
    """A run as a UI shows it."""

    id: int  # noqa: A003
    goal: str
    state: str  # running | paused | interrupted | completed | failed
    paused_at: str | None = None  # after_plan | before_publish
    pause: dict[str, Any] | None = None  # what the run shows the person at the pause
    timeline: list[records.TimelineEntry] = field(default_factory=list)
    outcome: str | None = None
    explanation: str | None = None
    artifact: str | None = None  # the best artifact's folder
    url: str | None = None  # where it is published

    @property
    def finished(self) -> bool:
        return self.state in ("completed", "failed")


_savers: dict[str, Any] = {}
_savers_lock = threading.Lock()


def checkpointer() -> Any:
    """One checkpointer per database/state dir and process."""
    from support_system.data.checkpoints import make_checkpointer

    settings = get_settings()
    key = f"{settings.effective_database_url}|{settings.state_dir}"
    with _savers_lock:
        if key not in _savers:
            _savers[key] = make_checkpointer(settings)
        return _savers[key]


def _thread(run_id: int) -> dict[str, Any]:
    return {"configurable": {"thread_id": str(run_id)}}


class AutoService:
    """Runs of this process; state lives in the database and the checkpointer."""

    def __init__(self) -> None:
        self._threads: dict[int, threading.Thread] = {}
        self._cancel: dict[int, threading.Event] = {}
        self._lock = threading.Lock()

    # --- starting and driving -------------------------------------------------------

    def start(
        self,
        goal: str,
        *,
        lang: str | None = None,
        job: str | None = None,
        agent: str | None = None,
        model: str | None = None,
        answers: dict[str, Any] | None = None,
        pause_at: list[str] | tuple[str, ...] = (),
        config: AutoConfig | None = None,
        project_id: int | None = None,
        on_event: OnEvent | None = None,
        generator: Any = None,
        background: bool = True,
        started: Callable[[int], None] | None = None,
        user_id: int | None = None,
    ) -> int:
        """Start a run for `goal`; returns its id at once (or when it pauses/ends, with
        `background=False`; `started` then hears the id first). `pause_at` ⊆
        {"after_plan", "before_publish"}. The run belongs to `user_id` (default: the
        project's owner, else the local user)."""
        config = (config or AutoConfig()).model_copy()
        unknown = [p for p in pause_at if p not in CHECKPOINTS]
        if unknown:
            raise ValueError(f"unknown checkpoints {unknown}; choose from {list(CHECKPOINTS)}")
        config.pause_at = sorted(set(config.pause_at) | set(pause_at))  # type: ignore[assignment]
        lang = lang or get_settings().language
        agent, agent_reason = _agent_for(goal, lang, agent, user_id)
        example = None
        if config.use_examples:
            from support_system.agents.auto import examples

            example = examples.closest(goal, job)
        run_id = records.start(goal, project_id, user_id)
        if started is not None:
            started(run_id)
        state = {
            "execution_id": run_id,
            "goal": goal,
            "lang": lang,
            "agent": agent,
            "model": model,
            "agent_reason": agent_reason,
            "config": config.model_dump(mode="json"),
            "given": dict(answers or {}),
            "example": example,
            "job_id": job,
            "step": 0,
            "round": 0,
            "seconds_used": 0.0,
            "tokens_used": 0,
            "notes": [],
            "tried": [],
            "history": [],
            "best": None,
            "published": None,
            "outcome": None,
            "outcome_params": {},
        }
        self._launch(run_id, state, on_event, generator, background)
        return run_id

    def resume(
        self,
        run_id: int,
        *,
        on_event: OnEvent | None = None,
        generator: Any = None,
        background: bool = True,
    ) -> int:
        """Continue a run cut off by a crash or restart from its last checkpoint."""
        snapshot = self._snapshot(run_id)
        if snapshot.interrupts:
            raise RunNotPaused(detail=f"run {run_id} waits for approval; use approve/correct")
        self._launch(run_id, None, on_event, generator, background)
        return run_id

    def approve(self, run_id: int, **kwargs: Any) -> None:
        """Continue a paused run as planned."""
        self._reply(run_id, {"action": "approve"}, **kwargs)

    def correct(self, run_id: int, text: str, **kwargs: Any) -> None:
        """Continue a paused run with a correction ("color: green", or more of the goal)."""
        self._reply(run_id, {"action": "correct", "text": text}, **kwargs)

    def cancel(self, run_id: int) -> None:
        """Stop a run: a running one at its next step, a paused one at once."""
        with self._lock:
            event = self._cancel.get(run_id)
            alive = run_id in self._threads and self._threads[run_id].is_alive()
        if alive and event is not None:
            event.set()
            return
        snapshot = self._snapshot(run_id)
        if snapshot.interrupts:
            self._reply(run_id, {"action": "cancel"}, background=False)
        elif snapshot.next:  # interrupted by a crash: finish it as cancelled
            self._launch(
                run_id,
                Command(update={"decision": "finish", "outcome": "cancelled"}, goto="finish"),
                None,
                None,
                False,
            )

    def wait(self, run_id: int, timeout: float | None = None) -> RunStatus:
        """Block until the run pauses or ends (or `timeout` seconds pass)."""
        with self._lock:
            thread = self._threads.get(run_id)
        if thread is not None:
            thread.join(timeout)
        return self.status(run_id)

    def _reply(
        self,
        run_id: int,
        reply: dict[str, Any],
        *,
        on_event: OnEvent | None = None,
        generator: Any = None,
        background: bool = True,
    ) -> None:
        if not self._snapshot(run_id).interrupts:
            raise RunNotPaused(detail=f"run {run_id} is not waiting for the person")
        self._launch(run_id, Command(resume=reply), on_event, generator, background)

    def _launch(
        self,
        run_id: int,
        graph_input: Any,
        on_event: OnEvent | None,
        generator: Any,
        background: bool,
    ) -> None:
        with self._lock:
            current = self._threads.get(run_id)
            if current is not None and current.is_alive():
                raise RunNotPaused(detail=f"run {run_id} is already running")
            cancel = self._cancel.setdefault(run_id, threading.Event())
        deps = Deps(
            on_event=on_event or (lambda event, info: None), generator=generator, cancel=cancel
        )
        if not background:
            self._drive(run_id, graph_input, deps)
            return
        thread = threading.Thread(
            target=self._drive,
            args=(run_id, graph_input, deps),
            name=f"auto-run-{run_id}",
            daemon=True,
        )
        with self._lock:
            self._threads[run_id] = thread
        thread.start()

    def _drive(self, run_id: int, graph_input: Any, deps: Deps) -> None:
        graph = build_graph(deps).compile(checkpointer=checkpointer())
        try:
            for chunk in graph.stream(
                graph_input, _thread(run_id), durability="sync", stream_mode="updates"
            ):
                for interrupt in chunk.get("__interrupt__", ()):
                    deps.on_event("paused", dict(interrupt.value))
        except Exception as exc:
            log.exception("auto_run_failed", run=run_id)
            deps.on_event("error", {"error": type(exc).__name__, "detail": str(exc)[:300]})
            if isinstance(exc, SupportSystemError):
                raise

    # --- reading --------------------------------------------------------------------

    def _snapshot(self, run_id: int) -> Any:
        if records.load(run_id) is None:
            raise RunNotFound(detail=f"no auto run {run_id}")
        graph = build_graph(Deps()).compile(checkpointer=checkpointer())
        return graph.get_state(_thread(run_id))

    def status(self, run_id: int) -> RunStatus:
        """The run's state, pause, timeline and (when ended) explanation and artifact."""
        record = records.load(run_id)
        if record is None:
            raise RunNotFound(detail=f"no auto run {run_id}")
        snapshot = self._snapshot(run_id)
        values = snapshot.values or {}
        with self._lock:
            thread = self._threads.get(run_id)
        pause = dict(snapshot.interrupts[0].value) if snapshot.interrupts else None
        if record.status in ("completed", "failed"):
            state = record.status
        elif thread is not None and thread.is_alive():
            state = "running"
        elif pause is not None:
            state = "paused"
        else:
            state = "interrupted" if snapshot.next else "running"
        result = record.result or {}
        best = result.get("best") or values.get("best") or {}
        published = result.get("published") or values.get("published") or {}
        return RunStatus(
            id=run_id,
            goal=record.goal,
            state=state,
            paused_at=pause.get("checkpoint") if pause else None,
            pause=pause,
            timeline=record.timeline,
            outcome=result.get("outcome"),
            explanation=result.get("explanation"),
            artifact=best.get("out_dir"),
            url=published.get("url"),
        )


_default = AutoService()


def _agent_for(
    goal: str, lang: str, agent: str | None, user_id: int | None
) -> tuple[str | None, str]:
    """The persona of the run and why: the one asked for, else the agent selector's pick
    for the goal's skill (task analyzer → agent selector); its preferred model then
    counts as the agent's choice in routing."""
    if agent:
        return agent, ""
    from support_system.agents.library import list_agents
    from support_system.agents.selector import select_agent
    from support_system.routing.analyzer import analyze

    choice = select_agent(analyze(goal, lang).skill, goal, lang, list_agents(user_id))
    return (choice.agent.name, choice.reason) if choice is not None else (None, "")


def start(goal: str, **kwargs: Any) -> int:
    return _default.start(goal, **kwargs)


def resume(run_id: int, **kwargs: Any) -> int:
    return _default.resume(run_id, **kwargs)


def status(run_id: int) -> RunStatus:
    return _default.status(run_id)


def approve(run_id: int, **kwargs: Any) -> None:
    _default.approve(run_id, **kwargs)


def correct(run_id: int, text: str, **kwargs: Any) -> None:
    _default.correct(run_id, text, **kwargs)


def cancel(run_id: int) -> None:
    _default.cancel(run_id)


def wait(run_id: int, timeout: float | None = None) -> RunStatus:
    return _default.wait(run_id, timeout)
