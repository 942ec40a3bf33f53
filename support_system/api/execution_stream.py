"""`/ws/executions/{id}`: the progress events of a run as they happen, then its outcome.

    ← {"type": "ready", "execution_id": 12, "status": "running"}
    ← {"id": 1, "type": "progress", "kind": "attempt", "seconds": 0.4} …
    ← {"type": "end", "status": "completed", "error": null}

Authentication and refusals are the chat socket's (`api.chat`): a header or a first
`auth` frame; 4401 / 4404 closes. `?last_event_id=K` skips events already seen. The
events come from the runs backend (`support_system.queue`): with Celery from Redis, so
any server streams any run; with threads only the server running it has them, and
elsewhere (or after a restart) the socket watches the stored status and sends the
outcome when it is final.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from support_system.accounts.principal import Principal
from support_system.api.chat import admit_socket
from support_system.api.deps import owned
from support_system.data.db import session_scope
from support_system.data.schema import Execution, ExecutionStatus

router = APIRouter()

POLL_SECONDS = 0.25
_ENDED = {ExecutionStatus.COMPLETED, ExecutionStatus.FAILED}


def _status(principal: Principal, execution_id: int) -> tuple[ExecutionStatus, str | None]:
    with session_scope() as session:
        row = session.get(Execution, execution_id)
        owned(principal, row.user_id if row else None, "execution")
        return row.status, row.error


@router.websocket("/ws/executions/{execution_id}")
async def execution_socket(socket: WebSocket, execution_id: int, last_event_id: int = 0) -> None:
    """Stream one execution's progress (see the module docstring)."""
    admitted = await admit_socket(
        socket, "read", "execution", lambda who: _status(who, execution_id)
    )
    if admitted is None:
        return
    principal, (status, error) = admitted
    await socket.send_json({"type": "ready", "execution_id": execution_id, "status": status.value})
    runs = socket.app.state.runs
    sent = max(0, last_event_id)
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            running = await run_in_threadpool(runs.is_running, execution_id)  # before events
            events = await run_in_threadpool(runs.events, execution_id, sent)
            for number, (kind, seconds) in enumerate(events, start=sent + 1):
                await socket.send_json(
                    {"id": number, "type": "progress", "kind": kind, "seconds": seconds}
                )
            sent += len(events)
            if not running:  # elsewhere, or over: the database says
                status, error = await run_in_threadpool(_status, principal, execution_id)
                if status in _ENDED:
                    await socket.send_json({"type": "end", "status": status.value, "error": error})
                    await socket.close()
                    return
            await asyncio.sleep(POLL_SECONDS)
