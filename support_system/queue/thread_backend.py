"""`queue.backend: thread`: runs on threads of the app process (the embedded default).

Progress and cancel live in that process's memory, so only the process that started a
run can report or stop it; other processes see the database row alone. That is right
for one app process and needs no server; several processes need the Celery backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from support_system.queue.base import AnyRequest, Event

if TYPE_CHECKING:
    from support_system.accounts.limits import GenerationSlot
    from support_system.api.runner import Runner


class ThreadRuns:
    """The `Runs` interface over the API's in-process `Runner`."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner

    def start(self, request: AnyRequest, slot: GenerationSlot | None = None) -> int:
        return self.runner.start(request, slot)

    def events(self, execution_id: int, after: int = 0) -> list[Event]:
        live = self.runner.live(execution_id)
        return live.snapshot()[max(0, after) :] if live is not None else []

    def cancel(self, execution_id: int) -> bool:
        live = self.runner.live(execution_id)
        if live is None or live.done.is_set():
            return False
        live.cancelled.set()
        return True

    def is_running(self, execution_id: int) -> bool:
        live = self.runner.live(execution_id)
        return live is not None and not live.done.is_set()

    def wait_all(self, timeout: float) -> bool:
        return self.runner.wait_all(timeout)
